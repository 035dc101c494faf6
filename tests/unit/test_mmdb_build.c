/* Unit tests for the mmdb builder: every database is built into a temp dir
 * and read back through libmaxminddb, the same reader the sensor uses. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <maxminddb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sensor/enrich/mmdb_internal.h"
#include "sightline/mmdb_build.h"
#include "testhelp.h"

static char dir[256];
static char err[512];
static const struct sl_mmdb_build_opts opts = {
	.description = "unit test", .build_epoch = 1700000000};

static const char *path_of(const char *name)
{
	static char buf[8][512];
	static int next;
	char *p = buf[next++ % 8];
	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

static void write_text(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "wb");
	fputs(text, f);
	fclose(f);
}

/* Build OUT from the named files in dir; returns sl_mmdb_build's result. */
static int build(const char *out, const char *a, const char *b, const char *c)
{
	const char *paths[3];
	size_t n = 0;
	if (a)
		paths[n++] = path_of(a);
	if (b)
		paths[n++] = path_of(b);
	if (c)
		paths[n++] = path_of(c);
	err[0] = '\0';
	return sl_mmdb_build(paths, n, path_of(out), &opts, err, sizeof(err));
}

static bool open_db(const char *name, MMDB_s *db)
{
	int rc = MMDB_open(path_of(name), MMDB_MODE_MMAP, db);
	if (rc != MMDB_SUCCESS)
		fprintf(stderr, "MMDB_open(%s): %s\n", name, MMDB_strerror(rc));
	return rc == MMDB_SUCCESS;
}

/* Look ip up; returns true when found, failing the test on reader errors. */
static bool lookup(MMDB_s *db, const char *ip, MMDB_entry_s *e)
{
	int gai = 0, mrc = 0;
	MMDB_lookup_result_s r = MMDB_lookup_string(db, ip, &gai, &mrc);
	CHECK_EQ_INT(gai, 0);
	CHECK_EQ_INT(mrc, MMDB_SUCCESS);
	*e = r.entry;
	return gai == 0 && mrc == MMDB_SUCCESS && r.found_entry;
}

static bool getv(MMDB_entry_s *e, MMDB_entry_data_s *d, ...)
{
	va_list ap;
	va_start(ap, d);
	int rc = MMDB_vget_value(e, d, ap);
	va_end(ap);
	return rc == MMDB_SUCCESS && d->has_data;
}

/* A string at the path, "(miss)" when ip is not in the database, "(none)"
 * when the path is absent.  Copied into one of a few rotating buffers. */
static const char *str_at(MMDB_s *db, const char *ip, const char *k1, const char *k2,
			  const char *k3)
{
	static char buf[8][256];
	static int next;
	char *out = buf[next++ % 8];
	MMDB_entry_s e;
	MMDB_entry_data_s d;
	if (!lookup(db, ip, &e))
		return "(miss)";
	if (!getv(&e, &d, k1, k2, k3, NULL) || d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return "(none)";
	snprintf(out, 256, "%.*s", (int)d.data_size, d.utf8_string);
	return out;
}

static const char *label(MMDB_s *db, const char *ip)
{
	return str_at(db, ip, "label", NULL, NULL);
}

/* The lists array joined with ','. */
static const char *lists(MMDB_s *db, const char *ip)
{
	static char out[256];
	MMDB_entry_s e;
	MMDB_entry_data_s d;
	out[0] = '\0';
	if (!lookup(db, ip, &e))
		return "(miss)";
	for (int i = 0; i < 16; i++) {
		char idx[8];
		snprintf(idx, sizeof(idx), "%d", i);
		if (!getv(&e, &d, "lists", idx, NULL))
			break;
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%.*s", i ? "," : "",
			 (int)d.data_size, d.utf8_string);
	}
	return out;
}

