/* Unit tests for the shared helpers in sensor/util.c: addresses, CIDR
 * prefixes and packet-time formatting. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sightline/common.h"
#include "sightline/digest.h"
#include "testhelp.h"

static void test_cidr(void)
{
	TEST("cidr: parse, reject host bits and sloppy prefixes, contains");
	struct sl_cidr c;
	struct sl_addr a;
	CHECK(sl_cidr_parse("10.0.0.0/8", &c) == 0 && c.prefix == 8 && c.addr.family == 4);
	CHECK(sl_cidr_parse("fd00::/8", &c) == 0 && c.prefix == 8 && c.addr.family == 6);
	CHECK(sl_cidr_parse("192.0.2.7", &c) == 0 && c.prefix == 32);
	CHECK(sl_cidr_parse("10.0.0.1/8", &c) < 0);   /* host bits set */
	CHECK(sl_cidr_parse("10.0.0.0/ 8", &c) < 0);
	CHECK(sl_cidr_parse("10.0.0.0/-0", &c) < 0);
	CHECK(sl_cidr_parse("10.0.0.0/+8", &c) < 0);
	CHECK(sl_cidr_parse("10.0.0.0/33", &c) < 0);
	CHECK(sl_cidr_parse("10.0.0.0/", &c) < 0);
	CHECK(sl_cidr_parse("/8", &c) < 0);
	CHECK(sl_cidr_parse("::/129", &c) < 0);
	CHECK(sl_cidr_parse("100.64.0.0/10", &c) == 0);
	sl_addr_parse("100.127.255.255", &a);
	CHECK(sl_cidr_contains(&c, &a));
	sl_addr_parse("100.128.0.0", &a);
	CHECK(!sl_cidr_contains(&c, &a));
	sl_addr_parse("::ffff:100.64.0.1", &a);
	CHECK(!sl_cidr_contains(&c, &a)); /* families differ */
	CHECK(sl_cidr_parse("0.0.0.0/0", &c) == 0);
	sl_addr_parse("203.0.113.9", &a);
	CHECK(sl_cidr_contains(&c, &a));
}

