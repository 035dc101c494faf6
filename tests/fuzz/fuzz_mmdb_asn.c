/* Fuzz harness for `mmdb build --asn`: the input is the ASN source file,
 * read as an .mmdb (its search tree walked, each node at most once) when
 * libmaxminddb opens it, else as ip-location-db CSV ranges split into
 * prefixes.  Any bytes must give a database or an error naming the file,
 * promptly: a looping tree or a huge range must not hang or exhaust it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sightline/mmdb_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_source(void)
{
	unlink(path);
}

static int write_source(const uint8_t *p, size_t n)
{
	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/sl_fuzz_mmdb_asnXXXXXX");
		int fd = mkstemp(path);
		if (fd < 0)
			return -1;
		close(fd);
		atexit(remove_source);
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(p, 1, n, f);
	return fclose(f) == 0 && w == n ? 0 : -1;
}

/* Lists naming small and large AS numbers, so sources that name them add
 * prefixes (the AS numbers of the seeds). */
static const char lists[] = "AS1,one\nAS13335,cf,org=\"Cloudflare, Inc.\"\nAS60729,tor\n"
			    "AS64500,doc\nAS4294967295,top\n10.0.0.0/8,ten\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20) || write_source(data, size) < 0)
		return 0;
	const char *src[] = { path };
	struct sl_mmdb_build_opts o = { .asn_sources = src, .n_asn_sources = 1 };
	struct sl_mmdb_source l = { "asn", lists, sizeof(lists) - 1 };
	uint8_t *out = NULL;
	size_t len = 0;
	char err[512];
	if (sl_mmdb_build_mem(&l, 1, &o, &out, &len, err, sizeof(err)) == 0 && len == 0)
		abort(); /* a successful build always has a tree and metadata */
	free(out);
	return 0;
}
