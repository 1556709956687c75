/*
 * fuzz-import.c — libFuzzer harness for northstar-import's reading of every format (the CSV
 * reader, the header, the value parsers, Shopify's grouping, the ad reports' sums), in dry-run
 * mode: the first byte picks the format, the rest is the file.  The importer's messages and
 * records go to /dev/null while it runs.
 */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#define main northstar_import_main
#include "../../scripts/northstar-import.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 path[64];
	static int	 devnull = -1;
	size_t		 nfmt = sizeof(formats) / sizeof(formats[0]) - 1;
	FILE		*fp;
	int		 saved;

	if (devnull < 0) {
		devnull = open("/dev/null", O_WRONLY);
		snprintf(path, sizeof(path), "/tmp/fuzz-import-%d.csv", (int)getpid());
		if (freopen("/dev/null", "w", stdout) == NULL)
			abort();
	}
	if (size < 1 || (fp = fopen(path, "w")) == NULL)
		return 0;
	if (fwrite(data + 1, 1, size - 1, fp) != size - 1) {
		fclose(fp);
		return 0;
	}
	fclose(fp);
	fflush(stderr);
	saved = dup(2);
	dup2(devnull, 2);
	(void)import_file(&formats[data[0] % nfmt], path, data[0] & 0x80 ? "EUR" : NULL, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	unlink(path);
	return 0;
}