static void test_ipv4_ipv6_mapped(void)
{
	TEST("IPv4, IPv6, IPv4-mapped and 6to4 lookups; misses outside");
	write_text("tor.csv", "# Tor exits\ncidr,label,note\n185.220.101.0/24,tor-exit,\"relay, fast\"\n"
			      "2001:db8:1::/48,tor-v6\n");
	CHECK_EQ_INT(build("a.mmdb", "tor.csv", NULL, NULL), 0);
	MMDB_s db;
	if (!open_db("a.mmdb", &db))
		return;
	CHECK_EQ_INT(db.metadata.ip_version, 6);
	CHECK_EQ_INT(db.metadata.record_size, 24);
	CHECK_EQ_INT(db.metadata.binary_format_major_version, 2);
	CHECK_EQ_INT(db.metadata.binary_format_minor_version, 0);
	CHECK_EQ_INT(db.metadata.build_epoch, 1700000000);
	CHECK_EQ_STR(db.metadata.database_type, "sightline-intel");
	CHECK_EQ_INT(db.metadata.description.count, 1);
	CHECK_EQ_STR(db.metadata.description.descriptions[0]->description, "unit test");
	CHECK_EQ_STR(label(&db, "185.220.101.1"), "tor-exit");
	CHECK_EQ_STR(label(&db, "185.220.101.255"), "tor-exit");
	CHECK_EQ_STR(str_at(&db, "185.220.101.9", "note", NULL, NULL), "relay, fast");
	CHECK_EQ_STR(lists(&db, "185.220.101.9"), "tor");
	CHECK_EQ_STR(label(&db, "::ffff:185.220.101.77"), "tor-exit");
	CHECK_EQ_STR(label(&db, "2002:b9dc:6501::1"), "tor-exit");
	CHECK_EQ_STR(label(&db, "::185.220.101.3"), "tor-exit");
	CHECK_EQ_STR(label(&db, "2001:db8:1:ffff::1"), "tor-v6");
	CHECK_EQ_STR(label(&db, "185.220.100.255"), "(miss)");
	CHECK_EQ_STR(label(&db, "185.220.102.0"), "(miss)");
	CHECK_EQ_STR(label(&db, "::ffff:185.220.102.0"), "(miss)");
	CHECK_EQ_STR(label(&db, "2001:db8:2::1"), "(miss)");
	CHECK_EQ_STR(label(&db, "8.8.8.8"), "(miss)");
	CHECK_EQ_STR(label(&db, "::1"), "(miss)");
	MMDB_close(&db);
}

