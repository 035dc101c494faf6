/* Unit tests for the flow table and Community ID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/flow/flow_priv.h"
#include "sightline/flow.h"
#include "testhelp.h"

/* Test vectors from the Community ID spec (baseline/baseline_deflt.json,
 * seed 0): for ICMP the "ports" are type and code. */
static const struct {
	uint8_t proto;
	const char *s, *d;
	uint16_t sp, dp;
	const char *id;
} vectors[] = {
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
	{ 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=" },
	{ 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=" },
	{ 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
	{ 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
	{ 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00=" },
	{ 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
	{ 1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
	{ 1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=" },
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
	{ 46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
};

static void test_community_id(void)
{
	TEST("community id: spec baseline vectors");
	for (size_t i = 0; i < ARRAY_SIZE(vectors); i++) {
		struct sl_addr s, d;
		char out[SL_COMMUNITY_ID_LEN];
		CHECK(sl_addr_parse(vectors[i].s, &s) == 0);
		CHECK(sl_addr_parse(vectors[i].d, &d) == 0);
		sl_community_id(0, &s, &d, vectors[i].proto, vectors[i].sp, vectors[i].dp, out);
		CHECK_EQ_STR(out, vectors[i].id);
	}
}

/* A random tuple: v4 or v6, TCP/UDP/ICMP/ICMPv6/SCTP/GRE, small ranges so
 * that neighbours differ in one part only. */
static void rand_tuple(struct sl_addr *a, struct sl_addr *b, uint8_t *proto, uint16_t *sp,
		       uint16_t *dp, uint16_t *seed)
{
	static const uint8_t protos[] = { 6, 17, 1, 58, 132, 47 };
	bool v6 = rand() & 1;
	char t[64];
	snprintf(t, sizeof(t), v6 ? "2001:db8::%x" : "10.0.0.%u", (unsigned)rand() % 4);
	sl_addr_parse(t, a);
	snprintf(t, sizeof(t), v6 ? "2001:db8::%x" : "10.0.0.%u", (unsigned)rand() % 4);
	sl_addr_parse(t, b);
	*proto = protos[rand() % (int)ARRAY_SIZE(protos)];
	*sp = (uint16_t)(rand() % 3 ? rand() % 4 : 8);
	*dp = (uint16_t)(rand() % 3 ? rand() % 4 : 0);
	*seed = (uint16_t)(rand() % 2);
}

/* The ID of a tuple hashed with another tuple hashed just before, so that
 * the last-tuple memo cannot answer: the plain computation. */
static void plain_id(uint16_t seed, const struct sl_addr *a, const struct sl_addr *b,
		     uint8_t proto, uint16_t sp, uint16_t dp, char out[SL_COMMUNITY_ID_LEN])
{
	struct sl_addr z;
	char dummy[SL_COMMUNITY_ID_LEN];
	sl_addr_parse("192.0.2.99", &z);
	sl_community_id(7, &z, &z, 99, 0, 0, dummy);
	sl_community_id(seed, a, b, proto, sp, dp, out);
}

/* The last tuple's ID is kept per thread: over random runs of tuples that
 * repeat or differ from the one before in one part (an address, a port,
 * the protocol, the seed, the order), every ID equals the plain one. */
static void test_community_id_memo(void)
{
	TEST("community id: the last-tuple memo gives the plain ID over 20000 random neighbours");
	srand(15);
	unsigned bad = 0;
	struct sl_addr a, b;
	uint8_t proto;
	uint16_t sp, dp, seed;
	rand_tuple(&a, &b, &proto, &sp, &dp, &seed);
	for (int i = 0; i < 20000; i++) {
		struct sl_addr na, nb;
		uint8_t np;
		uint16_t nsp, ndp, nseed;
		rand_tuple(&na, &nb, &np, &nsp, &ndp, &nseed);
		switch (rand() % 8) { /* change one part, or none, or swap the sides */
		case 0: a = na; break;
		case 1: b = nb; break;
		case 2: proto = np; break;
		case 3: sp = nsp; break;
		case 4: dp = ndp; break;
		case 5: seed = nseed; break;
		case 6: { struct sl_addr t = a; a = b; b = t; uint16_t p = sp; sp = dp; dp = p; } break;
		default: break;
		}
		/* got follows the last iteration's tuple (the memo holds it) */
		char want[SL_COMMUNITY_ID_LEN], got[SL_COMMUNITY_ID_LEN], again[SL_COMMUNITY_ID_LEN];
		sl_community_id(seed, &a, &b, proto, sp, dp, got);
		plain_id(seed, &a, &b, proto, sp, dp, want);
		sl_community_id(seed, &a, &b, proto, sp, dp, again);
		bad += strcmp(want, got) != 0 || strcmp(want, again) != 0;
	}
	CHECK_EQ_INT(bad, 0);
}

#define ENDED_MAX 64
static struct sl_flow ended[ENDED_MAX];
static int n_ended;

static void on_end(void *ctx, struct sl_flow *f)
{
	(void)ctx;
	if (n_ended < ENDED_MAX)
		ended[n_ended] = *f;
	n_ended++;
}

static struct sl_packet tcp(const char *s, uint16_t sp, const char *d, uint16_t dp,
			    uint8_t flags, double t)
{
	struct sl_packet p;
	memset(&p, 0, sizeof(p));
	sl_addr_parse(s, &p.src);
	sl_addr_parse(d, &p.dst);
	p.proto = 6;
	p.sport = sp;
	p.dport = dp;
	p.tcp_flags = flags;
	p.wirelen = 60;
	p.ts = (sl_time_us)(t * 1e6);
	return p;
}

static struct sl_flow_config cfg(uint32_t max)
{
	struct sl_flow_config c = { .max_flows = max, .timeout_tcp_new = 60,
		.timeout_tcp_established = 600, .timeout_tcp_closed = 10,
		.timeout_udp = 120, .timeout_icmp = 30, .timeout_other = 120,
		.expire_batch = 8 };
	return c;
}

static void test_handshake_and_fin(void)
{
	TEST("flow: handshake, directions, FIN close, timeout in packet time");
	struct sl_flow_config c = cfg(1024);
	struct sl_flow_table *t;
	enum sl_dir dir;
	n_ended = 0;
	CHECK(sl_flow_table_create(&c, 12345, on_end, NULL, &t) == 0);
	struct sl_packet p = tcp("10.0.0.2", 40000, "198.51.100.20", 443, SL_TCP_SYN, 100);
	struct sl_flow *f = sl_flow_table_packet(t, &p, p.ts, &dir);
	CHECK_EQ_INT(dir, SL_DIR_TOSERVER);
	CHECK_EQ_INT(f->state, SL_FLOW_NEW);
	p = tcp("198.51.100.20", 443, "10.0.0.2", 40000, SL_TCP_SYN | SL_TCP_ACK, 100.08);
	CHECK(sl_flow_table_packet(t, &p, p.ts, &dir) == f);
	CHECK_EQ_INT(dir, SL_DIR_TOCLIENT);
	p = tcp("10.0.0.2", 40000, "198.51.100.20", 443, SL_TCP_ACK, 100.09);
	sl_flow_table_packet(t, &p, p.ts, &dir);
	CHECK_EQ_INT(f->state, SL_FLOW_ESTABLISHED);
	p = tcp("10.0.0.2", 40000, "198.51.100.20", 443, SL_TCP_ACK | SL_TCP_FIN, 101);
	sl_flow_table_packet(t, &p, p.ts, &dir);
	CHECK_EQ_INT(f->state, SL_FLOW_CLOSING);
	p = tcp("198.51.100.20", 443, "10.0.0.2", 40000, SL_TCP_ACK | SL_TCP_FIN, 101.1);
	sl_flow_table_packet(t, &p, p.ts, &dir);
	CHECK_EQ_INT(f->state, SL_FLOW_CLOSED);
	CHECK_EQ_INT(f->pkts[0], 3);
	CHECK_EQ_INT(f->pkts[1], 2);
	CHECK_EQ_INT(n_ended, 0);
	/* An unrelated packet 20 s later expires the closed flow (timeout 10 s). */
	p = tcp("10.0.0.3", 1, "10.0.0.4", 2, SL_TCP_SYN, 121.2);
	sl_flow_table_packet(t, &p, p.ts, &dir);
	CHECK_EQ_INT(n_ended, 1);
	CHECK_EQ_INT(ended[0].reason, SL_END_FIN);
	char a[SL_ADDR_STRLEN];
	CHECK_EQ_STR(sl_addr_format(&ended[0].cli, a, sizeof(a)), "10.0.0.2");
	CHECK_EQ_INT(ended[0].cport, 40000);
	sl_flow_table_flush(t);
	CHECK_EQ_INT(n_ended, 2);
	CHECK_EQ_INT(ended[1].reason, SL_END_SHUTDOWN);
	CHECK_EQ_INT(sl_flow_table_stats(t)->active, 0);
	sl_flow_table_destroy(t);
}

static void test_synack_first_and_rst(void)
{
	TEST("flow: first seen at SYN/ACK picks the receiver as client; RST");
	struct sl_flow_config c = cfg(1024);
	struct sl_flow_table *t;
	enum sl_dir dir;
	n_ended = 0;
	sl_flow_table_create(&c, 1, on_end, NULL, &t);
	struct sl_packet p = tcp("198.51.100.20", 443, "10.0.0.2", 40001, SL_TCP_SYN | SL_TCP_ACK, 5);
	struct sl_flow *f = sl_flow_table_packet(t, &p, p.ts, &dir);
	CHECK_EQ_INT(dir, SL_DIR_TOCLIENT);
	CHECK_EQ_INT(f->cport, 40001);
	CHECK_EQ_INT(f->sport, 443);
	p = tcp("10.0.0.2", 40001, "198.51.100.20", 443, SL_TCP_RST, 6);
	sl_flow_table_packet(t, &p, p.ts, &dir);
	CHECK_EQ_INT(f->state, SL_FLOW_CLOSED);
	/* Port reuse: a new SYN on the closed tuple ends the old flow. */
	p = tcp("10.0.0.2", 40001, "198.51.100.20", 443, SL_TCP_SYN, 7);
	struct sl_flow *g = sl_flow_table_packet(t, &p, p.ts, &dir);
	CHECK_EQ_INT(n_ended, 1);
	CHECK_EQ_INT(ended[0].reason, SL_END_RST);
	CHECK_EQ_INT(g->state, SL_FLOW_NEW);
	CHECK_EQ_INT(g->pkts[0], 1);
	sl_flow_table_flush(t);
	sl_flow_table_destroy(t);
}

static void test_eviction_and_order(void)
{
	TEST("flow: cap holds, oldest idle evicted, flush ordered by first packet");
	struct sl_flow_config c = cfg(1024);
	struct sl_flow_table *t;
	enum sl_dir dir;
	n_ended = 0;
	sl_flow_table_create(&c, 99, on_end, NULL, &t);
	for (int i = 0; i < 1100; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.1.%d.%d", i / 250, i % 250 + 1);
		struct sl_packet p = tcp(src, 1000, "198.51.100.1", 80, SL_TCP_SYN, 10 + i * 0.001);
		p.proto = 17; /* UDP: same timeout class, strict age order */
		sl_flow_table_packet(t, &p, p.ts, &dir);
	}
	const struct sl_flow_stats *st = sl_flow_table_stats(t);
	CHECK_EQ_INT(st->active, 1024);
	CHECK_EQ_INT(st->evictions, 76);
	CHECK_EQ_INT(n_ended, 76);
	char a[SL_ADDR_STRLEN];
	CHECK_EQ_STR(sl_addr_format(&ended[0].cli, a, sizeof(a)), "10.1.0.1");
	CHECK_EQ_INT(ended[0].reason, SL_END_EVICTED);
	n_ended = 0;
	sl_flow_table_flush(t);
	CHECK_EQ_INT(n_ended, 1024);
	CHECK_EQ_STR(sl_addr_format(&ended[0].cli, a, sizeof(a)), "10.1.0.77");
	CHECK(st->table_bytes_per_flow <= 256);
	sl_flow_table_destroy(t);
}

static struct sl_packet udp(const char *s, uint16_t sp, const char *d, uint16_t dp, double at)
{
	struct sl_packet p = tcp(s, sp, d, dp, 0, at);
	p.proto = 17;
	return p;
}

/* One packet through t, at its own time as the capture clock moved on to now. */
static struct sl_flow *feed(struct sl_flow_table *t, struct sl_packet p, sl_time_us now)
{
	enum sl_dir dir;
	return sl_flow_table_packet(t, &p, now, &dir);
}

/* An established TCP session 10.0.0.2:40000 -> 198.51.100.20:22 opened at t. */
static struct sl_flow *session(struct sl_flow_table *t, double at)
{
	feed(t, tcp("10.0.0.2", 40000, "198.51.100.20", 22, SL_TCP_SYN, at), 0);
	feed(t, tcp("198.51.100.20", 22, "10.0.0.2", 40000, SL_TCP_SYN | SL_TCP_ACK, at + 0.04), 0);
	feed(t, tcp("10.0.0.2", 40000, "198.51.100.20", 22, SL_TCP_ACK, at + 0.05), 0);
	return feed(t, tcp("10.0.0.2", 40000, "198.51.100.20", 22, SL_TCP_ACK | SL_TCP_PSH, at + 0.06), 0);
}

static int ended_with(uint16_t cport, enum sl_flow_reason why)
{
	int n = 0;
	for (int i = 0; i < n_ended && i < ENDED_MAX; i++)
		n += ended[i].cport == cport && ended[i].reason == why;
	return n;
}

static void test_flood_spares_sessions(void)
{
	TEST("flow: a full table gives up embryonic flows, then closed ones, then sessions");
	struct sl_flow_config c = cfg(1024);
	struct sl_flow_table *t;
	n_ended = 0;
	sl_flow_table_create(&c, 7, on_end, NULL, &t);
	struct sl_flow *s = session(t, 1);
	/* A closed flow (FIN both ways) kept for its closed-state timeout. */
	feed(t, tcp("10.0.0.3", 40001, "198.51.100.21", 443, SL_TCP_SYN, 1.1), 0);
	feed(t, tcp("198.51.100.21", 443, "10.0.0.3", 40001, SL_TCP_SYN | SL_TCP_ACK, 1.12), 0);
	feed(t, tcp("10.0.0.3", 40001, "198.51.100.21", 443, SL_TCP_FIN | SL_TCP_ACK, 1.13), 0);
	feed(t, tcp("198.51.100.21", 443, "10.0.0.3", 40001, SL_TCP_FIN | SL_TCP_ACK, 1.14), 0);
	/* 3000 SYNs from distinct sources, each newer than the session's last packet. */
	for (int i = 0; i < 3000; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.%d.%d.%d", 100 + i / 62500, i / 250 % 250, i % 250 + 1);
		feed(t, tcp(src, 1024, "192.0.2.80", 80, SL_TCP_SYN, 2 + i * 0.001), 0);
	}
	const struct sl_flow_stats *st = sl_flow_table_stats(t);
	CHECK_EQ_INT(st->active, 1024);
	CHECK_EQ_INT(st->evictions, 3002 - 1024);
	CHECK_EQ_INT(st->evicted_embryonic, 3002 - 1024);
	CHECK_EQ_INT(st->evicted_established, 0);
	CHECK_EQ_INT(st->ended[SL_END_EVICTED], st->evictions);
	CHECK_EQ_INT(ended_with(40000, SL_END_EVICTED), 0);
	CHECK_EQ_INT(ended_with(40001, SL_END_FIN), 0);
	/* The session is still the same flow. */
	CHECK(feed(t, tcp("198.51.100.20", 22, "10.0.0.2", 40000, SL_TCP_ACK, 6), 0) == s);
	CHECK_EQ_INT(s->pkts[0] + s->pkts[1], 5);
	sl_flow_table_flush(t);
	sl_flow_table_destroy(t);
}

static void test_full_of_sessions(void)
{
	TEST("flow: no embryonic flow left: a closed flow keeps its reason, then the oldest session");
	struct sl_flow_config c = cfg(1024);
	struct sl_flow_table *t;
	n_ended = 0;
	sl_flow_table_create(&c, 8, on_end, NULL, &t);
	session(t, 1);
	feed(t, tcp("10.0.0.3", 40001, "198.51.100.21", 443, SL_TCP_RST, 1.1), 0); /* closed by RST */
	for (int i = 0; i < 1022; i++) { /* UDP request and answer: sessions */
		char src[32];
		snprintf(src, sizeof(src), "10.1.%d.%d", i / 250, i % 250 + 1);
		feed(t, udp(src, 2000, "192.0.2.53", 53, 2 + i * 0.001), 0);
		feed(t, udp("192.0.2.53", 53, src, 2000, 2.0005 + i * 0.001), 0);
	}
	const struct sl_flow_stats *st = sl_flow_table_stats(t);
	CHECK_EQ_INT(st->active, 1024);
	/* A SYN: the closed flow makes room, as the RST it ended with. */
	feed(t, tcp("10.9.0.1", 3000, "192.0.2.80", 80, SL_TCP_SYN, 5), 0);
	CHECK_EQ_INT(ended_with(40001, SL_END_RST), 1);
	CHECK_EQ_INT(st->closed_reclaimed, 1);
	CHECK_EQ_INT(st->evictions, 0);
	/* Another: the newest flow, the embryonic SYN, goes before any session. */
	feed(t, tcp("10.9.0.2", 3000, "192.0.2.80", 80, SL_TCP_SYN, 5.1), 0);
	CHECK_EQ_INT(ended_with(3000, SL_END_EVICTED), 1);
	CHECK_EQ_INT(st->evicted_embryonic, 1);
	/* A UDP exchange takes the second SYN's place; the next one finds only sessions
	 * and ends the least recently seen (the TCP session). */
	feed(t, udp("10.9.0.3", 3001, "192.0.2.53", 53, 5.2), 0);
	feed(t, udp("192.0.2.53", 53, "10.9.0.3", 3001, 5.3), 0);
	CHECK_EQ_INT(st->evicted_embryonic, 2);
	CHECK_EQ_INT(st->evicted_established, 0);
	feed(t, udp("10.9.0.4", 3002, "192.0.2.53", 53, 5.4), 0);
	CHECK_EQ_INT(st->evicted_established, 1);
	CHECK_EQ_INT(ended_with(40000, SL_END_EVICTED), 1);
	CHECK_EQ_INT(st->evictions, 3);
	CHECK_EQ_INT(st->ended[SL_END_EVICTED], st->evictions);
	sl_flow_table_flush(t);
	CHECK_EQ_INT(st->ended[SL_END_EVICTED], st->evictions);
	sl_flow_table_destroy(t);
}

static void test_capture_clock(void)
{
	TEST("flow: timeouts on the capture clock, whatever expiry reached; time stepping back");
	struct sl_flow_config c = cfg(1024);
	c.expire_batch = 1;
	struct sl_flow_table *t;
	n_ended = 0;
	sl_flow_table_create(&c, 9, on_end, NULL, &t);
	const sl_time_us S = SL_US_PER_SEC;
	for (uint16_t i = 0; i < 10; i++) /* ten lone datagrams at 100 s */
		feed(t, udp("10.0.0.2", (uint16_t)(5000 + i), "192.0.2.1", 53, 100), 100 * S);
	feed(t, udp("10.0.0.3", 6000, "192.0.2.1", 53, 1000), 1000 * S); /* expires one of them */
	CHECK_EQ_INT(n_ended, 1);
	/* The last comes again: its flow timed out though expiry has not reached it. */
	struct sl_flow *f = feed(t, udp("10.0.0.2", 5009, "192.0.2.1", 53, 1000.5), 1000 * S);
	CHECK_EQ_INT(ended_with(5009, SL_END_TIMEOUT), 1);
	CHECK_EQ_INT(f->pkts[0], 1);
	/* Time steps back: a flow first seen at 500 s while the clock says 1000 s ... */
	feed(t, udp("10.0.0.4", 7000, "192.0.2.1", 53, 500), 1000 * S);
	/* ... is not idle when the clock reaches 1100 s, and goes on at 501 s. */
	feed(t, udp("10.0.0.5", 7001, "192.0.2.1", 53, 1100), 1100 * S);
	f = feed(t, udp("10.0.0.4", 7000, "192.0.2.1", 53, 501), 1100 * S);
	CHECK_EQ_INT(f->pkts[0], 2);
	CHECK_EQ_INT(ended_with(7000, SL_END_TIMEOUT), 0);
	/* 199 s later in its own time (UDP timeout 120 s): a new flow, though the clock
	 * did not move. */
	f = feed(t, udp("10.0.0.4", 7000, "192.0.2.1", 53, 700), 1100 * S);
	CHECK_EQ_INT(ended_with(7000, SL_END_TIMEOUT), 1);
	CHECK_EQ_INT(f->pkts[0], 1);
	/* At the end, what timed out on the clock says so, whether expiry got to it or not. */
	int before = n_ended;
	sl_flow_table_flush(t);
	int timeouts = 0;
	for (int i = before; i < n_ended; i++)
		timeouts += ended[i].reason == SL_END_TIMEOUT;
	CHECK_EQ_INT(timeouts, 3); /* the lone datagrams of 100 s that expiry left */
	CHECK_EQ_INT(n_ended - before, 7);
	sl_flow_table_destroy(t);
}

static void test_flow_id_independent_of_seed(void)
{
	TEST("flow: flow id and community id do not depend on the hash seed");
	struct sl_flow_config c = cfg(1024);
	uint64_t ids[2];
	char cid[2][SL_COMMUNITY_ID_LEN];
	for (int k = 0; k < 2; k++) {
		struct sl_flow_table *t;
		enum sl_dir dir;
		sl_flow_table_create(&c, k ? 777 : 3, on_end, NULL, &t);
		struct sl_packet p = tcp("128.232.110.120", 34855, "66.35.250.204", 80, SL_TCP_SYN, 1);
		struct sl_flow *f = sl_flow_table_packet(t, &p, p.ts, &dir);
		ids[k] = f->flow_id;
		sl_flow_community_id(f, 0, cid[k]);
		sl_flow_table_flush(t);
		sl_flow_table_destroy(t);
	}
	CHECK(ids[0] == ids[1]);
	CHECK(ids[0] < (1ULL << 53));
	CHECK_EQ_STR(cid[0], "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

static void test_icmp_keying(void)
{
	TEST("flow: ICMP echo and reply share a flow; an error message does not");
	struct sl_flow_config c = cfg(1024);
	struct sl_flow_table *t;
	enum sl_dir dir;
	sl_flow_table_create(&c, 5, on_end, NULL, &t);
	struct sl_packet p = tcp("10.0.0.2", 0, "10.0.0.9", 0, 0, 1);
	p.proto = 1, p.icmp_type = 8;
	struct sl_flow *echo = sl_flow_table_packet(t, &p, p.ts, &dir);
	p = tcp("10.0.0.9", 0, "10.0.0.2", 0, 0, 1.1);
	p.proto = 1, p.icmp_type = 0;
	CHECK(sl_flow_table_packet(t, &p, p.ts, &dir) == echo);
	CHECK_EQ_INT(dir, SL_DIR_TOCLIENT);
	p.icmp_type = 3, p.icmp_code = 3; /* port unreachable, same hosts */
	struct sl_flow *err = sl_flow_table_packet(t, &p, p.ts, &dir);
	CHECK(err != echo);
	CHECK_EQ_INT(dir, SL_DIR_TOSERVER);
	CHECK_EQ_INT(sl_flow_table_stats(t)->active, 2);
	sl_flow_table_flush(t);
	sl_flow_table_destroy(t);
}

static void test_icmp_error_quote(void)
{
	TEST("flow: an ICMP error counts on the flow it quotes and makes none of its own");
	struct sl_flow_config c = cfg(1024);
	struct sl_flow_table *t;
	enum sl_dir dir;
	sl_flow_table_create(&c, 5, on_end, NULL, &t);
	struct sl_packet p = tcp("10.0.0.2", 40000, "10.0.0.9", 5141, 0, 1);
	p.proto = 17;
	struct sl_flow *udp = sl_flow_table_packet(t, &p, p.ts, &dir);
	struct sl_packet e = tcp("10.0.0.9", 0, "10.0.0.2", 0, 0, 1.02);
	e.proto = 1, e.icmp_type = 3, e.icmp_code = 3;
	e.icmp_error = e.icmp_quoted = true;
	e.quote = (struct sl_icmp_quote){ .src = p.src, .dst = p.dst, .proto = 17, .sport = 40000,
					  .dport = 5141 };
	CHECK(sl_flow_table_packet(t, &e, e.ts, &dir) == NULL);
	CHECK(udp->icmp_errors == 1 && udp->icmp_error_type == 3 && udp->icmp_error_code == 3);
	CHECK(udp->pkts[0] == 1 && udp->pkts[1] == 0); /* not one of the flow's packets */
	e.icmp_type = 11, e.icmp_code = 0; /* a second error keeps the first's type */
	CHECK(sl_flow_table_packet(t, &e, e.ts, &dir) == NULL);
	CHECK(udp->icmp_errors == 2 && udp->icmp_error_type == 3);
	e.quote.dport = 5142; /* quoting no flow here: counted, dropped */
	CHECK(sl_flow_table_packet(t, &e, e.ts, &dir) == NULL);
	e.icmp_quoted = false;
	CHECK(sl_flow_table_packet(t, &e, e.ts, &dir) == NULL);
	const struct sl_flow_stats *st = sl_flow_table_stats(t);
	CHECK(st->icmp_errors == 2 && st->icmp_errors_unmatched == 2 && st->active == 1);
	sl_flow_table_flush(t);
	sl_flow_table_destroy(t);
}

/* ---- the inline key and hash against the plain way they were computed ---- */

static uint64_t plain_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t plain_endpoint(uint64_t seed, const struct sl_addr *a, uint16_t port)
{
	uint64_t w0 = 0, w1 = 0;
	if (a->family == 4) {
		uint32_t v;
		memcpy(&v, a->b, 4);
		w0 = v;
	} else if (a->family == 6) {
		memcpy(&w0, a->b, 8);
		memcpy(&w1, a->b + 8, 8);
	}
	uint64_t x = (w0 ^ seed) * 0x9e3779b97f4a7c15ULL;
	x ^= x >> 32;
	x += w1 ^ ((uint64_t)port << 8 | a->family);
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

static uint16_t plain_port(const struct sl_packet *p, bool src)
{
	if (p->proto == 1 || p->proto == 58) {
		int peer = sl_icmp_counterpart(p->proto, p->icmp_type);
		return src ? p->icmp_type : peer < 0 ? (uint16_t)(0x100 | p->icmp_code) : (uint16_t)peer;
	}
	return src ? p->sport : p->dport;
}

static uint64_t plain_hash(const struct sl_packet *p, uint64_t seed)
{
	uint16_t v0 = p->vlan_count > 0 ? p->vlan[0] : 0, v1 = p->vlan_count > 1 ? p->vlan[1] : 0;
	uint64_t shared = ((uint64_t)p->proto << 32) | ((uint64_t)v0 << 16) | v1;
	if (p->src.family == 4 && p->dst.family == 4) {
		/* each side as address (its 4 bytes read as a word) and port;
		 * the smaller first */
		uint64_t e[2];
		const struct sl_addr *a[2] = { &p->src, &p->dst };
		for (int i = 0; i < 2; i++) {
			uint32_t v;
			memcpy(&v, a[i]->b, 4);
			e[i] = (uint64_t)v << 16 | plain_port(p, i == 0);
		}
		uint64_t lo = e[0] < e[1] ? e[0] : e[1], hi = e[0] < e[1] ? e[1] : e[0];
		return plain_mix(((lo ^ seed) * 0x9e3779b97f4a7c15ULL) ^ (hi * 0xbf58476d1ce4e5b9ULL) ^
				 ((shared ^ seed) * 0x94d049bb133111ebULL));
	}
	uint64_t ha = plain_endpoint(seed, &p->src, plain_port(p, true));
	uint64_t hb = plain_endpoint(seed, &p->dst, plain_port(p, false));
	return plain_mix((ha + hb) ^ plain_mix(shared ^ seed));
}

static bool plain_addr_eq(const struct sl_addr *a, const struct sl_addr *b)
{
	size_t n = a->family == 4 ? 4 : a->family == 6 ? 16 : 0;
	return a->family == b->family && memcmp(a->b, b->b, n) == 0;
}

static int plain_match(const struct sl_flow *f, const struct sl_packet *p)
{
	uint16_t v0 = p->vlan_count > 0 ? p->vlan[0] : 0, v1 = p->vlan_count > 1 ? p->vlan[1] : 0;
	if (f->proto != p->proto || f->vlan[0] != v0 || f->vlan[1] != v1)
		return -1;
	uint16_t ps = plain_port(p, true), pd = plain_port(p, false);
	if (f->cport == ps && f->sport == pd && plain_addr_eq(&f->cli, &p->src) &&
	    plain_addr_eq(&f->srv, &p->dst))
		return SL_DIR_TOSERVER;
	if (f->cport == pd && f->sport == ps && plain_addr_eq(&f->cli, &p->dst) &&
	    plain_addr_eq(&f->srv, &p->src))
		return SL_DIR_TOCLIENT;
	return -1;
}

static uint64_t key_rnd_state = 88172645463325252ULL;
static uint64_t key_rnd(void)
{
	key_rnd_state ^= key_rnd_state << 13;
	key_rnd_state ^= key_rnd_state >> 7;
	key_rnd_state ^= key_rnd_state << 17;
	return key_rnd_state;
}

/* Few distinct values, so that packets often share parts of a key. */
static void random_addr(struct sl_addr *a, unsigned family)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	size_t n = family == 4 ? 4 : family == 6 ? 16 : 0;
	for (size_t i = 0; i < n; i++)
		a->b[i] = (uint8_t)(key_rnd() % 3);
}

static void random_packet(struct sl_packet *p)
{
	static const uint8_t protos[] = { 6, 17, 1, 58, 132, 47 };
	memset(p, 0, sizeof(*p));
	unsigned family = key_rnd() % 16 ? (key_rnd() % 2 ? 4 : 6) : 0;
	random_addr(&p->src, family);
	random_addr(&p->dst, family);
	p->proto = protos[key_rnd() % sizeof(protos)];
	p->sport = (uint16_t)(key_rnd() % 4), p->dport = (uint16_t)(key_rnd() % 4);
	p->icmp_type = (uint8_t)(key_rnd() % 4 ? key_rnd() % 20 : key_rnd() % 256);
	p->icmp_code = (uint8_t)(key_rnd() % 3);
	p->vlan_count = (uint8_t)(key_rnd() % 4);
	p->vlan[0] = (uint16_t)(key_rnd() % 3), p->vlan[1] = (uint16_t)(key_rnd() % 3);
	p->tcp_flags = (uint8_t)(key_rnd() & 0x17);
}

static void test_inline_key_plain(void)
{
	TEST("flow key: inline hash and match equal the plain way over 300000 packet pairs");
	unsigned bad_hash = 0, bad_match = 0, bad_sym = 0, matched = 0;
	for (unsigned i = 0; i < 300000; i++) {
		struct sl_packet p, q;
		struct sl_flow f;
		uint64_t seed = key_rnd();
		random_packet(&p);
		random_packet(&q);
		if (key_rnd() % 2) { /* often the reply of p, or p itself */
			bool rev = key_rnd() % 2;
			q.src = rev ? p.dst : p.src, q.dst = rev ? p.src : p.dst;
			q.sport = rev ? p.dport : p.sport, q.dport = rev ? p.sport : p.dport;
			q.proto = p.proto, q.vlan_count = p.vlan_count;
			q.vlan[0] = p.vlan[0], q.vlan[1] = p.vlan[1];
		}
		sl_flow_init_from_packet(&f, &p);
		bad_hash += sl_flow_hash_packet(&q, seed) != plain_hash(&q, seed);
		bad_sym += sl_flow_hash_flow(&f, seed) != plain_hash(&p, seed);
		struct sl_flow_pkey k;
		sl_flow_pkey(&q, &k);
		int d = sl_flow_match_pkey(&f, &q, &k);
		bad_match += d != plain_match(&f, &q) || sl_flow_match(&f, &q) != d;
		matched += d >= 0;
	}
	CHECK_EQ_INT(bad_hash, 0);
	CHECK_EQ_INT(bad_sym, 0);
	CHECK_EQ_INT(bad_match, 0);
	CHECK(matched > 50000); /* both answers were exercised */
}

/* Longest chain and share of empty buckets when n keys go into 2^bits
 * buckets. */
static void chains(const struct sl_packet *keys, size_t n, unsigned bits, uint64_t seed,
		   unsigned *longest, double *empty)
{
	uint32_t *count = calloc((size_t)1 << bits, sizeof(*count));
	for (size_t i = 0; i < n; i++)
		count[sl_flow_hash_packet(&keys[i], seed) & ((1u << bits) - 1)]++;
	size_t none = 0;
	*longest = 0;
	for (size_t b = 0; b < (size_t)1 << bits; b++) {
		none += count[b] == 0;
		*longest = count[b] > *longest ? count[b] : *longest;
	}
	*empty = (double)none / (double)((size_t)1 << bits);
	free(count);
}

/* Key i of a shape: one client's ports to a few servers on 443, a /16 of
 * clients from one port to a few servers, or random pairs. */
static void shaped_key(struct sl_packet *p, int shape, size_t i)
{
	memset(p, 0, sizeof(*p));
	p->proto = 6;
	p->src.family = p->dst.family = 4;
	uint32_t s = shape == 0 ? 0x0a000001u : shape == 1 ? 0x0a000000u | (uint32_t)(i % 65536)
						       : (uint32_t)key_rnd();
	uint32_t d = shape == 0 ? 0xc0000201u + (uint32_t)(i >> 16)
		   : shape == 1 ? 0xc6336400u | (uint32_t)(i >> 16) : (uint32_t)key_rnd();
	for (int k = 0; k < 4; k++) {
		p->src.b[k] = (uint8_t)(s >> (24 - 8 * k));
		p->dst.b[k] = (uint8_t)(d >> (24 - 8 * k));
	}
	p->sport = shape == 0 ? (uint16_t)(i & 0xffff) : shape == 1 ? 50000 : (uint16_t)key_rnd();
	p->dport = shape == 2 ? (uint16_t)key_rnd() : 443;
}

/*
 * The IPv4 hash spreads what captures hold as a random function would:
 * 131,072 keys in 262,144 buckets leave e^-0.5 = 60.7 % of the buckets
 * empty and no chain much past 8.
 */
static void test_hash_chains(void)
{
	TEST("flow hash: chain lengths of structured and random IPv4 keys");
	size_t n = 131072;
	struct sl_packet *keys = calloc(n, sizeof(*keys));
	for (int shape = 0; shape < 3; shape++) {
		for (size_t i = 0; i < n; i++)
			shaped_key(&keys[i], shape, i);
		unsigned longest;
		double empty;
		chains(keys, n, 18, key_rnd(), &longest, &empty);
		fprintf(stderr, "  shape %d: longest chain %u, %.1f %% empty\n", shape, longest,
			100 * empty);
		CHECK(longest <= 10);
		CHECK(empty > 0.595 && empty < 0.62);
	}
	free(keys);
}

int main(void)
{
	test_icmp_error_quote();
	test_icmp_keying();
	test_community_id();
	test_community_id_memo();
	test_handshake_and_fin();
	test_synack_first_and_rst();
	test_eviction_and_order();
	test_flood_spares_sessions();
	test_full_of_sessions();
	test_capture_clock();
	test_flow_id_independent_of_seed();
	test_inline_key_plain();
	test_hash_chains();
	sl_flow_table_destroy(NULL);
	return TEST_REPORT();
}
