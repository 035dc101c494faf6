/* Unit tests for the RustDesk rendezvous/relay detector (sensor/proto/rustdesk.c).
 * Messages are built from rendezvous.proto's field numbers by hand. */
#include "protohelp.h"
#include "testhelp.h"

struct msg {
	uint8_t b[512];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put_varint(struct msg *m, uint64_t v)
{
	do {
		uint8_t b = (uint8_t)(v & 0x7f);
		v >>= 7;
		m->b[m->n++] = (uint8_t)(b | (v ? 0x80 : 0));
	} while (v);
}

/* A length-delimited field (string, bytes, message). */
static void put_ld(struct msg *m, unsigned field, const void *p, size_t n)
{
	put_varint(m, (uint64_t)field << 3 | 2);
	put_varint(m, n);
	put(m, p, n);
}

static void put_uint(struct msg *m, unsigned field, uint64_t v)
{
	put_varint(m, (uint64_t)field << 3);
	put_varint(m, v);
}

/* RendezvousMessage{member = inner}, framed by bytes_codec when tcp. */
static struct msg rz(unsigned member, const struct msg *inner, bool tcp)
{
	struct msg top = { .n = 0 }, out = { .n = 0 };
	put_ld(&top, member, inner->b, inner->n);
	if (!tcp)
		return top;
	if (top.n <= 0x3f) {
		out.b[out.n++] = (uint8_t)(top.n << 2);
	} else {
		uint16_t h = (uint16_t)(top.n << 2 | 1);
		out.b[out.n++] = (uint8_t)h;
		out.b[out.n++] = (uint8_t)(h >> 8);
	}
	put(&out, top.b, top.n);
	return out;
}

static void check_rd(struct ph *h)
{
	CHECK_EQ_STR(ph_str(h, "app_proto"), "rustdesk");
	CHECK_EQ_STR(ph_str(h, "app"), "rustdesk");
	CHECK_EQ_STR(ph_str(h, "category"), "remote-access");
	CHECK_EQ_STR(ph_str(h, "app_source"), "wire");
}

static void test_nat_test(void)
{
	TEST("rustdesk: NAT test 14 a2 01 02 08 01 and its TestNatResponse on 21115");
	static const uint8_t req[] = { 0x14, 0xa2, 0x01, 0x02, 0x08, 0x01 };
	struct msg in = { .n = 0 };
	put_uint(&in, 1, 40000);
	struct msg resp = rz(21, &in, true);
	struct ph h;
	ph_init(&h, 6, "10.77.0.21", 50522, "198.51.100.30", 21115);
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req));
	ph_feed(&h, SL_DIR_TOCLIENT, resp.b, resp.n);
	check_rd(&h);
	ph_finish(&h);
}

static void test_udp_register(void)
{
	TEST("rustdesk: UDP RegisterPeer / RegisterPeerResponse on 21116");
	struct msg in = { .n = 0 }, out = { .n = 0 };
	put_ld(&in, 1, "123456789", 9);
	put_uint(&out, 2, 1);
	struct msg a = rz(6, &in, false), b = rz(7, &out, false);
	struct ph h;
	ph_init(&h, 17, "10.77.0.21", 40100, "198.51.100.30", 21116);
	ph_feed(&h, SL_DIR_TOSERVER, a.b, a.n);
	ph_feed(&h, SL_DIR_TOCLIENT, b.b, b.n);
	check_rd(&h);
	ph_finish(&h);
}

static void test_tcp_punch_hole(void)
{
	TEST("rustdesk: TCP PunchHoleRequest answered by a long PunchHoleResponse (2-byte header)");
	struct msg in = { .n = 0 }, out = { .n = 0 };
	uint8_t pk[64];
	memset(pk, 0xa5, sizeof(pk));
	put_ld(&in, 1, "987654321", 9);
	put_uint(&in, 2, 1);
	put_ld(&out, 1, "\xc6\x33\x64\x1e\x52\x09", 6);
	put_ld(&out, 2, pk, sizeof(pk));
	put_ld(&out, 4, "rs-ny.rustdesk.com", 18);
	struct msg a = rz(8, &in, true), b = rz(11, &out, true);
	CHECK((b.b[0] & 3) == 1);
	struct ph h;
	ph_init(&h, 6, "10.77.0.21", 50523, "198.51.100.30", 21116);
	ph_feed(&h, SL_DIR_TOSERVER, a.b, a.n);
	ph_feed(&h, SL_DIR_TOCLIENT, b.b, b.n);
	check_rd(&h);
	ph_finish(&h);
}