static void test_overlap(void)
{
	TEST("overlapping prefixes: most specific label, inherited keys, all lists");
	write_text("dprk.csv", "175.45.176.0/22,dprk,country.iso_code=KP,asn=131279\n"
			       "175.45.177.0/24,dprk-core,asn=9999\n");
	write_text("tor.csv", "175.45.177.9,tor-exit\n");
	write_text("corp.csv", "0.0.0.0/0,internet\n175.45.176.0/22,corp-note\n");
	CHECK_EQ_INT(build("o.mmdb", "dprk.csv", "tor.csv", "corp.csv"), 0);
	MMDB_s db;
	if (!open_db("o.mmdb", &db))
		return;
	MMDB_entry_s e;
	MMDB_entry_data_s d;
	CHECK_EQ_STR(label(&db, "175.45.177.9"), "tor-exit");
	CHECK_EQ_STR(lists(&db, "175.45.177.9"), "dprk,tor,corp");
	CHECK_EQ_STR(str_at(&db, "175.45.177.9", "country", "iso_code", NULL), "KP");
	CHECK(lookup(&db, "175.45.177.9", &e) && getv(&e, &d, "asn", NULL) && d.uint32 == 9999);
	CHECK_EQ_STR(label(&db, "175.45.177.10"), "dprk-core");
	CHECK_EQ_STR(lists(&db, "175.45.177.10"), "dprk,corp");
	/* Same prefix in a later list: its label wins, keys merge. */
	CHECK_EQ_STR(label(&db, "175.45.178.1"), "corp-note");
	CHECK(lookup(&db, "175.45.178.1", &e) && getv(&e, &d, "asn", NULL) && d.uint32 == 131279);
	CHECK_EQ_STR(label(&db, "9.9.9.9"), "internet");
	CHECK_EQ_STR(lists(&db, "::ffff:9.9.9.9"), "corp");
	CHECK_EQ_STR(label(&db, "2001:db8::1"), "(miss)");
	MMDB_close(&db);

	TEST("identical prefix twice merges, later value wins per key");
	write_text("dup.csv", "10.0.0.0/8,first,a=1,b=x\n10.0.0.0/8,second,a=2\n10.1.0.0/16,inner\n");
	CHECK_EQ_INT(build("d.mmdb", "dup.csv", NULL, NULL), 0);
	if (!open_db("d.mmdb", &db))
		return;
	CHECK_EQ_STR(label(&db, "10.200.0.1"), "second");
	CHECK(lookup(&db, "10.200.0.1", &e) && getv(&e, &d, "a", NULL) && d.uint32 == 2);
	CHECK_EQ_STR(str_at(&db, "10.200.0.1", "b", NULL, NULL), "x");
	CHECK_EQ_STR(lists(&db, "10.200.0.1"), "dup");
	CHECK_EQ_STR(label(&db, "10.1.2.3"), "inner");
	CHECK(lookup(&db, "10.1.2.3", &e) && getv(&e, &d, "a", NULL) && d.uint32 == 2);
	MMDB_close(&db);
}

static void test_ipv6_vs_ipv4_space(void)
{
	TEST("::/0 covers IPv6 only; mapped and 6to4 prefixes fold into IPv4");
	write_text("v6.csv", "::/0,any6\n::ffff:1.2.3.0/120,mapped\n2002:0506:0700::/40,sixtofour\n");
	CHECK_EQ_INT(build("v6.mmdb", "v6.csv", NULL, NULL), 0);
	MMDB_s db;
	if (!open_db("v6.mmdb", &db))
		return;
	CHECK_EQ_STR(label(&db, "2001:db8::1"), "any6");
	CHECK_EQ_STR(label(&db, "fe80::1"), "any6");
	CHECK_EQ_STR(label(&db, "1.2.3.4"), "mapped");
	CHECK_EQ_STR(label(&db, "5.6.7.8"), "sixtofour");
	CHECK_EQ_STR(label(&db, "2002:0506:0708::1"), "sixtofour");
	CHECK_EQ_STR(label(&db, "9.9.9.9"), "(miss)");
	CHECK_EQ_STR(label(&db, "::ffff:9.9.9.9"), "(miss)");
	CHECK_EQ_STR(label(&db, "2002:0909:0909::"), "(miss)");
	MMDB_close(&db);
}