static void test_format(void)
{
	TEST("format: addresses and ISO-8601 packet time");
	struct sl_addr a;
	char buf[SL_TIME_STRLEN > SL_ADDR_STRLEN ? SL_TIME_STRLEN : SL_ADDR_STRLEN];
	CHECK(sl_addr_parse("2001:db8:0:0:0:0:0:1", &a) == 0);
	CHECK_EQ_STR(sl_addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
	CHECK(sl_addr_parse("not an address", &a) < 0);
	CHECK_EQ_STR(sl_time_format(1772460000ULL * SL_US_PER_SEC + 42, buf, sizeof(buf)),
		     "2026-03-02T14:00:00.000042+0000");
	CHECK_EQ_STR(sl_time_format(0, buf, sizeof(buf)), "1970-01-01T00:00:00.000000+0000");
}

/* One time written by sl_time_format() against gmtime_r + strftime; the
 * first five differences are printed.  Returns 1 when they differ. */
static int time_differs(sl_time_us t, int bad)
{
	char got[40], want[40], day[24];
	time_t ts = (time_t)(t / SL_US_PER_SEC);
	struct tm tm;
	gmtime_r(&ts, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(want, sizeof(want), "%s.%06u+0000", day, (unsigned)(t % SL_US_PER_SEC));
	if (strcmp(sl_time_format(t, got, sizeof(got)), want) == 0)
		return 0;
	if (bad < 5)
		fprintf(stderr, "%s != %s\n", got, want);
	return 1;
}

/* The printf-free timestamp against gmtime_r + strftime over random times
 * from 1970 to 9999, the leap days and the fallback past 9999. */
static void test_time_reference(void)
{
	int bad = 0;
	srand(11);
	for (int i = 0; i < 100000; i++) {
		uint64_t sec = i == 0 ? 951782400 /* 2000-02-29 */ : i == 1 ? 253402300799 :
		               i == 2 ? 253402300800 /* 10000-01-01 */ :
		               ((uint64_t)rand() << 16 ^ (uint64_t)rand()) % 253402300800ULL;
		bad += time_differs(sec * SL_US_PER_SEC + (uint64_t)rand() % SL_US_PER_SEC, bad);
	}
	CHECK_EQ_INT(bad, 0);
	TEST("time: runs within a second and across seconds, days, years (remembered second)");
	bad = 0;
	for (int i = 0; i < 200000; i++) {
		/* packet-ordered runs: a base near a second, day or year boundary,
		 * then steps of a few microseconds to a few seconds */
		static const uint64_t edges[] = { 951782399, 946684799, 1772495999, 253402300790 };
		uint64_t sec = edges[i / 50000];
		bad += time_differs(sec * SL_US_PER_SEC + (uint64_t)(i % 50000) * (i % 3 ? 7 : 1733),
				    bad);
	}
	CHECK_EQ_INT(bad, 0);
	TEST("time: two times of one day, seconds apart, in turn (remembered day)");
	bad = 0;
	for (int i = 0; i < 100000; i++) {
		/* a flow's end then its start, then the next flow's: the second
		 * changes every time, the day seldom */
		uint64_t sec = 1772409600 + (uint64_t)(i / 2) * 3 + (i % 2 ? 0 : 40);
		bad += time_differs(sec * SL_US_PER_SEC + (uint64_t)i * 7919 % SL_US_PER_SEC, bad);
	}
	CHECK_EQ_INT(bad, 0);
}

/* The hand-written dotted quad against inet_ntop, every octet value in
 * every position. */
static void test_v4_reference(void)
{
	char got[64], want[64];
	int bad = 0;
	for (unsigned v = 0; v < 256 * 4; v++) {
		struct sl_addr a = { .family = 4 };
		uint8_t b[4] = { 10, 200, 3, 45 };
		b[v / 256] = (uint8_t)v;
		memcpy(a.b, b, 4);
		inet_ntop(AF_INET, b, want, sizeof(want));
		if (strcmp(sl_addr_format(&a, got, sizeof(got)), want) != 0 && bad++ < 5)
			fprintf(stderr, "%s != %s\n", got, want);
	}
	CHECK_EQ_INT(bad, 0);
}

/* Every pattern of zero and non-zero groups (the "::" choice), each
 * group's value random (1 to 4 hex digits), the IPv4-embedded forms, and
 * random addresses: the text is glibc's inet_ntop's. */
static void test_v6_reference(void)
{
	TEST("format: IPv6 text equals inet_ntop's");
	char got[64], want[64];
	int bad = 0;
	srand(5952);
	for (unsigned i = 0; i < 256 * 64 + 20000; i++) {
		struct sl_addr a = { .family = 6 };
		unsigned mask = i & 255;
		for (int g = 0; g < 8; g++) {
			unsigned v = (unsigned)rand() & (0xffffu >> (rand() % 4 * 4));
			v = v ? v : 1;
			if (i >= 256 * 64)
				v = (unsigned)rand() & 0xffff;
			else if (!(mask >> g & 1))
				v = 0;
			a.b[2 * g] = (uint8_t)(v >> 8), a.b[2 * g + 1] = (uint8_t)v;
		}
		if (i % 7 == 0 && i < 256 * 64) { /* ::ffff:a.b.c.d, ::a.b.c.d */
			memset(a.b, 0, 10);
			a.b[10] = a.b[11] = i % 2 ? 0xff : 0;
		}
		inet_ntop(AF_INET6, a.b, want, sizeof(want));
		if (strcmp(sl_addr_format(&a, got, sizeof(got)), want) != 0 && bad++ < 5)
			fprintf(stderr, "%s != %s\n", got, want);
	}
	CHECK_EQ_INT(bad, 0);
	struct sl_addr a = { .family = 6 };
	CHECK_EQ_STR(sl_addr_format(&a, got, sizeof(got)), "::");
	a.b[15] = 1;
	CHECK_EQ_STR(sl_addr_format(&a, got, sizeof(got)), "::1");
	a.b[10] = a.b[11] = 0xff;
	CHECK_EQ_STR(sl_addr_format(&a, got, sizeof(got)), "::ffff:0.0.0.1");
}

static void test_strcopy(void)
{
	TEST("strcopy: what snprintf(\"%s\") writes, cut and terminated");
	const char *srcs[] = { "", "a", "abcdef", "abcdefg", "abcdefgh", "0123456789abcdef", NULL };
	for (size_t len = 1; len <= 9; len++)
		for (size_t i = 0; i < ARRAY_SIZE(srcs); i++) {
			char want[16], got[16];
			memset(want, 'x', sizeof(want));
			memset(got, 'x', sizeof(got));
			snprintf(want, len, "%s", srcs[i] ? srcs[i] : "");
			CHECK(sl_strcopy(got, len, srcs[i]) == got);
			CHECK(memcmp(want, got, sizeof(got)) == 0);
		}
}

/* The thread's reused digest contexts give EVP_Digest()'s digests: the
 * three algorithms interleaved at random, one-shot and fed in pieces,
 * lengths 0..300 (across block edges), and from a second thread. */
static unsigned digest_mismatches(unsigned seed)
{
	unsigned bad = 0;
	for (int i = 0; i < 3000; i++) {
		uint8_t data[300], want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
		size_t n = (size_t)rand_r(&seed) % sizeof(data);
		enum sl_md_alg alg = (enum sl_md_alg)(rand_r(&seed) % 3);
		for (size_t k = 0; k < n; k++)
			data[k] = (uint8_t)rand_r(&seed);
		unsigned wl = 0, gl = 0;
		EVP_Digest(data, n, want, &wl, sl_md(alg), NULL);
		if (rand_r(&seed) & 1) {
			bad += !sl_digest(alg, data, n, got, &gl);
		} else {
			EVP_MD_CTX *c = sl_md_begin(alg);
			size_t cut = n ? (size_t)rand_r(&seed) % n : 0;
			bad += !c || !EVP_DigestUpdate(c, data, cut) ||
			       !EVP_DigestUpdate(c, data + cut, n - cut) ||
			       !EVP_DigestFinal_ex(c, got, &gl);
		}
		bad += wl == 0 || wl != gl || memcmp(want, got, wl) != 0;
	}
	return bad;
}

static void *digest_thread(void *arg)
{
	*(unsigned *)arg = digest_mismatches(99);
	return NULL;
}

static void test_digest(void)
{
	TEST("digest: per-thread contexts equal EVP_Digest over 3000 random inputs, two threads");
	unsigned other = 1;
	pthread_t t;
	CHECK_EQ_INT(pthread_create(&t, NULL, digest_thread, &other), 0);
	CHECK_EQ_INT(digest_mismatches(5), 0);
	pthread_join(t, NULL);
	CHECK_EQ_INT(other, 0);
}

int main(void)
{
	test_digest();
	test_strcopy();
	test_v4_reference();
	test_v6_reference();
	test_time_reference();
	test_cidr();
	test_format();
	return TEST_REPORT();
}
