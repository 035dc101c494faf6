/* Unit tests for the dispatcher: the offering of non-TCP/UDP flows
 * (SL_L4_OTHER), decisive parsers and the end of inspection. */
#include "protohelp.h"
#include "testhelp.h"

/* ESP (IP protocol 50) reaches parsers that ask for SL_L4_OTHER, within
 * the UDP inspection limit. */
static void test_l4_other(void)
{
	TEST("dispatch: other IP protocols go to SL_L4_OTHER parsers, UDP limit applies");
	static const uint8_t a[12] = { 0, 0, 0x10, 0, 0, 0, 0, 1, 9, 9, 9, 9 };
	static const uint8_t b[12] = { 0, 0, 0x20, 0, 0, 0, 0, 1, 9, 9, 9, 9 };
	for (int limit = 1; limit <= 2; limit++) {
		struct ph h;
		ph_init(&h, 50, "10.0.0.2", 0, "198.51.100.1", 0);
		h.cfg.inspect.udp_packets = (uint32_t)limit;
		ph_feed(&h, SL_DIR_TOSERVER, a, sizeof(a));
		ph_feed(&h, SL_DIR_TOCLIENT, b, sizeof(b));
		if (limit == 1)
			CHECK(ph_str(&h, "app_proto") == NULL && h.flow.inspect_done);
		else
			CHECK_EQ_STR(ph_str(&h, "app_proto"), "esp");
		ph_finish(&h);
	}
	struct ph h;
	ph_init(&h, 1, "10.0.0.2", 0, "198.51.100.1", 0); /* ICMP: offered, nobody takes it */
	ph_feed(&h, SL_DIR_TOSERVER, a, sizeof(a));
	ph_feed(&h, SL_DIR_TOCLIENT, b, sizeof(b));
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

extern const struct sl_proto sl_proto_tls;

static const struct sl_dispatch_stats *stats(const struct ph *h)
{
	return sl_dispatch_stats(h->d);
}

/* UDP parsers that may still be probed at packet index, both first
 * payloads refused; and the packet after which the last of them gives up. */
static size_t udp_budgeted(uint64_t index, uint64_t *last)
{
	size_t n = 0;
	*last = 0;
	for (size_t i = 0; i < sl_proto_count(); i++) {
		const struct sl_proto *p = sl_proto_at(i);
		if (!(p->l4 & SL_L4_UDP))
			continue;
		n += index < p->probe_budget;
		*last = p->probe_budget > *last ? p->probe_budget : *last;
	}
	return n;
}

/* A UDP flow no parser recognises: once the first payload of each
 * direction has been refused, only parsers that declare a budget are asked
 * again, and when the last budget is spent inspection ends there, not at
 * the limit; later packets are not offered at all. */
static void test_decisive(void)
{
	TEST("dispatch: parsers decline after both first payloads; inspection ends early");
	static const uint8_t junk[16] = { 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
					  0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a };
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 40001);
	ph_feed(&h, SL_DIR_TOSERVER, junk, sizeof(junk));
	uint64_t offers = stats(&h)->offers, last;
	ph_feed(&h, SL_DIR_TOSERVER, junk, sizeof(junk)); /* same direction */
	CHECK_EQ_INT(stats(&h)->offers - offers, udp_budgeted(1, &last));
	ph_feed(&h, SL_DIR_TOCLIENT, junk, sizeof(junk)); /* the other's first */
	CHECK(stats(&h)->offers - offers > udp_budgeted(1, &last));
	CHECK(!h.flow.inspect_done && last > 3 && last < h.cfg.inspect.udp_packets);
	for (uint64_t i = 3; i < last; i++) {
		offers = stats(&h)->offers;
		ph_feed(&h, i & 1 ? SL_DIR_TOCLIENT : SL_DIR_TOSERVER, junk, sizeof(junk));
		CHECK_EQ_INT(stats(&h)->offers - offers, udp_budgeted(i, &last));
		CHECK(h.flow.inspect_done == (i + 1 == last));
	}
	CHECK(h.flow.inspect_done);
	CHECK_EQ_INT(stats(&h)->declines, stats(&h)->offers); /* every answer a no */
	CHECK_EQ_INT(stats(&h)->inspections_decided, 1);
	offers = stats(&h)->offers;
	ph_feed(&h, SL_DIR_TOSERVER, junk, sizeof(junk));
	CHECK_EQ_INT(stats(&h)->offers, offers);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

/* A parser with a probe budget (TLS: a ClientHello may follow a plaintext
 * negotiation such as RDP's) keeps a flow's inspection open that long, and
 * still recognises its protocol there; past the budget inspection ends. */
static void test_budget(void)
{
	TEST("dispatch: a declared probe budget keeps probing after both first payloads");
	static const uint8_t cli[] = "HELO example\r\n", srv[] = "220 ok\r\n";
	/* a TLS handshake record header: enough for the probe */
	static const uint8_t hello[] = { 22, 3, 1, 0, 5, 1, 0, 0, 1, 3 };
	for (int late = 0; late < 2; late++) {
		struct ph h;
		ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 5555);
		ph_feed(&h, SL_DIR_TOSERVER, cli, sizeof(cli) - 1);
		ph_feed(&h, SL_DIR_TOCLIENT, srv, sizeof(srv) - 1);
		CHECK(!h.flow.inspect_done);
		uint32_t n = 2;
		for (; late && n < sl_proto_tls.probe_budget; n++)
			ph_feed(&h, n & 1 ? SL_DIR_TOCLIENT : SL_DIR_TOSERVER, srv, sizeof(srv) - 1);
		CHECK(!!late == h.flow.inspect_done);
		uint64_t states = stats(&h)->states;
		ph_feed(&h, SL_DIR_TOSERVER, hello, sizeof(hello));
		/* within the budget TLS takes the flow; past it nobody is asked */
		CHECK_EQ_INT(stats(&h)->states, states + !late);
		ph_finish(&h);
	}
}


