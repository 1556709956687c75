/* fuzz-csvread.c — libFuzzer harness for the CSV reader of northstar-import (csvread.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE		*fp;
	struct csvread	*r;
	char *const	*f;
	size_t		 n, i;
	unsigned long	 line, last = 0;
	int		 rc;

	if (size == 0 || (fp = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	r = csvread_new(fp);
	while ((rc = csvread_next(r, &f, &n, &line)) == 1) {
		/* records come in line order, each field a string within the input's size */
		if (line <= last && last != 0)
			abort();
		last = line;
		for (i = 0; i < n; i++)
			if (strlen(f[i]) > size)
				abort();
	}
	if (csvread_offset(r) > size)
		abort();
	csvread_free(r);
	fclose(fp);
	return 0;
}
