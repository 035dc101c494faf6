/* Unit tests for the DNS parser (sensor/proto/dns.c), its message decoder
 * (dns_msg.c) and the names it gives the hosts table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsbuild.h"
#include "sensor/proto/dns_msg.h"
#include "testhelp.h"

static const uint8_t relay_ip[4] = { 198, 51, 100, 77 };

/* Decode the name at off of m->b; NULL when the decoder refuses it. */
static const char *decode(const struct mb *m, size_t off, char *out, size_t cap)
{
	struct sl_dns_msg msg;
	if (!sl_dns_msg_begin(&msg, m->b, m->n) || !sl_dns_name(&msg, &off, out, cap))
		return NULL;
	return out;
}

static void test_names(void)
{
	TEST("dns_msg: compression, loops, pointers past the end, length limit");
	struct mb m;
	char out[SL_DNS_TEXT_MAX];
	mb_hdr(&m, 1, 0, 0, 0, 0, 0);
	size_t a = mb_name(&m, "corp.example");          /* 12 */
	size_t b = mb_name_ptr(&m, "sso", (int)a);         /* sso + pointer back */
	size_t c = m.n;
	mb_u16(&m, (uint16_t)(0xc000 | b));                /* pointer to a pointer chain */
	CHECK_EQ_STR(decode(&m, b, out, sizeof(out)), "sso.corp.example");
	CHECK_EQ_STR(decode(&m, c, out, sizeof(out)), "sso.corp.example");
	size_t off = b;
	struct sl_dns_msg msg;
	sl_dns_msg_begin(&msg, m.b, m.n);
	CHECK(sl_dns_name(&msg, &off, out, sizeof(out)) && off == b + 6); /* past the pointer */

	size_t self = m.n;
	mb_u16(&m, (uint16_t)(0xc000 | self));             /* points at itself */
	CHECK(decode(&m, self, out, sizeof(out)) == NULL);
	size_t loop = mb_name_ptr(&m, "x", (int)m.n);      /* x + pointer to its own start */
	CHECK(decode(&m, loop, out, sizeof(out)) == NULL);
	size_t fwd = m.n;
	mb_u16(&m, (uint16_t)(0xc000 | (m.n + 2)));        /* forward, to the next name */
	mb_name(&m, "later");
	CHECK(decode(&m, fwd, out, sizeof(out)) == NULL);
	size_t past = m.n;
	mb_u16(&m, 0xc000 | 0x3fff);                       /* past the end */
	CHECK(decode(&m, past, out, sizeof(out)) == NULL);
	size_t cut = m.n;
	mb_u8(&m, 0xc0);                                   /* pointer cut in half */
	CHECK(decode(&m, cut, out, sizeof(out)) == NULL);
	size_t ext = m.n;
	mb_u8(&m, 0x41);                                   /* extended label type */
	mb_u8(&m, 0);
	CHECK(decode(&m, ext, out, sizeof(out)) == NULL);
}

static void test_name_limits(void)
{
	TEST("dns_msg: 255 octets pass, 256 fail; escapes; root");
	struct mb m;
	char out[SL_DNS_TEXT_MAX], l63[64], l61[62], l62[63], dotted[300];
	memset(l63, 'a', 63), l63[63] = 0;
	memset(l61, 'b', 61), l61[61] = 0;
	memset(l62, 'c', 62), l62[62] = 0;
	snprintf(dotted, sizeof(dotted), "%s.%s.%s.%s", l63, l63, l63, l61); /* 255 octets */
	mb_hdr(&m, 1, 0, 0, 0, 0, 0);
	size_t ok = mb_name(&m, dotted);
	snprintf(dotted, sizeof(dotted), "%s.%s.%s.%s", l63, l63, l63, l62); /* 256 */
	size_t bad = mb_name(&m, dotted);
	CHECK(decode(&m, ok, out, sizeof(out)) != NULL && strlen(out) == 253);
	CHECK(decode(&m, bad, out, sizeof(out)) == NULL);
	/* 300-byte name through compression: suffix reused twice */
	size_t s1 = mb_name(&m, l63);
	size_t s2 = mb_name_ptr(&m, l63, (int)s1);
	size_t s3 = mb_name_ptr(&m, l63, (int)s2);
	size_t s4 = mb_name_ptr(&m, l63, (int)s3);
	CHECK(decode(&m, s3, out, sizeof(out)) != NULL);
	CHECK(decode(&m, s4, out, sizeof(out)) == NULL); /* 4 x 64 + 1 = 257 */
	size_t esc = m.n;
	mb_u8(&m, 4);
	mb_bytes(&m, "a.b\0", 4);
	mb_u8(&m, 0);
	CHECK_EQ_STR(decode(&m, esc, out, sizeof(out)), "a\\.b\\000");
	size_t root = m.n;
	mb_u8(&m, 0);
	CHECK_EQ_STR(decode(&m, root, out, sizeof(out)), ".");
	char small[8];
	CHECK_EQ_STR(decode(&m, esc, small, sizeof(small)), "a\\.b"); /* cut, never mid-escape */
}

