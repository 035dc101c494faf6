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

static void test_cidr_v4_word(void)
{
	TEST("cidr: the IPv4 word test answers as the bytes do, every prefix, host bits or not");
	unsigned seed = 7, differ = 0, tried = 0;
	for (unsigned prefix = 0; prefix <= 32; prefix++)
		for (int i = 0; i < 2000; i++) {
			struct sl_cidr c = { .addr = { .family = 4 }, .prefix = (uint8_t)prefix };
			struct sl_addr a = { .family = 4 };
			for (int k = 0; k < 4; k++) {
				seed = seed * 1103515245u + 12345u;
				a.b[k] = (uint8_t)(seed >> 16);
				/* c mostly a's prefix (a match), sometimes one bit off,
				 * sometimes with host bits set (not from sl_cidr_parse) */
				c.addr.b[k] = a.b[k];
			}
			if (i % 3 == 1)
				c.addr.b[(seed >> 8) % 4] ^= (uint8_t)(1u << (seed >> 4) % 8);
			if (i % 3 != 2 && prefix < 32) /* host bits clear, as parsed */
				for (unsigned bit = prefix; bit < 32; bit++)
					c.addr.b[bit / 8] &= (uint8_t)~(0x80u >> bit % 8);
			differ += sl_cidr_contains(&c, &a) != sl_cidr_contains_bytes(&c, &a);
			tried++;
		}
	CHECK_EQ_INT(differ, 0);
	CHECK(tried == 33 * 2000);
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
		} else if (rand_r(&seed) & 1) {
			struct sl_md_ctx c;
			size_t cut = n ? (size_t)rand_r(&seed) % n : 0;
			bad += !sl_md_init(&c, alg);
			sl_md_update(&c, data, cut);
			sl_md_update(&c, data + cut, n - cut);
			gl = sl_md_final(&c, got);
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

/* "0b0b.." -> bytes; returns how many. */
static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	for (; h[0] && h[1]; h += 2) {
		unsigned v = 0;
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* HMAC-SHA256 of msg under key (hex) equals want (hex), the first cut
 * bytes of it (RFC 4231 test case 5 truncates). */
static bool hmac_is(const char *key, const char *msg, const char *want, size_t cut)
{
	uint8_t k[200], m[200], w[32], got[32];
	size_t kn = unhex(key, k), mn = unhex(msg, m);
	struct sl_hmac_key hk, copy;
	unhex(want, w);
	sl_hmac_sha256_key(&hk, k, kn);
	copy = hk; /* a keyed state is plain data, reusable and copyable */
	bool ok = sl_hmac_sha256(&hk, m, mn, got) && memcmp(got, w, cut) == 0;
	memset(&hk, 0xa5, sizeof(hk));
	return ok && sl_hmac_sha256(&copy, m, mn, got) && memcmp(got, w, cut) == 0;
}

static void test_hmac(void)
{
	TEST("hmac: HMAC-SHA256 gives RFC 4231's test cases 1-7 (keys of 4 to 131 bytes)");
	static const char *const aa131 =
		
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	CHECK(hmac_is("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
		      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", 32));
	CHECK(hmac_is("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 32));
	CHECK(hmac_is("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		      "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
		      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", 32));
	CHECK(hmac_is("0102030405060708090a0b0c0d0e0f10111213141516171819",
		      "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", 32));
	CHECK(hmac_is("0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		      "546573742057697468205472756e636174696f6e",
		      "a3b6167473100ee06e0c796c2955552b", 16));
	CHECK(hmac_is(aa131,
		      "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
		      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", 32));
	CHECK(hmac_is(aa131,
		      "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
		      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", 32));
}

/* HKDF-SHA256 (RFC 5869 A.1) as QUIC's key schedule uses it: Extract is
 * HMAC(salt, IKM) under a key made once, each Expand block T(i) =
 * HMAC(PRK, T(i-1) || info || i) under PRK keyed once. */
static void test_hkdf(void)
{
	TEST("hkdf: HMAC keyed states give RFC 5869 test case 1 (PRK and the 42-byte OKM)");
	uint8_t ikm[22], salt[13], info[10], want_prk[32], want_okm[42], prk[32], okm[64];
	uint8_t msg[32 + 10 + 1];
	unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", ikm);
	unhex("000102030405060708090a0b0c", salt);
	unhex("f0f1f2f3f4f5f6f7f8f9", info);
	unhex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", want_prk);
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
	      want_okm);
	struct sl_hmac_key k;
	sl_hmac_sha256_key(&k, salt, sizeof(salt));
	CHECK(sl_hmac_sha256(&k, ikm, sizeof(ikm), prk));
	CHECK(memcmp(prk, want_prk, 32) == 0);
	sl_hmac_sha256_key(&k, prk, sizeof(prk));
	memcpy(msg, info, sizeof(info));
	msg[10] = 1;
	CHECK(sl_hmac_sha256(&k, msg, 11, okm));
	memcpy(msg, okm, 32);
	memcpy(msg + 32, info, sizeof(info));
	msg[42] = 2;
	CHECK(sl_hmac_sha256(&k, msg, 43, okm + 32));
	CHECK(memcmp(okm, want_okm, sizeof(want_okm)) == 0);
}

int main(void)
{
	test_digest();
	test_hmac();
	test_hkdf();
	test_strcopy();
	test_v4_reference();
	test_v6_reference();
	test_time_reference();
	test_cidr();
	test_cidr_v4_word();
	test_format();
	return TEST_REPORT();
}
