/* fuzz-device.c — libFuzzer harness for the sign-in limits' device tokens (login.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[] = "fuzzing-key-0123456789abcdef0123456789";
	char	*tok = malloc(size + 1), id[LOGIN_DEVICE_NONCE_HEX + 1], again[LOGIN_DEVICE_MAX];

	if (tok == NULL)
		return 0;
	memcpy(tok, data, size);
	tok[size] = '\0';
	/* Without the key nothing the fuzzer makes can verify ... */
	if (login_device_verify(key, sizeof(key) - 1, "ana@example.com", tok, 1700000000, id,
	    sizeof(id)) == 0)
		abort();
	/* ... and a token made from its bytes as the e-mail verifies, for that e-mail only. */
	if (size <= 254 && memchr(tok, '\0', size) == NULL &&
	    login_device_token(key, sizeof(key) - 1, tok, 1800000000, "0123456789abcdef", again,
	    sizeof(again)) == 0 &&
	    login_device_verify(key, sizeof(key) - 1, tok, again, 1700000000, id, sizeof(id)) != 0)
		abort();
	free(tok);
	return 0;
}