static void test_udp_transaction(void)
{
	TEST("dns: UDP query and answer on port 53");
	struct ph h;
	struct mb q, r;
	ph_init(&h, 17, "10.77.0.2", 41938, "198.51.100.20", 53);
	mb_query(&q, 0x1234, "sso.corp.example", 1);
	mb_answer_a(&r, 0x1234, "sso.corp.example", (const uint8_t[]){ 198, 51, 100, 20 });
	ph_feed(&h, SL_DIR_TOSERVER, q.b, q.n);
	ph_feed(&h, SL_DIR_TOCLIENT, r.b, r.n);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "dns");
	CHECK_EQ_STR(ph_str(&h, "dns.rrname"), "sso.corp.example");
	CHECK_EQ_STR(ph_str(&h, "dns.rrtype"), "A");
	CHECK_EQ_STR(ph_str(&h, "dns.rcode"), "NOERROR");
	CHECK_EQ_STR(ph_str(&h, "dns.answer_data"), "198.51.100.20");
	CHECK_EQ_INT(ph_u64(&h, "dns.query_count"), 1);
	CHECK_EQ_INT(ph_u64(&h, "dns.response_count"), 1);
	/* the server's own address was just named by the answer */
	CHECK_EQ_STR(ph_str(&h, "dest.dns_name"), "sso.corp.example");
	CHECK(ph_str(&h, "src.dns_name") == NULL);
	ph_finish(&h);
}

/* The full answer list of a response with CNAME, A, AAAA, TXT, PTR records. */
static void build_rich(struct mb *r)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x51, [15] = 0x20 };
	static const uint8_t txt[] = "\x0bv=spf1 -all\x03 ok";
	mb_hdr(r, 7, 0x8180, 1, 5, 0, 0);
	mb_question(r, "login.corp.example", 1);
	mb_rr_name(r, 12, 5, "sso.corp.example");
	size_t sso = r->n - 18; /* the CNAME target's offset */
	mb_u16(r, (uint16_t)(0xc000 | sso));
	mb_rr_body(r, 1, (const uint8_t[]){ 198, 51, 100, 20 }, 4);
	mb_u16(r, (uint16_t)(0xc000 | sso));
	mb_rr_body(r, 28, v6, 16);
	mb_u16(r, 0xc00c);
	mb_rr_body(r, 16, txt, sizeof(txt) - 1);
	mb_rr_name(r, 12, 12, "host.example");
}

