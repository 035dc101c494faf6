/* Unit tests for `mmdb build --asn`: AS lines resolved into prefixes from an
 * ip-location-db ASN CSV (ranges split into CIDRs) and from ASN .mmdb files
 * (GeoLite2 and IPinfo layouts, walked with a bound), read back through
 * libmaxminddb; the metadata that names unresolved lists; errors. */
#include <errno.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sightline/mmdb_build.h"
#include "testhelp.h"

static char dir[256];
static char err[512];

/* What on_resolved reported, one line per list. */
static char reported[1024];

static void on_resolved(void *ctx, const struct sl_mmdb_asn_result *r)
{
	size_t used = strlen(reported);
	(void)ctx;
	snprintf(reported + used, sizeof(reported) - used, "%s %u/%u +%llu [%s]\n", r->list,
		 r->as_found, r->as_numbers, (unsigned long long)r->prefixes, r->missing);
}

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

/* Build out from lists (NULL-terminated) with the ASN sources asn
 * (NULL-terminated, may be empty). */
static int build(const char *out, const char *const *lists, const char *const *asn)
{
	const char *lp[8], *ap[8];
	size_t nl = 0, na = 0;
	while (lists[nl])
		lp[nl] = path_of(lists[nl]), nl++;
	while (asn && asn[na])
		ap[na] = path_of(asn[na]), na++;
	struct sl_mmdb_build_opts o = {
		.database_type = "sightline-intel", .build_epoch = 1700000000,
		.asn_sources = ap, .n_asn_sources = na, .on_resolved = on_resolved,
	};
	err[0] = reported[0] = '\0';
	return sl_mmdb_build(lp, nl, path_of(out), &o, err, sizeof(err));
}

static bool open_db(const char *name, MMDB_s *db)
{
	int rc = MMDB_open(path_of(name), MMDB_MODE_MMAP, db);
	if (rc != MMDB_SUCCESS)
		fprintf(stderr, "MMDB_open(%s): %s\n", name, MMDB_strerror(rc));
	return rc == MMDB_SUCCESS;
}

/* The label at ip, "(miss)" when no record covers it. */
static const char *label(MMDB_s *db, const char *ip)
{
	static char buf[8][128];
	static int next;
	char *out = buf[next++ % 8];
	int gai = 0, mrc = 0;
	MMDB_lookup_result_s r = MMDB_lookup_string(db, ip, &gai, &mrc);
	MMDB_entry_data_s d;
	if (gai || mrc || !r.found_entry)
		return "(miss)";
	if (MMDB_get_value(&r.entry, &d, "label", NULL) != MMDB_SUCCESS || !d.has_data)
		return "(none)";
	snprintf(out, 128, "%.*s", (int)d.data_size, d.utf8_string);
	return out;
}

/* SL_MMDB_META_UNRESOLVED joined with ',', "" when absent. */
static const char *unresolved(MMDB_s *db)
{
	static char out[256];
	MMDB_entry_data_list_s *list = NULL, *p;
	out[0] = '\0';
	if (MMDB_get_metadata_as_entry_data_list(db, &list) != MMDB_SUCCESS)
		return "(error)";
	for (p = list; p; p = p->next) {
		if (p->entry_data.type != MMDB_DATA_TYPE_UTF8_STRING ||
		    p->entry_data.data_size != strlen(SL_MMDB_META_UNRESOLVED) ||
		    memcmp(p->entry_data.utf8_string, SL_MMDB_META_UNRESOLVED,
			   p->entry_data.data_size) != 0)
			continue;
		uint32_t n = p->next->entry_data.data_size;
		p = p->next;
		for (uint32_t i = 0; i < n && p->next; i++) {
			p = p->next;
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%.*s", i ? "," : "",
				 (int)p->entry_data.data_size, p->entry_data.utf8_string);
		}
		break;
	}
	MMDB_free_entry_data_list(list);
	return out;
}

static const char *const LISTS[] = { "tor.csv", "vpn.csv", "plain.csv", NULL };

