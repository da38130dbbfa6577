/*
 * Replay driver for fuzz targets when libFuzzer is not available (gcc
 * builds): feeds every file of the corpus directories given as arguments,
 * plus every prefix of each file (truncation is the commonest bug class),
 * through LLVMFuzzerTestOneInput.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (f == NULL)
		return -1;
	buf = malloc(1 << 20);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	for (size_t i = 0; i <= n; i++) {
		uint8_t *copy = malloc(i ? i : 1);	/* exact size: ASan sees overreads */
		if (copy == NULL)
			break;
		memcpy(copy, buf, i);
		LLVMFuzzerTestOneInput(copy, i);
		free(copy);
	}
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int nfiles = 0;

	for (int a = 1; a < argc; a++) {
		DIR *d = opendir(argv[a]);
		struct dirent *de;
		char path[4096];

		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[a], de->d_name);
			if (replay_file(path) == 0)
				nfiles++;
		}
		closedir(d);
	}
	printf("replayed %d corpus files\n", nfiles);
	return 0;
}