static void test_relay(void)
{
	TEST("rustdesk: RequestRelay on 21117, the peer's first framed protobuf back");
	struct msg in = { .n = 0 };
	put_ld(&in, 1, "987654321", 9);
	put_ld(&in, 2, "0b5e3b6e-7c1f-4b43-9a55-2f0e6c1d7a10", 36);
	put_ld(&in, 4, "198.51.100.30", 13);
	struct msg a = rz(18, &in, true);
	static const uint8_t peer[] = { 7 << 2, 0x1a, 0x05, 1, 2, 3, 4, 5 };
	struct ph h;
	ph_init(&h, 6, "10.77.0.21", 50524, "198.51.100.30", 21117);
	ph_feed(&h, SL_DIR_TOSERVER, a.b, a.n);
	ph_feed(&h, SL_DIR_TOCLIENT, peer, sizeof(peer));
	check_rd(&h);
	ph_finish(&h);

	/* without the relay request, the server's reply must be a RendezvousMessage */
	struct msg n = { .n = 0 };
	put_ld(&n, 1, "987654321", 9);
	struct msg c = rz(8, &n, true);
	ph_init(&h, 6, "10.77.0.21", 50525, "198.51.100.30", 21117);
	ph_feed(&h, SL_DIR_TOSERVER, c.b, c.n);
	ph_feed(&h, SL_DIR_TOCLIENT, peer, sizeof(peer));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);
}

static void random_bytes(uint8_t *b, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (uint8_t)(x >> 24);
	}
}

static void test_negative(void)
{
	TEST("rustdesk: random bytes, one direction, non-minimal header, truncation, bad member");
	static const uint8_t nat[] = { 0x14, 0xa2, 0x01, 0x02, 0x08, 0x01 };
	uint8_t rnd[2][96];
	struct ph h;
	for (uint32_t seed = 1; seed <= 64; seed++) {
		random_bytes(rnd[0], sizeof(rnd[0]), seed);
		random_bytes(rnd[1], sizeof(rnd[1]), seed * 7919u);
		for (int udp = 0; udp < 2; udp++) {
			ph_init(&h, udp ? 17 : 6, "10.77.0.21", 50600, "198.51.100.30", 21116);
			ph_feed(&h, SL_DIR_TOSERVER, rnd[0], sizeof(rnd[0]));
			ph_feed(&h, SL_DIR_TOCLIENT, rnd[1], sizeof(rnd[1]));
			CHECK(ph_str(&h, "app") == NULL);
			ph_finish(&h);
		}
	}

	ph_init(&h, 6, "10.77.0.21", 50601, "198.51.100.30", 21115);
	ph_feed(&h, SL_DIR_TOSERVER, nat, sizeof(nat));
	ph_feed(&h, SL_DIR_TOSERVER, nat, sizeof(nat));
	CHECK(ph_str(&h, "app") == NULL); /* the server never answered */
	ph_finish(&h);

	static const uint8_t wide[] = { 0x15, 0x00, 0xa2, 0x01, 0x02, 0x08, 0x01 };
	ph_init(&h, 6, "10.77.0.21", 50602, "198.51.100.30", 21115);
	ph_feed(&h, SL_DIR_TOSERVER, wide, sizeof(wide)); /* 2-byte header for 5 bytes */
	ph_feed(&h, SL_DIR_TOCLIENT, nat, sizeof(nat));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);

	ph_init(&h, 6, "10.77.0.21", 50603, "198.51.100.30", 21115);
	ph_feed(&h, SL_DIR_TOSERVER, nat, sizeof(nat) - 1); /* frame says 5, 4 follow */
	ph_feed(&h, SL_DIR_TOCLIENT, nat, sizeof(nat));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);

	static const uint8_t member5[] = { 0x10, 0x2a, 0x02, 0x08, 0x01 }; /* field 5: not in the oneof */
	ph_init(&h, 6, "10.77.0.21", 50604, "198.51.100.30", 21115);
	ph_feed(&h, SL_DIR_TOSERVER, member5, sizeof(member5));
	ph_feed(&h, SL_DIR_TOCLIENT, nat, sizeof(nat));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);

	static const uint8_t inner_group[] = { 0x14, 0xa2, 0x01, 0x02, 0x0b, 0x01 }; /* wire type 3 */
	ph_init(&h, 6, "10.77.0.21", 50605, "198.51.100.30", 21115);
	ph_feed(&h, SL_DIR_TOSERVER, inner_group, sizeof(inner_group));
	ph_feed(&h, SL_DIR_TOCLIENT, nat, sizeof(nat));
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_nat_test();
	test_udp_register();
	test_tcp_punch_hole();
	test_relay();
	test_negative();
	return TEST_REPORT();
}
