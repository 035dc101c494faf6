/* Unit tests for capture-list expansion: name order, recursion, hidden
 * entries, files recognised by magic number, and the errors for named files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sightline/capture.h"
#include "testhelp.h"

static char dir[64];

static void put(const char *name, const void *bytes, size_t n)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	if (n)
		fwrite(bytes, 1, n, f);
	fclose(f);
}

static const uint8_t pcap_le[] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };
static const uint8_t pcapng[] = { 0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0 };

static const char *base(const char *p)
{
	return p + strlen(dir) + 1;
}

static void test_expand_dir(void)
{
	TEST("capture: directories in name order, recursive, by magic");
	char sub[128], err[256];
	snprintf(sub, sizeof(sub), "%s/b-sub", dir);
	mkdir(sub, 0700);
	put("c.cap", pcap_le, sizeof(pcap_le));
	put("a.txt", pcapng, sizeof(pcapng)); /* a capture despite its name */
	put("b-sub/x.pcap", pcap_le, sizeof(pcap_le));
	put("d.pcap", "not a capture", 13);   /* passed over inside a directory */
	put(".hidden.pcap", pcap_le, sizeof(pcap_le));
	struct sl_capture_list l;
	const char *in[] = { dir };
	CHECK(sl_capture_expand(in, 1, &l, err, sizeof(err)) == 0);
	CHECK_EQ_INT(l.n, 3);
	if (l.n == 3) {
		CHECK_EQ_STR(base(l.paths[0]), "a.txt");
		CHECK_EQ_STR(base(l.paths[1]), "b-sub/x.pcap");
		CHECK_EQ_STR(base(l.paths[2]), "c.cap");
	}
	CHECK_EQ_INT(l.skipped, 1);
	CHECK_EQ_INT(l.total_bytes, 3 * 8);
	sl_capture_list_finish(&l);
	sl_capture_list_finish(NULL);
}

static void test_named_errors(void)
{
	TEST("capture: a named file that is not a capture is an error");
	char p[128], err[256];
	struct sl_capture_list l;
	const char *in[] = { p };
	snprintf(p, sizeof(p), "%s/d.pcap", dir);
	CHECK_EQ_INT(sl_capture_expand(in, 1, &l, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "d.pcap: not a pcap or pcapng capture") != NULL);
	put("empty", "", 0);
	snprintf(p, sizeof(p), "%s/empty", dir);
	CHECK_EQ_INT(sl_capture_expand(in, 1, &l, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "empty file") != NULL);
	put("short", "\xd4\xc3", 2);
	snprintf(p, sizeof(p), "%s/short", dir);
	CHECK_EQ_INT(sl_capture_expand(in, 1, &l, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "too short") != NULL);
	snprintf(p, sizeof(p), "%s/missing", dir);
	CHECK_EQ_INT(sl_capture_expand(in, 1, &l, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "missing: No such file") != NULL);
	CHECK_EQ_INT(l.n, 0);
}

static void test_magic(void)
{
	TEST("capture: magic numbers");
	CHECK(sl_capture_is_capture_magic(pcap_le, 4));
	CHECK(sl_capture_is_capture_magic((const uint8_t *)"\xa1\xb2\x3c\x4d", 4)); /* ns, big endian */
	CHECK(sl_capture_is_capture_magic(pcapng, 4));
	CHECK(!sl_capture_is_capture_magic((const uint8_t *)"{\"ti", 4));
	CHECK(!sl_capture_is_capture_magic(pcap_le, 3));
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sl-test-capture-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_magic();
	test_expand_dir();
	test_named_errors();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return TEST_REPORT();
}