static void test_nested_and_types(void)
{
	TEST("dotted keys nest; every value type reads back typed");
	write_text("geo.csv",
		   "198.51.100.0/24,pyongyang,city.names.en=Pyongyang,country.iso_code=KP,"
		   "location.latitude=39.03,location.longitude=-125.75,location.accuracy_radius=50,"
		   "location.time_zone=Asia/Pyongyang,is_anonymous_vpn=true,is_tor=false,"
		   "big=5000000000,neg=-5,zip=007,exp=1e3,empty=,\"q=a,b\",bool_text=True\n"
		   "198.51.101.0/24,promoted,location.latitude=38\n");
	CHECK_EQ_INT(build("g.mmdb", "geo.csv", NULL, NULL), 0);
	MMDB_s db;
	if (!open_db("g.mmdb", &db))
		return;
	MMDB_entry_s e;
	MMDB_entry_data_s d;
	const char *ip = "198.51.100.7";
	CHECK_EQ_STR(str_at(&db, ip, "city", "names", "en"), "Pyongyang");
	CHECK_EQ_STR(str_at(&db, ip, "location", "time_zone", NULL), "Asia/Pyongyang");
	CHECK(lookup(&db, ip, &e));
	CHECK(getv(&e, &d, "location", "latitude", NULL) && d.type == MMDB_DATA_TYPE_DOUBLE &&
	      d.double_value == 39.03);
	CHECK(getv(&e, &d, "location", "longitude", NULL) && d.double_value == -125.75);
	CHECK(getv(&e, &d, "location", "accuracy_radius", NULL) &&
	      d.type == MMDB_DATA_TYPE_UINT32 && d.uint32 == 50);
	CHECK(getv(&e, &d, "is_anonymous_vpn", NULL) && d.type == MMDB_DATA_TYPE_BOOLEAN && d.boolean);
	CHECK(getv(&e, &d, "is_tor", NULL) && d.type == MMDB_DATA_TYPE_BOOLEAN && !d.boolean);
	CHECK(getv(&e, &d, "big", NULL) && d.type == MMDB_DATA_TYPE_UINT64 &&
	      d.uint64 == 5000000000ULL);
	CHECK(getv(&e, &d, "neg", NULL) && d.type == MMDB_DATA_TYPE_INT32 && d.int32 == -5);
	CHECK(getv(&e, &d, "exp", NULL) && d.type == MMDB_DATA_TYPE_DOUBLE && d.double_value == 1000.0);
	CHECK(getv(&e, &d, "empty", NULL) && d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size == 0);
	CHECK(getv(&e, &d, "location", NULL) && d.type == MMDB_DATA_TYPE_MAP && d.data_size == 4);
	CHECK_EQ_STR(str_at(&db, ip, "zip", NULL, NULL), "007");
	CHECK_EQ_STR(str_at(&db, ip, "q", NULL, NULL), "a,b");
	CHECK_EQ_STR(str_at(&db, ip, "bool_text", NULL, NULL), "True");
	CHECK(lookup(&db, "198.51.101.1", &e));
	CHECK(getv(&e, &d, "location", "latitude", NULL) && d.type == MMDB_DATA_TYPE_DOUBLE &&
	      d.double_value == 38.0);
	MMDB_close(&db);
}

/* 'quoted' values stay text (ip-location-db stores coordinates as text);
 * AS-number lines land at 100::ASN where readers ask for them. */
static void test_text_values_and_asn(void)
{
	TEST("'quoted' values stay strings; AS numbers at 100::/96");
	write_text("loc.csv", "1.0.0.0/24,x,latitude='-27.4748',longitude=' 153.0',zip='',q=''x''\n"
		   "AS131279,star-jv\nas4294967295,top\n175.45.176.0/22,star-jv\n");
	CHECK_EQ_INT(build("loc.mmdb", "loc.csv", NULL, NULL), 0);
	MMDB_s db;
	if (!open_db("loc.mmdb", &db))
		return;
	CHECK_EQ_STR(str_at(&db, "1.0.0.9", "latitude", NULL, NULL), "-27.4748");
	CHECK_EQ_STR(str_at(&db, "1.0.0.9", "longitude", NULL, NULL), " 153.0");
	CHECK_EQ_STR(str_at(&db, "1.0.0.9", "zip", NULL, NULL), "");
	CHECK_EQ_STR(str_at(&db, "1.0.0.9", "q", NULL, NULL), "'x'");
	uint8_t a[16];
	char text[64];
	sl_mmdb_asn_addr(131279, a);
	CHECK(inet_ntop(AF_INET6, a, text, sizeof(text)) != NULL);
	CHECK_EQ_STR(text, "100::2:cf");
	CHECK_EQ_STR(label(&db, "100::2:cf"), "star-jv");
	CHECK_EQ_STR(label(&db, "100::ffff:ffff"), "top");
	CHECK_EQ_STR(label(&db, "100::2:ce"), "(miss)");
	CHECK_EQ_STR(label(&db, "100::1:2:cf"), "(miss)");
	CHECK_EQ_STR(label(&db, "175.45.177.1"), "star-jv");
	MMDB_close(&db);
}

