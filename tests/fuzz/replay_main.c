/* main() for fuzz harnesses built without libFuzzer: feeds every file named
 * on the command line (directories are walked one level) to
 * LLVMFuzzerTestOneInput, so each harness compiles and runs in every CI run. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int main(int argc, char **argv);

/* Prefix cuts per input: SL_FUZZ_CUTS when it is a number from 1 to 4096. */
static size_t cuts(void)
{
	const char *v = getenv("SL_FUZZ_CUTS");
	char *end;
	long n = v ? strtol(v, &end, 10) : 0;
	return v && *end == '\0' && n >= 1 && n <= 4096 ? (size_t)n : 64;
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		return 1;
	}
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (!buf)
		return 1;
	/* The whole input, then every prefix length in coarse steps: cheap
	 * truncation coverage even without a fuzzing engine.  SL_FUZZ_CUTS
	 * (default 64) lowers the count for harnesses whose every call builds
	 * a whole engine; their parsers' own harnesses keep the fine steps. */
	LLVMFuzzerTestOneInput(buf, len);
	size_t step = len / cuts() + 1;
	for (size_t cut = 0; cut < len; cut += step)
		LLVMFuzzerTestOneInput(buf, cut);
	free(buf);
	return 0;
}

static int run_path(const char *path, unsigned *count)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: not found\n", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	DIR *d = opendir(path);
	struct dirent *e;
	int rc = 0;
	while (d && (e = readdir(d))) {
		char sub[4096];
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
			(*count)++;
			rc |= run_file(sub);
		}
	}
	if (d)
		closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int rc = 0;
	for (int i = 1; i < argc; i++)
		rc |= run_path(argv[i], &count);
	printf("replayed %u inputs\n", count);
	return rc;
}