/* Parser state of one flow fed the given packets (TCP flags per packet; 0:
 * no payload either way), as the dispatcher counts it. */
static uint64_t state_of(uint8_t proto, const uint8_t *flags, size_t n, bool payload)
{
	static const uint8_t data[16] = { 0x17, 0x2a, 0x99 };
	struct ph h;
	ph_init(&h, proto, "10.0.0.2", 40000, "198.51.100.1", 443);
	for (size_t i = 0; i < n; i++) {
		h.flags = flags[i];
		ph_feed(&h, i % 2 ? SL_DIR_TOCLIENT : SL_DIR_TOSERVER, data, payload ? sizeof(data) : 0);
	}
	uint64_t bytes = stats(&h)->state_bytes_max;
	CHECK_EQ_INT(stats(&h)->state_bytes, bytes); /* nothing given back while it lives */
	ph_end(&h);
	ph_finish(&h);
	return bytes;
}

/* Per-flow state is made for what a flow carries, not for the flow: a
 * flood of payload-less flows costs a million times what one costs.  No
 * parser keeps anything for a TCP flow seen without SYN or payload (a
 * mid-stream ACK) or an empty UDP datagram; a SYN-only flow holds the TCP
 * parser's stack facts of the SYN (its state, at most 96 bytes, tcp.c),
 * the 16-byte state header and the flow's 64-byte parser record: 176
 * bytes.  (Before: 240, a malloc chunk header and padding on each.) */
static void test_state_without_payload(void)
{
	TEST("dispatch: flows without payload hold no parser state beyond the SYN's facts");
	static const uint8_t ack[2] = { SL_TCP_ACK, SL_TCP_ACK };
	static const uint8_t syn[1] = { SL_TCP_SYN };
	static const uint8_t synack[1] = { SL_TCP_SYN | SL_TCP_ACK };
	static const uint8_t none[2] = { 0, 0 };
	CHECK_EQ_INT(state_of(6, ack, 2, false), 0);
	CHECK_EQ_INT(state_of(17, none, 2, false), 0);
	CHECK_EQ_INT(state_of(50, none, 2, false), 0);
	uint64_t s = state_of(6, syn, 1, false);
	CHECK(s > 0 && s <= 176);
	CHECK_EQ_INT(state_of(6, synack, 1, false), s);
	CHECK_EQ_INT(state_of(6, syn, 1, false), s); /* a block given back is reused alike */
}

int main(void)
{
	test_l4_other();
	test_decisive();
	test_budget();
	test_state_without_payload();
	return TEST_REPORT();
}