static void test_truncation(void)
{
	TEST("dns: a response cut at every byte");
	struct mb q, r;
	mb_query(&q, 7, "login.corp.example", 1);
	build_rich(&r);
	const char *full = "sso.corp.example,198.51.100.20,2001:db8:51::20,v=spf1 -all ok,host.example";
	for (size_t len = 0; len <= r.n; len++) {
		struct ph h;
		ph_init(&h, 17, "10.77.0.2", 40000, "192.0.2.53", 53);
		ph_feed(&h, SL_DIR_TOSERVER, q.b, q.n);
		ph_feed_copy(&h, SL_DIR_TOCLIENT, r.b, len);
		const char *ans = ph_str(&h, "dns.answer_data");
		const char *rcode = ph_str(&h, "dns.rcode");
		bool question_whole = len >= 12 + 20 + 4;
		CHECK_EQ_STR(ph_str(&h, "dns.rrname"), "login.corp.example");
		CHECK((rcode != NULL) == question_whole);
		CHECK(!ans || strncmp(full, ans, strlen(ans)) == 0); /* only whole records */
		if (len == r.n)
			CHECK_EQ_STR(ans, full);
		ph_finish(&h);
	}
}

static void test_tcp_framing(void)
{
	TEST("dns: TCP length prefix split over segments, two messages in one segment");
	struct ph h;
	struct mb q1, q2, r1;
	uint8_t seg[600];
	ph_init(&h, 6, "10.77.0.2", 36583, "198.51.100.20", 53);
	mb_query(&q1, 1, "sso.corp.example", 1);
	mb_query(&q2, 2, "sso.corp.example", 28);
	mb_answer_a(&r1, 1, "sso.corp.example", (const uint8_t[]){ 198, 51, 100, 20 });
	size_t n = 0;
	seg[n++] = 0, seg[n++] = (uint8_t)q1.n, memcpy(seg + n, q1.b, q1.n), n += q1.n;
	seg[n++] = 0, seg[n++] = (uint8_t)q2.n, memcpy(seg + n, q2.b, q2.n), n += q2.n;
	ph_feed(&h, SL_DIR_TOSERVER, seg, 1); /* a lone byte of the first length */
	ph_feed(&h, SL_DIR_TOSERVER, seg + 1, n - 1); /* the rest: two queries in one segment */
	n = 0;
	seg[n++] = 0, seg[n++] = (uint8_t)r1.n, memcpy(seg + n, r1.b, r1.n), n += r1.n;
	ph_feed(&h, SL_DIR_TOCLIENT, seg, 1); /* half the length prefix */
	uint32_t s = ph_feed(&h, SL_DIR_TOCLIENT, seg + 1, 10);
	ph_feed_at(&h, SL_DIR_TOCLIENT, seg + 1, 10, s); /* retransmission */
	ph_feed(&h, SL_DIR_TOCLIENT, seg + 11, n - 11);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "dns");
	CHECK_EQ_STR(ph_str(&h, "dns.rrname"), "sso.corp.example");
	CHECK_EQ_STR(ph_str(&h, "dns.rrtype"), "A");
	CHECK_EQ_INT(ph_u64(&h, "dns.query_count"), 2);
	CHECK_EQ_INT(ph_u64(&h, "dns.response_count"), 1);
	CHECK_EQ_STR(ph_str(&h, "dns.answer_data"), "198.51.100.20");
	ph_finish(&h);
}

static void test_tcp_gap(void)
{
	TEST("dns: a TCP gap stops that direction; nothing made up");
	struct ph h;
	struct mb q, r;
	uint8_t seg[300];
	ph_init(&h, 6, "10.77.0.2", 36584, "198.51.100.20", 53);
	mb_query(&q, 1, "a.example", 1);
	mb_answer_a(&r, 1, "a.example", relay_ip);
	seg[0] = 0, seg[1] = (uint8_t)q.n, memcpy(seg + 2, q.b, q.n);
	ph_feed(&h, SL_DIR_TOSERVER, seg, q.n + 2);
	seg[0] = 0, seg[1] = (uint8_t)r.n, memcpy(seg + 2, r.b, r.n);
	ph_feed(&h, SL_DIR_TOCLIENT, seg, 8);
	h.seq[1] += 5; /* lost segment */
	ph_feed(&h, SL_DIR_TOCLIENT, seg + 13, r.n + 2 - 13);
	CHECK_EQ_STR(ph_str(&h, "dns.rrname"), "a.example");
	CHECK(ph_str(&h, "dns.rcode") == NULL);
	CHECK(ph_str(&h, "dest.dns_name") == NULL);
	ph_finish(&h);
}