static void write_lists(void)
{
	write_text("tor.csv", "# Tor\ncidr,label,note\nAS60729,tor-servers,\"Stiftung, exits\"\n");
	write_text("vpn.csv", "AS64500,examplevpn,org=\"Example VPN, Inc.\"\nAS64501,other\n"
		   "AS64999,nowhere\n198.51.100.0/24,fixed\n");
	write_text("plain.csv", "192.0.2.0/24,doc\n");
}

static void test_csv_source(void)
{
	TEST("ip-location-db ASN CSV: ranges become prefixes of the lists naming the AS");
	write_lists();
	write_text("asn-ipv4.csv", "1.0.0.5,1.0.0.20,64500,\"Example VPN, Inc.\"\n"
		   "185.220.100.0,185.220.101.255,60729,Stiftung Erneuerbare Freiheit\n"
		   "8.8.8.0,8.8.8.255,15169,Google LLC\n"
		   "10.0.0.0,10.0.0.0,64501,single\n");
	write_text("asn-ipv6.csv", "2001:db8:1::,2001:db8:1:ffff:ffff:ffff:ffff:ffff,64501,\"Other, Ltd\"\n"
		   "2a0b:f4c0::,2a0b:f4c3:ffff:ffff:ffff:ffff:ffff:ffff,60729,Stiftung\n");
	const char *asn[] = { "asn-ipv4.csv", "asn-ipv6.csv", NULL };
	CHECK_EQ_INT(build("r.mmdb", LISTS, asn), 0);
	CHECK_EQ_STR(err, "");
	/* 1.0.0.5-20 is /32 /31 /29 /30 /32: 5 prefixes; tor 1 + 1; vpn 5 + 1 + 1 */
	CHECK_EQ_STR(reported, "tor 1/1 +2 []\nvpn 2/3 +7 [AS64999]\n");
	MMDB_s db;
	if (!open_db("r.mmdb", &db))
		return;
	CHECK_EQ_STR(label(&db, "1.0.0.4"), "(miss)");
	CHECK_EQ_STR(label(&db, "1.0.0.5"), "examplevpn");
	CHECK_EQ_STR(label(&db, "1.0.0.12"), "examplevpn");
	CHECK_EQ_STR(label(&db, "1.0.0.20"), "examplevpn");
	CHECK_EQ_STR(label(&db, "1.0.0.21"), "(miss)");
	CHECK_EQ_STR(label(&db, "::ffff:1.0.0.7"), "examplevpn");
	CHECK_EQ_STR(label(&db, "185.220.100.0"), "tor-servers");
	CHECK_EQ_STR(label(&db, "185.220.101.255"), "tor-servers");
	CHECK_EQ_STR(label(&db, "185.220.102.0"), "(miss)");
	CHECK_EQ_STR(label(&db, "8.8.8.8"), "(miss)");
	CHECK_EQ_STR(label(&db, "10.0.0.0"), "other");
	CHECK_EQ_STR(label(&db, "10.0.0.1"), "(miss)");
	CHECK_EQ_STR(label(&db, "2001:db8:1::77"), "other");
	CHECK_EQ_STR(label(&db, "2a0b:f4c2::1"), "tor-servers");
	CHECK_EQ_STR(label(&db, "2a0b:f4c4::1"), "(miss)");
	CHECK_EQ_STR(label(&db, "198.51.100.1"), "fixed");
	CHECK_EQ_STR(label(&db, "192.0.2.1"), "doc");
	CHECK_EQ_STR(label(&db, "100::ed39"), "tor-servers"); /* the AS entry stays */
	CHECK_EQ_STR(unresolved(&db), "");
	MMDB_close(&db);

	TEST("without ASN sources the AS lists are named in the metadata");
	CHECK_EQ_INT(build("u.mmdb", LISTS, NULL), 0);
	CHECK_EQ_STR(reported, "");
	if (!open_db("u.mmdb", &db))
		return;
	CHECK_EQ_STR(label(&db, "185.220.100.1"), "(miss)");
	CHECK_EQ_STR(label(&db, "100::ed39"), "tor-servers");
	CHECK_EQ_STR(unresolved(&db), "tor,vpn");
	MMDB_close(&db);
	const char *plain[] = { "plain.csv", NULL };
	CHECK_EQ_INT(build("p.mmdb", plain, NULL), 0);
	if (open_db("p.mmdb", &db)) {
		CHECK_EQ_STR(unresolved(&db), "");
		MMDB_close(&db);
	}
}

