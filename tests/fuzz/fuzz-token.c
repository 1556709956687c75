/* fuzz-token.c — libFuzzer harness for session-token verification (auth.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[] = "fuzzing-key-0123456789abcdef0123456789";
	struct ns_user	 user;
	char		*tok = malloc(size + 1), why[128];

	if (tok == NULL)
		return 0;
	memcpy(tok, data, size);
	tok[size] = '\0';
	/* Without the key nothing the fuzzer makes can verify. */
	if (auth_token_verify(tok, key, sizeof(key) - 1, 1800000000, &user, why, sizeof(why)) == 0)
		abort();
	free(tok);
	return 0;
}
