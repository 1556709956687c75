/* fuzz-csv.c — libFuzzer harness for JSON parsing and the CSV export (csv.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 len;
	char	*csv = csv_from_json_new((const char *)data, size, "rows", &len, NULL);

	if (csv != NULL && strlen(csv) != len)
		abort();
	free(csv);
	return 0;
}