static void test_resolver_flow(void)
{
	TEST("dns: several transactions on one 5-tuple keep the first, count the rest");
	struct ph h;
	struct mb m;
	ph_init(&h, 17, "10.77.0.53", 5300, "192.0.2.53", 53);
	mb_query(&m, 10, "first.example", 1);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	mb_query(&m, 11, "second.example", 1);
	ph_feed(&h, SL_DIR_TOSERVER, m.b, m.n);
	mb_answer_a(&m, 11, "second.example", (const uint8_t[]){ 192, 0, 2, 11 });
	ph_feed(&h, SL_DIR_TOCLIENT, m.b, m.n); /* answers the second: not the kept one */
	mb_hdr(&m, 10, 0x8183, 1, 0, 0, 0);
	mb_question(&m, "first.example", 1);
	ph_feed(&h, SL_DIR_TOCLIENT, m.b, m.n);
	CHECK_EQ_STR(ph_str(&h, "dns.rrname"), "first.example");
	CHECK_EQ_STR(ph_str(&h, "dns.rcode"), "NXDOMAIN");
	CHECK(ph_str(&h, "dns.answer_data") == NULL);
	CHECK_EQ_INT(ph_u64(&h, "dns.query_count"), 2);
	CHECK_EQ_INT(ph_u64(&h, "dns.response_count"), 2);
	struct ph h2; /* the second answer still fed the cache */
	ph_init_shared(&h2, &h, 6, "10.77.0.2", 40000, "192.0.2.11", 443);
	CHECK_EQ_STR(ph_str(&h2, "dest.dns_name"), "second.example");
	ph_finish_shared(&h2);
	ph_finish(&h);
}

static void test_probe(void)
{
	TEST("dns: other ports need a strictly valid message; not DNS is declined");
	struct mb q;
	mb_query(&q, 5, "x.example", 65);
	struct ph h;
	ph_init(&h, 17, "10.77.0.2", 40000, "198.51.100.9", 5000);
	ph_feed(&h, SL_DIR_TOSERVER, q.b, q.n);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "dns");
	CHECK_EQ_STR(ph_str(&h, "dns.rrtype"), "HTTPS");
	ph_finish(&h);
	ph_init(&h, 17, "10.77.0.2", 40000, "198.51.100.9", 5000);
	ph_feed(&h, SL_DIR_TOSERVER, q.b, q.n - 1); /* one byte short */
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	ph_init(&h, 17, "10.77.0.2", 40000, "198.51.100.9", 53);
	ph_feed(&h, SL_DIR_TOSERVER, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\xff", 13);
	CHECK(ph_str(&h, "app_proto") == NULL); /* port 53 but not a message */
	CHECK(ph_str(&h, "dns.rrname") == NULL);
	ph_finish(&h);
	mb_query(&q, 5, "x.example", 999);
	ph_init(&h, 6, "10.77.0.2", 40000, "198.51.100.9", 8053);
	uint8_t seg[64] = { 0, (uint8_t)q.n };
	memcpy(seg + 2, q.b, q.n);
	ph_feed(&h, SL_DIR_TOSERVER, seg, q.n + 2);
	CHECK_EQ_STR(ph_str(&h, "dns.rrtype"), "999");
	ph_finish(&h);
}