static void test_quoted_commas(void)
{
	TEST("key=\"a, b\" and quoted notes and labels keep their commas");
	write_text("q.csv", "cidr,label,note\n"
		   "1.0.0.0/24,\"x, y\",org=\"Example, Inc.\",\"city=Seoul, KR\"\n"
		   "1.0.1.0/24,z,\"free text, with comma\"\n"
		   "AS64500,v,org=\"Hosting, Ltd.\"\n");
	CHECK_EQ_INT(build("q.mmdb", "q.csv", NULL, NULL), 0);
	MMDB_s db;
	if (!open_db("q.mmdb", &db))
		return;
	CHECK_EQ_STR(label(&db, "1.0.0.1"), "x, y");
	CHECK_EQ_STR(str_at(&db, "1.0.0.1", "org", NULL, NULL), "Example, Inc.");
	CHECK_EQ_STR(str_at(&db, "1.0.0.1", "city", NULL, NULL), "Seoul, KR");
	CHECK_EQ_STR(str_at(&db, "1.0.1.1", "note", NULL, NULL), "free text, with comma");
	CHECK_EQ_STR(str_at(&db, "100::fbf4", "org", NULL, NULL), "Hosting, Ltd.");
	MMDB_close(&db);
}

static void test_empty(void)
{
	TEST("an empty list (and no list at all) gives a valid database that misses");
	write_text("empty.csv", "# nothing yet\n\ncidr,label\n");
	CHECK_EQ_INT(build("e.mmdb", "empty.csv", NULL, NULL), 0);
	CHECK_EQ_INT(build("none.mmdb", NULL, NULL, NULL), 0);
	const char *names[] = {"e.mmdb", "none.mmdb"};
	for (int i = 0; i < 2; i++) {
		MMDB_s db;
		if (!open_db(names[i], &db))
			continue;
		CHECK(db.metadata.node_count > 0);
		CHECK_EQ_STR(label(&db, "1.2.3.4"), "(miss)");
		CHECK_EQ_STR(label(&db, "0.0.0.0"), "(miss)");
		CHECK_EQ_STR(label(&db, "255.255.255.255"), "(miss)");
		CHECK_EQ_STR(label(&db, "2001:db8::1"), "(miss)");
		CHECK_EQ_STR(label(&db, "::ffff:1.2.3.4"), "(miss)");
		MMDB_close(&db);
	}
}

static void expect_error(const char *text, const char *msg)
{
	write_text("bad.csv", text);
	int rc = build("bad.mmdb", "bad.csv", NULL, NULL);
	CHECK(rc < 0);
	const char *tail = strstr(err, "bad.csv:");
	CHECK_EQ_STR(tail, msg);
}

