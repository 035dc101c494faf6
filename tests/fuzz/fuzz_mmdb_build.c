/* Fuzz harness for the mmdb builder: the input is CSV (a form feed splits
 * it into two lists); whatever builds must open in libmaxminddb and answer
 * lookups without error, with every found record decodable. */
#include <maxminddb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sightline/mmdb_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_db(void)
{
	unlink(path);
}

static int write_db(const uint8_t *p, size_t n)
{
	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/sl_fuzz_mmdbXXXXXX");
		int fd = mkstemp(path);
		if (fd < 0)
			return -1;
		close(fd);
		atexit(remove_db);
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(p, 1, n, f);
	return fclose(f) == 0 && w == n ? 0 : -1;
}

static void probe(MMDB_s *db)
{
	static const char *const ips[] = {
		"0.0.0.0", "1.2.3.4", "10.0.0.1", "175.45.177.9", "255.255.255.255", "::",
		"::1", "2001:db8::1", "::ffff:10.0.0.1", "2002:a00:1::", "ffff::1",
	};
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		int gai = 0, mrc = 0;
		MMDB_lookup_result_s r = MMDB_lookup_string(db, ips[i], &gai, &mrc);
		if (gai || mrc != MMDB_SUCCESS)
			abort();
		if (!r.found_entry)
			continue;
		MMDB_entry_data_list_s *list = NULL;
		if (MMDB_get_entry_data_list(&r.entry, &list) != MMDB_SUCCESS)
			abort();
		MMDB_entry_data_s d;
		if (MMDB_get_value(&r.entry, &d, "label", NULL) != MMDB_SUCCESS || !d.has_data ||
		    d.type != MMDB_DATA_TYPE_UTF8_STRING)
			abort();
		MMDB_free_entry_data_list(list);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff = memchr(data, '\f', size);
	size_t first = ff ? (size_t)(ff - data) : size;
	struct sl_mmdb_source src[2] = {
		{"fuzz-a", data, first},
		{"fuzz-b", ff ? ff + 1 : data, ff ? size - first - 1 : 0},
	};
	const struct sl_mmdb_build_opts opts = {.build_epoch = 1};
	uint8_t *out = NULL;
	size_t len = 0;
	char err[512];
	if (sl_mmdb_build_mem(src, ff ? 2 : 1, &opts, &out, &len, err, sizeof(err)) < 0)
		return 0;
	MMDB_s db;
	if (write_db(out, len) < 0 || MMDB_open(path, MMDB_MODE_MMAP, &db) != MMDB_SUCCESS)
		abort();
	free(out);
	probe(&db);
	MMDB_close(&db);
	return 0;
}