static void test_cache_relay(void)
{
	TEST("dns cache: an answer names a later flow's server; not history");
	struct ph d, before, after;
	struct mb m;
	ph_init(&d, 17, "10.77.0.2", 40000, "192.0.2.53", 53);
	ph_init_shared(&before, &d, 6, "10.77.0.2", 40100, "198.51.100.77", 443);
	ph_feed(&before, SL_DIR_TOSERVER, "x", 1);
	CHECK(ph_str(&before, "dest.dns_name") == NULL); /* ended before the answer */
	mb_query(&m, 9, "relay-1.net.anydesk.com", 1);
	ph_feed(&d, SL_DIR_TOSERVER, m.b, m.n);
	mb_answer_a(&m, 9, "relay-1.net.anydesk.com", relay_ip);
	ph_feed(&d, SL_DIR_TOCLIENT, m.b, m.n);
	ph_init_shared(&after, &d, 6, "10.77.0.2", 40101, "198.51.100.77", 443);
	ph_feed(&after, SL_DIR_TOSERVER, "x", 1);
	CHECK_EQ_STR(ph_str(&after, "dest.dns_name"), "relay-1.net.anydesk.com");
	CHECK(ph_str(&after, "src.dns_name") == NULL);
	ph_finish_shared(&after);
	/* a flow from the named address carries it on the client side */
	ph_init_shared(&after, &d, 17, "198.51.100.77", 6568, "10.77.0.2", 50000);
	CHECK_EQ_STR(ph_str(&after, "src.dns_name"), "relay-1.net.anydesk.com");
	ph_finish_shared(&after);
	ph_finish_shared(&before);
	ph_finish(&d);
}

static void test_cache_cname(void)
{
	TEST("dns cache: CNAME chain maps to the name asked; strays and NXDOMAIN ignored");
	struct ph d, f;
	struct mb r;
	ph_init(&d, 17, "10.77.0.2", 40000, "192.0.2.53", 53);
	build_rich(&r); /* login -> sso -> 198.51.100.20 and 2001:db8:51::20 */
	ph_feed(&d, SL_DIR_TOCLIENT, r.b, r.n);
	ph_init_shared(&f, &d, 6, "10.77.0.2", 40000, "2001:db8:51::20", 443);
	CHECK_EQ_STR(ph_str(&f, "dest.dns_name"), "login.corp.example");
	ph_finish_shared(&f);
	/* an A record for a name the question does not lead to */
	mb_hdr(&r, 8, 0x8180, 1, 1, 0, 0);
	mb_question(&r, "asked.example", 1);
	mb_name(&r, "other.example");
	mb_rr_body(&r, 1, (const uint8_t[]){ 203, 0, 113, 5 }, 4);
	ph_feed(&d, SL_DIR_TOCLIENT, r.b, r.n);
	/* an NXDOMAIN carrying an A record anyway */
	mb_answer_a(&r, 9, "nx.example", (const uint8_t[]){ 203, 0, 113, 6 });
	r.b[3] = 0x83;
	ph_feed(&d, SL_DIR_TOCLIENT, r.b, r.n);
	ph_init_shared(&f, &d, 6, "10.77.0.2", 40001, "203.0.113.5", 443);
	CHECK(ph_str(&f, "dest.dns_name") == NULL);
	ph_finish_shared(&f);
	ph_init_shared(&f, &d, 6, "10.77.0.2", 40002, "203.0.113.6", 443);
	CHECK(ph_str(&f, "dest.dns_name") == NULL);
	ph_finish_shared(&f);
	ph_finish(&d);
}

static void test_cache_config(void)
{
	TEST("dns cache: dns.cache_entries=0 turns dest.dns_name off");
	struct ph h;
	struct mb m;
	char err[128];
	ph_init(&h, 17, "10.77.0.2", 40000, "198.51.100.77", 53);
	CHECK_EQ_INT(sl_config_set(&h.cfg, "dns.cache_entries=0", err, sizeof(err)), 0);
	ph_redispatch(&h);
	mb_answer_a(&m, 1, "relay-1.net.anydesk.com", relay_ip);
	ph_feed(&h, SL_DIR_TOCLIENT, m.b, m.n);
	CHECK_EQ_STR(ph_str(&h, "dns.rrname"), "relay-1.net.anydesk.com");
	CHECK(ph_str(&h, "dest.dns_name") == NULL);
	ph_finish(&h);
}

