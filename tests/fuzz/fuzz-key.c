/*
 * fuzz-key.c — libFuzzer harness for the API-key credential parser (key.c):
 * an Authorization header (Bearer or Basic) and the NDJSON splitter of the
 * ingestion endpoint (common/ingest.c) on the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "northstar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*h = malloc(size + 1), key[NS_KEY_LEN + 1], *arr;
	size_t	 n;

	if (h == NULL)
		return 0;
	memcpy(h, data, size);
	h[size] = '\0';
	/* Whatever is recognised as a key must be a well-formed one. */
	if (key_from_authorization(h, key, sizeof(key)) == 1 && !key_valid(key, strlen(key)))
		abort();
	if ((arr = ingest_ndjson_array_new((const char *)data, size, &n)) != NULL) {
		if (n < 2 || arr[0] != '[' || arr[n - 1] != ']' || n > size * 5 + 2)
			abort();
		free(arr);
	}
	free(h);
	return 0;
}