static void test_errors(void)
{
	TEST("malformed input fails with FILE:LINE: sentence");
	expect_error("1.2.3.0/24,ok\n\n10.0.0.300/8,x\n", "bad.csv:3: malformed CIDR '10.0.0.300/8'");
	expect_error("10.0.0.1/8,x\n", "bad.csv:1: host bits set beyond /8 in '10.0.0.1/8'");
	expect_error("1.2.3.0/24,ok\n1.2.4.0/24,\"open\n", "bad.csv:2: unterminated quoted field");
	expect_error("1.2.3.0/24,ok,=v\n", "bad.csv:1: empty key");
	expect_error("1.2.3.0/24,ok,a..b=1\n", "bad.csv:1: empty component in key 'a..b'");
	expect_error("1.2.3.0/24,ok,asn=1\n1.2.4.0/24,ok,asn=AS1\n",
		     "bad.csv:2: key 'asn' is a string here but an integer earlier in this list");
	expect_error("1.2.3.0/24,ok,country=KP\n1.2.4.0/24,ok,country.iso_code=KP\n",
		     "bad.csv:2: key 'country' is a map here but a string earlier in this list");
	expect_error("1.2.3.0/24,ok,a=1,a=2\n", "bad.csv:1: key 'a' clashes with 'a' on the same line");
	expect_error("1.2.3.0/24,ok,lists=x\n", "bad.csv:1: key 'lists' is reserved for the list names");
	expect_error("1.2.3.0/24\n", "bad.csv:1: missing label (lines are cidr,label[,key=value...])");
	expect_error("1.2.3.0/24,ok,note,extra\n", "bad.csv:1: expected key=value, got 'extra'");
	expect_error("1.2.3.0/24,ok,n=-3000000000\n", "bad.csv:1: integer '-3000000000' below the int32 range");
	expect_error("2002:0102:0304:5::/64,x\n",
		     "bad.csv:1: '2002:0102:0304:5::/64' lies inside the 6to4 alias 2002::/16 and is longer than /48; list the IPv4 prefix instead");
	expect_error("1.2.3.0/24,\xff\xfe\n", "bad.csv:1: text is not valid UTF-8");
	expect_error("AS12x,x\n", "bad.csv:1: malformed AS number 'AS12x' (expected AS and 1 to 4294967295)");
	expect_error("AS0,x\n", "bad.csv:1: AS number 'AS0' is outside 1 to 4294967295");
	expect_error("AS4294967296,x\n", "bad.csv:1: AS number 'AS4294967296' is outside 1 to 4294967295");
	expect_error("AS007,x\n", "bad.csv:1: malformed AS number 'AS007' (expected AS and 1 to 4294967295)");

	TEST("a failed build leaves the previous database and no temporary file");
	write_text("good.csv", "1.2.3.0/24,good\n");
	CHECK_EQ_INT(build("keep.mmdb", "good.csv", NULL, NULL), 0);
	write_text("bad.csv", "1.2.3.0/24,ok\nnot-an-address,x\n");
	CHECK(build("keep.mmdb", "good.csv", "bad.csv", NULL) < 0);
	MMDB_s db;
	if (open_db("keep.mmdb", &db)) {
		CHECK_EQ_STR(label(&db, "1.2.3.4"), "good");
		MMDB_close(&db);
	}
	CHECK(build("keep.mmdb", "missing.csv", NULL, NULL) == -ENOENT);
	CHECK(strstr(err, "missing.csv: cannot open") != NULL);
	DIR *d = opendir(dir);
	struct dirent *de;
	int tmp = 0;
	while (d && (de = readdir(d)))
		tmp += strstr(de->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	CHECK_EQ_INT(tmp, 0);
}

static void write_bytes(const char *name, const void *p, size_t n)
{
	FILE *f = fopen(path_of(name), "wb");
	fwrite(p, 1, n, f);
	fclose(f);
}

static uint8_t *slurp(const char *name, size_t *len)
{
	FILE *f = fopen(path_of(name), "rb");
	uint8_t *p = NULL;
	struct stat st;
	if (f && fstat(fileno(f), &st) == 0 && (p = malloc((size_t)st.st_size + 1)))
		*len = fread(p, 1, (size_t)st.st_size, f);
	if (f)
		fclose(f);
	return p;
}

static void test_reproducible_and_mem(void)
{
	TEST("same input, same bytes; the in-memory build matches the file build");
	const char *text = "10.0.0.0/8,corp,site=hq\n2001:db8::/32,doc\n";
	write_text("corp.csv", text);
	CHECK_EQ_INT(build("r1.mmdb", "corp.csv", NULL, NULL), 0);
	CHECK_EQ_INT(build("r2.mmdb", "corp.csv", NULL, NULL), 0);
	size_t l1 = 0, l2 = 0, lm = 0;
	uint8_t *a = slurp("r1.mmdb", &l1), *b = slurp("r2.mmdb", &l2), *m = NULL;
	CHECK(a && b && l1 == l2 && memcmp(a, b, l1) == 0);
	struct sl_mmdb_source src = {"corp", text, strlen(text)};
	CHECK_EQ_INT(sl_mmdb_build_mem(&src, 1, &opts, &m, &lm, err, sizeof(err)), 0);
	CHECK(a && m && lm == l1 && memcmp(a, m, l1) == 0);
	free(a);
	free(b);
	free(m);
	TEST("NULL options: default type, epoch 1, empty description");
	m = NULL;
	CHECK_EQ_INT(sl_mmdb_build_mem(&src, 1, NULL, &m, &lm, err, sizeof(err)), 0);
	write_bytes("defaults.mmdb", m, lm);
	free(m);
	MMDB_s db;
	if (open_db("defaults.mmdb", &db)) {
		CHECK_EQ_STR(db.metadata.database_type, "sightline-intel");
		CHECK_EQ_INT(db.metadata.build_epoch, 1);
		CHECK_EQ_INT(db.metadata.description.count, 0);
		CHECK_EQ_STR(label(&db, "10.1.2.3"), "corp");
		MMDB_close(&db);
	}
	struct sl_mmdb_source bad = {"mem", "x,y\n", 4};
	m = NULL;
	CHECK(sl_mmdb_build_mem(&bad, 1, NULL, &m, &lm, err, sizeof(err)) == -EINVAL);
	CHECK_EQ_STR(err, "mem:1: malformed CIDR 'x'");
	CHECK(m == NULL);
}

static int buf_sink(void *ctx, const void *p, size_t n)
{
	return mb_buf_put(ctx, p, n);
}

static void test_record_layouts(void)
{
	TEST("24-, 28- and 32-bit node layouts read back");
	const char *text = "10.0.0.0/8,ten\n10.9.0.0/16,nine\n2001:db8::/32,doc\n";
	const struct sl_mmdb_build_opts full = {.database_type = "layout", .build_epoch = 2};
	for (unsigned rs = 24; rs <= 32; rs += 4) {
		struct mb b;
		struct sl_csv *csv = NULL;
		struct mb_buf out = {0};
		struct mb_sink sink = {buf_sink, &out};
		CHECK_EQ_INT(mb_init(&b), 0);
		CHECK_EQ_INT(sl_csv_open_mem(text, strlen(text), "l", SL_CSV_SKIP_BLANK, &csv), 0);
		CHECK_EQ_INT(mb_load_csv(&b, csv, "l", 1, 0, err, sizeof(err)), 0);
		b.min_record_size = rs;
		CHECK_EQ_INT(mb_serialize(&b, &full, &sink), 0);
		write_bytes("rs.mmdb", out.p, out.len);
		sl_csv_destroy(csv);
		mb_finish(&b);
		mb_buf_free(&out);
		MMDB_s db;
		if (!open_db("rs.mmdb", &db))
			continue;
		CHECK_EQ_INT(db.metadata.record_size, rs);
		CHECK_EQ_STR(label(&db, "10.1.1.1"), "ten");
		CHECK_EQ_STR(label(&db, "10.9.1.1"), "nine");
		CHECK_EQ_STR(label(&db, "2001:db8::"), "doc");
		CHECK_EQ_STR(label(&db, "11.0.0.0"), "(miss)");
		MMDB_close(&db);
	}
}

/* Spread i over the IPv4 space (odd multiplier: a bijection on 32 bits). */
static uint32_t spread(uint32_t i)
{
	return i * 2654435761u;
}

/* The same for /24 networks: a bijection on 24 bits, so no two collide. */
static uint32_t net24(uint32_t i)
{
	return (spread(i) & 0xffffffu) << 8;
}

static void fmt_v4(char *buf, size_t n, uint32_t a)
{
	snprintf(buf, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_100k(void)
{
	TEST("100 k prefixes with few distinct values: lookups and size");
	enum { N = 100000 };
	FILE *f = fopen(path_of("big.csv"), "w");
	char ip[32];
	for (uint32_t i = 0; i < N; i++) {
		fmt_v4(ip, sizeof(ip), net24(i));
		fprintf(f, "%s/%u,vpn-%u,provider=%u\n", ip, i % 3 ? 24u : 28u, i % 8, i % 5);
	}
	fclose(f);
	double t0 = now();
	CHECK_EQ_INT(build("big.mmdb", "big.csv", NULL, NULL), 0);
	double t1 = now();
	struct stat st;
	CHECK_EQ_INT(stat(path_of("big.mmdb"), &st), 0);
	MMDB_s db;
	if (!open_db("big.mmdb", &db))
		return;
	/* 8 labels x 5 providers: at most 40 distinct records of ~40 bytes. */
	size_t tree = (size_t)db.metadata.node_count * db.metadata.record_size / 4;
	CHECK((size_t)st.st_size - tree < 4096);
	CHECK(db.metadata.node_count < 2000000);
	int bad = 0;
	for (uint32_t i = 0; i < N; i += 997) {
		char want[16];
		snprintf(want, sizeof(want), "vpn-%u", i % 8);
		fmt_v4(ip, sizeof(ip), net24(i) | 7u);
		bad += strcmp(label(&db, ip), want) != 0;
		fmt_v4(ip, sizeof(ip), net24(i) | 0x80u);
		bad += strcmp(label(&db, ip), i % 3 ? want : "(miss)") != 0;
	}
	CHECK_EQ_INT(bad, 0);
	fprintf(stderr, "   100k prefixes: %.2f s, %lld bytes, %u nodes, %u-bit records\n",
		t1 - t0, (long long)st.st_size, db.metadata.node_count, db.metadata.record_size);
	MMDB_close(&db);
}

/* Distinct records totalling > 16 MiB push data pointers past 2^24, so the
 * 28-bit layout is chosen and its nibble packing is exercised for real. */
static void test_28bit_by_size(void)
{
	TEST("a data section past 16 MiB selects 28-bit records");
	enum { N = 40000 };
	char pad[451];
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	FILE *f = fopen(path_of("wide.csv"), "w");
	char ip[32];
	for (uint32_t i = 0; i < N; i++) {
		fmt_v4(ip, sizeof(ip), spread(i));
		fprintf(f, "%s,w%u,pad=%s\n", ip, i, pad);
	}
	fclose(f);
	CHECK_EQ_INT(build("wide.mmdb", "wide.csv", NULL, NULL), 0);
	MMDB_s db;
	if (!open_db("wide.mmdb", &db))
		return;
	CHECK_EQ_INT(db.metadata.record_size, 28);
	int bad = 0;
	for (uint32_t i = 0; i < N; i += 101) {
		char want[16];
		snprintf(want, sizeof(want), "w%u", i);
		fmt_v4(ip, sizeof(ip), spread(i));
		bad += strcmp(label(&db, ip), want) != 0;
	}
	fmt_v4(ip, sizeof(ip), spread(N - 1));
	bad += strcmp(label(&db, ip), "w39999") != 0;
	CHECK_EQ_INT(bad, 0);
	MMDB_close(&db);
}

static void cleanup_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			unlink(path_of(de->d_name));
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/sl_mmdb_testXXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_ipv4_ipv6_mapped();
	test_overlap();
	test_ipv6_vs_ipv4_space();
	test_nested_and_types();
	test_text_values_and_asn();
	test_quoted_commas();
	test_empty();
	test_errors();
	test_reproducible_and_mem();
	test_record_layouts();
	test_100k();
	test_28bit_by_size();
	cleanup_dir();
	return TEST_REPORT();
}