static void test_codes(void)
{
	TEST("dns_msg: type and rcode names");
	char buf[16];
	CHECK_EQ_STR(sl_dns_type_name(28, buf, sizeof(buf)), "AAAA");
	CHECK_EQ_STR(sl_dns_type_name(64, buf, sizeof(buf)), "SVCB");
	CHECK_EQ_STR(sl_dns_type_name(4242, buf, sizeof(buf)), "4242");
	CHECK_EQ_STR(sl_dns_rcode_name(2, buf, sizeof(buf)), "SERVFAIL");
	CHECK_EQ_STR(sl_dns_rcode_name(12, buf, sizeof(buf)), "12");
	char list[16] = "";
	CHECK(sl_dns_list_add(list, sizeof(list), "a.local", true));
	CHECK(sl_dns_list_add(list, sizeof(list), "A.LOCAL", true));
	CHECK_EQ_STR(list, "a.local");
	CHECK(!sl_dns_list_add(list, sizeof(list), "longer.local", true));
	CHECK_EQ_STR(list, "a.local,longer.");
}

/* ---- presentation form against the plain byte-by-byte way ---- */

struct ref_text {
	char *out;
	size_t cap, n;
	bool full;
};

/* What the decoder wrote before runs: each escape or byte one put, the
 * first that does not fit (with its NUL) ends the text. */
static void ref_put(struct ref_text *t, const char *s, size_t n)
{
	if (t->full || t->n + n >= t->cap) {
		t->full = true;
		return;
	}
	memcpy(t->out + t->n, s, n);
	t->n += n;
	t->out[t->n] = '\0';
}

static void ref_byte(struct ref_text *t, uint8_t b, int mode) /* 0 name, 1 mDNS, 2 TXT */
{
	char esc[8];
	if ((b == '.' && mode != 2) || b == '\\' || (b == ',' && mode == 1)) {
		snprintf(esc, sizeof(esc), "\\%c", b);
		ref_put(t, esc, 2);
	} else if ((b > 0x20 && b < 0x7f) || (mode != 0 && (b == ' ' || b >= 0x80))) {
		ref_put(t, (const char *)&b, 1);
	} else {
		snprintf(esc, sizeof(esc), "\\%03u", b);
		ref_put(t, esc, 4);
	}
}

static uint8_t rand_name_byte(unsigned *seed)
{
	static const char some[] = "abcxyz019-_.\\, ";
	unsigned r = (unsigned)rand_r(seed);
	return r % 4 ? (uint8_t)some[(r >> 2) % (sizeof(some) - 1)] : (uint8_t)(r >> 8);
}

/* Random labels (a run of plain bytes, escapes between) in a name and in a
 * TXT record, decoded into buffers of random size, in DNS and mDNS mode:
 * the text equals the byte-by-byte writer's, cut where it cut. */
static void test_text_runs(void)
{
	TEST("dns_msg: names and TXT in runs equal the byte-by-byte text over 5000 random names");
	unsigned seed = 53, bad = 0;
	for (int i = 0; i < 5000; i++) {
		uint8_t wire[300];
		size_t w = 0;
		struct sl_dns_rr rr = { 0 };
		int mode = rand_r(&seed) % 3;
		size_t cap = rand_r(&seed) % 2 ? SL_DNS_TEXT_MAX : 1 + (size_t)rand_r(&seed) % 40;
		char got[SL_DNS_TEXT_MAX], want[SL_DNS_TEXT_MAX] = "";
		struct ref_text t = { want, cap, 0, false };
		memset(wire, 0, SL_DNS_HDR_LEN);
		w = SL_DNS_HDR_LEN;
		for (int l = rand_r(&seed) % 4 + 1; l > 0 && w < 200; l--) {
			size_t len = 1 + (size_t)rand_r(&seed) % 30;
			wire[w++] = (uint8_t)len;
			if (mode != 2 && t.n)
				ref_put(&t, ".", 1);
			for (size_t k = 0; k < len; k++) {
				uint8_t b = rand_name_byte(&seed);
				wire[w++] = b;
				ref_byte(&t, b, mode);
			}
		}
		size_t name_end = w;
		wire[w++] = 0;
		struct sl_dns_msg msg;
		sl_dns_msg_begin(&msg, wire, w);
		msg.utf8 = mode == 1;
		bool ok;
		if (mode == 2) { /* the same bytes as TXT character-strings */
			rr.rdoff = SL_DNS_HDR_LEN;
			rr.rdlen = (uint16_t)(name_end - SL_DNS_HDR_LEN);
			ok = sl_dns_rdata_txt(&msg, &rr, got, cap);
		} else {
			size_t off = SL_DNS_HDR_LEN;
			ok = sl_dns_name(&msg, &off, got, cap);
		}
		bad += !ok || strcmp(got, want) != 0;
	}
	CHECK_EQ_INT(bad, 0);
}