static void test_whole_space_and_header(void)
{
	TEST("a header row; ranges over the whole space and ragged ends");
	write_text("all.csv", "AS1,one\nAS2,two\n");
	write_text("h.csv", "ip_range_start,ip_range_end,autonomous_system_number,org\n"
		   "0.0.0.0,255.255.255.255,1,everything\n"
		   "::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe,2,almost\n");
	const char *lists[] = { "all.csv", NULL }, *asn[] = { "h.csv", NULL };
	CHECK_EQ_INT(build("all.mmdb", lists, asn), 0);
	/* all of IPv4 is one prefix (::/96); the IPv6 range is ::/1, 8000::/2,
	 * ... ffff:...:fffc/127 and ffff:...:fffe/128: 128 prefixes */
	CHECK_EQ_STR(reported, "all 2/2 +129 []\n");
	MMDB_s db;
	if (!open_db("all.mmdb", &db))
		return;
	CHECK_EQ_STR(label(&db, "0.0.0.0"), "one");
	CHECK_EQ_STR(label(&db, "255.255.255.255"), "one");
	CHECK_EQ_STR(label(&db, "2606:4700::1"), "two");
	CHECK_EQ_STR(label(&db, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), "two");
	CHECK_EQ_STR(label(&db, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "(miss)");
	MMDB_close(&db);
}

/* An ASN database made by the builder itself: a GeoLite2-like number or an
 * IPinfo-like "AS174" string per prefix. */
static void make_asn_mmdb(const char *name, const char *csv_name, const char *text)
{
	const char *lists[] = { csv_name, NULL };
	write_text(csv_name, text);
	CHECK_EQ_INT(build(name, lists, NULL), 0);
}

static void test_mmdb_sources(void)
{
	TEST("GeoLite2-ASN and IPinfo layouts: the walk finds each network once");
	write_lists();
	make_asn_mmdb("geo-asn.mmdb", "g.csv",
		      "1.2.0.0/16,x,autonomous_system_number=64500\n"
		      "1.3.0.0/24,x,autonomous_system_number=60729\n"
		      "2001:db8:5::/48,x,autonomous_system_number=64500\n"
		      "9.9.9.0/24,x,autonomous_system_number=19281\n");
	make_asn_mmdb("ipinfo.mmdb", "i.csv", "5.6.7.0/24,x,asn=AS64501\n5.6.8.0/24,x,asn=AS3\n");
	const char *asn[] = { "geo-asn.mmdb", "ipinfo.mmdb", NULL };
	CHECK_EQ_INT(build("m.mmdb", LISTS, asn), 0);
	CHECK_EQ_STR(err, "");
	CHECK_EQ_STR(reported, "tor 1/1 +1 []\nvpn 2/3 +3 [AS64999]\n");
	MMDB_s db;
	if (!open_db("m.mmdb", &db))
		return;
	CHECK_EQ_STR(label(&db, "1.2.200.1"), "examplevpn");
	CHECK_EQ_STR(label(&db, "1.3.0.9"), "tor-servers");
	CHECK_EQ_STR(label(&db, "2001:db8:5:1::1"), "examplevpn");
	CHECK_EQ_STR(label(&db, "5.6.7.8"), "other");
	CHECK_EQ_STR(label(&db, "5.6.8.8"), "(miss)");
	CHECK_EQ_STR(label(&db, "9.9.9.9"), "(miss)");
	MMDB_close(&db);
}

static void expect_fail(const char *asn_name, const char *msg)
{
	const char *asn[] = { asn_name, NULL };
	CHECK(build("bad.mmdb", LISTS, asn) < 0);
	const char *tail = strstr(err, asn_name);
	CHECK_EQ_STR(tail, msg);
}

static void test_errors(void)
{
	TEST("bad ASN sources fail the build naming the file and line");
	write_lists();
	write_text("num.csv", "16777216,16777471,13335,\"Cloudflare, Inc.\"\n");
	expect_fail("num.csv", "num.csv:1: numeric address ranges (ip-location-db's *-num.csv files) "
		    "are not read: give asn-ipv4.csv or asn-ipv6.csv");
	write_text("b1.csv", "1.0.0.0,1.0.0.255,13335,x\n1.0.1.0,1.0.0.255,1,y\n");
	expect_fail("b1.csv", "b1.csv:2: range ends before it starts '1.0.0.255'");
	write_text("b2.csv", "1.0.0.0,2001:db8::,13335,x\n");
	expect_fail("b2.csv", "b2.csv:1: malformed end address (or not the start's family) '2001:db8::'");
	write_text("b3.csv", "1.0.0.0,1.0.0.9,AS13x,x\n");
	expect_fail("b3.csv", "b3.csv:1: malformed AS number 'AS13x'");
	write_text("b4.csv", "1.0.0.0,1.0.0.9\n");
	expect_fail("b4.csv", "b4.csv:1: expected start_ip,end_ip,asn[,organisation]");
	write_text("b5.csv", "1.0.0.0,1.0.0.9,1,\"open\n");
	expect_fail("b5.csv", "b5.csv:1: unterminated quoted field");
	write_text("empty.csv", "");
	expect_fail("empty.csv", "empty.csv: no record holds an AS number; give an ASN database "
		    "(ip-location-db asn-ipv4.csv/asn-ipv6.csv, GeoLite2-ASN, IPinfo Lite)");
	make_asn_mmdb("city.mmdb", "c.csv", "1.2.0.0/16,x,city=Seoul\n");
	expect_fail("city.mmdb", "city.mmdb: no record holds an AS number; give an ASN database "
		    "(ip-location-db asn-ipv4.csv/asn-ipv6.csv, GeoLite2-ASN, IPinfo Lite)");
	write_text("trunc.mmdb", "not a database");
	CHECK(strstr(build("bad.mmdb", LISTS, (const char *[]){ "trunc.mmdb", NULL }) < 0 ? err : "",
		     "trunc.mmdb: cannot read the ASN database") != NULL);
	CHECK_EQ_INT(build("bad.mmdb", LISTS, (const char *[]){ "absent.csv", NULL }), -ENOENT);
	CHECK(strstr(err, "absent.csv: cannot open") != NULL);
	struct stat st;
	CHECK(stat(path_of("bad.mmdb"), &st) != 0); /* nothing written */
}

static void test_loop_refused(void)
{
	TEST("an ASN .mmdb whose tree loops back is refused, not walked forever");
	make_asn_mmdb("loop.mmdb", "l.csv", "1.2.0.0/16,x,autonomous_system_number=64500\n");
	FILE *f = fopen(path_of("loop.mmdb"), "r+b");
	static const uint8_t one[3] = { 0, 0, 1 };
	/* 24-bit records: node 1's left record at byte 6 now points to itself */
	CHECK(f && fseek(f, 6, SEEK_SET) == 0 && fwrite(one, 1, 3, f) == 3);
	if (f)
		fclose(f);
	write_lists();
	CHECK_EQ_INT(build("bad.mmdb", LISTS, (const char *[]){ "loop.mmdb", NULL }), -EINVAL);
	CHECK(strstr(err, "loop.mmdb: corrupt search tree: a loop") != NULL);

}

static void cleanup(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/sl_mmdb_asnXXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_csv_source();
	test_whole_space_and_header();
	test_mmdb_sources();
	test_errors();
	test_loop_refused();
	cleanup();
	return TEST_REPORT();
}