/* Names decoded through a message's memo equal fresh decodes: the result,
 * where *off moves, and every byte of the buffer, over random messages of
 * labels, pointers (back, forward, to themselves, to pointers), cut
 * pointers and reserved label types, many decodes per message at the
 * starts of names and anywhere, with buffer sizes that cut names short. */
static void test_memo(void)
{
	TEST("dns_msg: names through the memo equal fresh decodes over 3000 random messages");
	unsigned seed = 1035, bad = 0, hits_ok = 0;
	for (int i = 0; i < 3000; i++) {
		uint8_t wire[400];
		size_t starts[64], ns = 0, w = SL_DNS_HDR_LEN;
		memset(wire, 0, sizeof(wire));
		while (w < 300 && ns < ARRAY_SIZE(starts)) {
			starts[ns++] = w;
			for (int l = rand_r(&seed) % 4; l > 0; l--) {
				size_t len = 1 + (size_t)rand_r(&seed) % 12;
				wire[w++] = (uint8_t)len;
				for (size_t k = 0; k < len; k++)
					wire[w++] = rand_name_byte(&seed);
			}
			int end = rand_r(&seed) % 10;
			if (end < 5 || ns < 2) {
				wire[w++] = 0;
			} else if (end < 9) { /* a pointer: mostly back to a name, else anywhere */
				size_t to = end < 8 ? starts[(size_t)rand_r(&seed) % ns] :
					    (size_t)rand_r(&seed) % 0x3fff;
				wire[w++] = (uint8_t)(0xc0 | to >> 8);
				wire[w++] = (uint8_t)to;
			} else {
				wire[w++] = (uint8_t)(rand_r(&seed) % 2 ? 0x40 | rand_r(&seed) % 64 : 0xc0);
			}
		}
		size_t len = rand_r(&seed) % 8 ? w : w - (size_t)rand_r(&seed) % 3; /* sometimes cut */
		struct sl_dns_msg plain, fast;
		struct sl_dns_memo memo;
		memset(&memo, 0, sizeof(memo));
		sl_dns_msg_begin(&plain, wire, len);
		plain.utf8 = rand_r(&seed) % 2;
		fast = plain;
		fast.memo = &memo;
		for (int k = 0; k < 40; k++) {
			size_t at = rand_r(&seed) % 4 ? starts[(size_t)rand_r(&seed) % ns]
						      : (size_t)rand_r(&seed) % len;
			size_t cap = rand_r(&seed) % 3 ? SL_DNS_TEXT_MAX : 1 + (size_t)rand_r(&seed) % 30;
			char a[SL_DNS_TEXT_MAX], b[SL_DNS_TEXT_MAX];
			memset(a, 0x5a, sizeof(a));
			memset(b, 0x5a, sizeof(b));
			size_t oa = at, ob = at;
			bool ra = sl_dns_name(&plain, &oa, a, cap), rb = sl_dns_name(&fast, &ob, b, cap);
			bad += ra != rb || oa != ob || memcmp(a, b, sizeof(a)) != 0;
			hits_ok += ra;
		}
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(hits_ok > 30000); /* most decodes succeed: the memo is exercised */
}

int main(void)
{
	test_memo();
	test_text_runs();
	test_names();
	test_name_limits();
	test_udp_transaction();
	test_truncation();
	test_tcp_framing();
	test_tcp_gap();
	test_resolver_flow();
	test_probe();
	test_cache_relay();
	test_cache_cname();
	test_cache_config();
	test_codes();
	return TEST_REPORT();
}
