/* Unit tests for the OpenVPN detector (sensor/proto/openvpn.c): control
 * packets built here per the OpenVPN protocol overview (plain, tls-auth
 * with several HMAC sizes, tls-crypt; UDP and TCP), fed through the real
 * dispatcher; random bytes and inconsistent sessions must stay unnamed. */
#include "protohelp.h"
#include "testhelp.h"

#define CRYPT (-1)

static const uint8_t CSID[8] = { 0x33, 0x48, 0x57, 0x70, 0x3d, 0x96, 0xdb, 0x39 };
static const uint8_t SSID[8] = { 0xd3, 0x1c, 0x3a, 0x69, 0x64, 0x60, 0x2f, 0xa0 };

static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
	return 4;
}

struct ctl {
	unsigned op;
	const uint8_t *sid;
	int hmac;             /* 0 plain, 16/20/32/64 tls-auth, CRYPT tls-crypt */
	uint32_t replay;      /* tls-auth/tls-crypt packet id */
	const uint8_t *remote; /* acked peer session id, or NULL (no acks) */
	uint32_t ack;
	uint32_t msg;
	size_t body;          /* payload bytes after the message packet id */
};

/* One control packet as the protocol overview lays it out. */
static size_t build(uint8_t *o, const struct ctl *c)
{
	size_t n = 0;
	o[n++] = (uint8_t)(c->op << 3);
	memcpy(o + n, c->sid, 8), n += 8;
	if (c->hmac) {
		if (c->hmac > 0)
			memset(o + n, 0xa5, (size_t)c->hmac), n += (size_t)c->hmac;
		n += put32(o + n, c->replay);
		n += put32(o + n, 1772460000u);
		if (c->hmac == CRYPT) { /* tag and ciphertext: opaque */
			for (size_t i = 0; i < 32 + 13 + c->body; i++)
				o[n++] = (uint8_t)(i * 37 + 11);
			return n;
		}
	}
	o[n++] = c->remote ? 1 : 0;
	if (c->remote) {
		n += put32(o + n, c->ack);
		memcpy(o + n, c->remote, 8), n += 8;
	}
	if (c->op != 5)
		n += put32(o + n, c->msg);
	memset(o + n, 0x16, c->body);
	return n + (c->op == 5 ? 0 : c->body);
}

static void send(struct ph *h, enum sl_dir d, const struct ctl *c)
{
	uint8_t b[512];
	ph_feed(h, d, b, build(b, c));
}

/* Client reset, server reset acking it, client ACK, client control. */
static void handshake(int hmac, const char *mode)
{
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 1194);
	send(&h, SL_DIR_TOSERVER, &(struct ctl){ 7, CSID, hmac, 1, NULL, 0, 0, 0 });
	send(&h, SL_DIR_TOCLIENT, &(struct ctl){ 8, SSID, hmac, 1, CSID, 0, 0, 0 });
	send(&h, SL_DIR_TOSERVER, &(struct ctl){ 5, CSID, hmac, 2, SSID, 0, 0, 0 });
	send(&h, SL_DIR_TOSERVER, &(struct ctl){ 4, CSID, hmac, 3, NULL, 0, 1, 200 });
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "openvpn");
	CHECK_EQ_STR(ph_str(&h, "app"), "openvpn");
	CHECK_EQ_STR(ph_str(&h, "category"), "vpn");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	CHECK_EQ_STR(ph_str(&h, "openvpn.opcode_first"), "P_CONTROL_HARD_RESET_CLIENT_V2");
	CHECK_EQ_STR(ph_str(&h, "openvpn.session_id"), "334857703d96db39");
	CHECK_EQ_STR(ph_str(&h, "openvpn.mode"), mode);
	ph_finish(&h);
}

static void test_tls_crypt(void)
{
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 1194);
	send(&h, SL_DIR_TOSERVER, &(struct ctl){ 10, CSID, CRYPT, 1, NULL, 0, 0, 300 });
	send(&h, SL_DIR_TOCLIENT, &(struct ctl){ 8, SSID, CRYPT, 1, NULL, 0, 0, 0 });
	CHECK(ph_str(&h, "app_proto") == NULL); /* resets alone are not enough */
	ph_finish(&h);
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 1194);
	send(&h, SL_DIR_TOSERVER, &(struct ctl){ 10, CSID, CRYPT, 1, NULL, 0, 0, 300 });
	send(&h, SL_DIR_TOCLIENT, &(struct ctl){ 8, SSID, CRYPT, 1, NULL, 0, 0, 0 });
	send(&h, SL_DIR_TOSERVER, &(struct ctl){ 5, CSID, CRYPT, 2, NULL, 0, 0, 0 });
	send(&h, SL_DIR_TOCLIENT, &(struct ctl){ 4, SSID, CRYPT, 2, NULL, 0, 0, 100 });
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "openvpn");
	CHECK_EQ_STR(ph_str(&h, "openvpn.mode"), "tls-crypt");
	CHECK_EQ_STR(ph_str(&h, "openvpn.opcode_first"), "P_CONTROL_HARD_RESET_CLIENT_V3");
	ph_finish(&h);
}

/* TCP: 2-byte lengths; two records in one segment, one record split. */
static void test_tcp(void)
{
	uint8_t b[1024];
	size_t n;
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	n = build(b + 2, &(struct ctl){ 7, CSID, 0, 0, NULL, 0, 0, 0 });
	b[0] = 0, b[1] = (uint8_t)n;
	ph_feed(&h, SL_DIR_TOSERVER, b, n + 2);
	size_t a = build(b + 2, &(struct ctl){ 8, SSID, 0, 0, CSID, 0, 0, 0 });
	b[0] = 0, b[1] = (uint8_t)a;
	size_t c = build(b + a + 4, &(struct ctl){ 4, SSID, 0, 0, NULL, 0, 1, 600 });
	b[a + 2] = (uint8_t)(c >> 8), b[a + 3] = (uint8_t)c;
	ph_feed(&h, SL_DIR_TOCLIENT, b, a + 2 + 100); /* the control record runs on */
	ph_feed(&h, SL_DIR_TOCLIENT, b + a + 102, c + 2 - 100);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "openvpn");
	CHECK_EQ_STR(ph_str(&h, "openvpn.mode"), "plain");
	ph_finish(&h);
}

/* Only the client side captured: reset, ACK and controls of one session;
 * three packets are not enough, four are. */
static void one_side(int npkts, const char *want)
{
	static const struct ctl seq[] = {
		{ 7, CSID, 0, 0, NULL, 0, 0, 0 },
		{ 5, CSID, 0, 0, SSID, 0, 0, 0 },
		{ 4, CSID, 0, 0, NULL, 0, 1, 280 },
		{ 5, CSID, 0, 0, SSID, 1, 0, 0 },
	};
	struct ph h;
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 443);
	for (int i = 0; i < npkts; i++)
		send(&h, SL_DIR_TOSERVER, &seq[i]);
	const char *got = ph_str(&h, "app_proto");
	if (want)
		CHECK_EQ_STR(got, want);
	else
		CHECK(got == NULL);
	ph_finish(&h);
}

static void test_one_side(void)
{
	one_side(3, NULL);
	one_side(4, "openvpn");
}

static uint32_t rnd = 12345;
static uint8_t next_byte(void)
{
	rnd = rnd * 1103515245u + 12345u;
	return (uint8_t)(rnd >> 16);
}

/* Random datagrams on 1194, also ones whose first byte is a reset opcode. */
static void test_random(void)
{
	for (int round = 0; round < 50; round++) {
		struct ph h;
		ph_init(&h, (round & 1) ? 6 : 17, "10.0.0.2", 40000, "198.51.100.1", 1194);
		for (int i = 0; i < 12; i++) {
			uint8_t b[200];
			size_t n = 14 + next_byte() % 150;
			for (size_t k = 0; k < n; k++)
				b[k] = next_byte();
			if (i < 2) /* hard resets of each side, then noise */
				b[(round & 1) ? 2 : 0] = i == 0 ? 0x38 : 0x40;
			if (round & 1)
				b[0] = 0, b[1] = (uint8_t)(n - 2);
			ph_feed(&h, (i & 1) ? SL_DIR_TOCLIENT : SL_DIR_TOSERVER, b, n);
		}
		CHECK(ph_str(&h, "app_proto") == NULL);
		ph_finish(&h);
	}
}

static void test_negative(void)
{
	struct ph h;
	uint8_t b[64];
	/* both sides claim to be the client */
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 1194);
	send(&h, SL_DIR_TOSERVER, &(struct ctl){ 7, CSID, 0, 0, NULL, 0, 0, 0 });
	send(&h, SL_DIR_TOCLIENT, &(struct ctl){ 7, SSID, 0, 0, CSID, 0, 0, 0 });
	send(&h, SL_DIR_TOSERVER, &(struct ctl){ 4, CSID, 0, 0, NULL, 0, 1, 10 });
	send(&h, SL_DIR_TOCLIENT, &(struct ctl){ 4, SSID, 0, 0, NULL, 0, 1, 10 });
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	/* server acks another session id; later packets change session id */
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 1194);
	send(&h, SL_DIR_TOSERVER, &(struct ctl){ 7, CSID, 0, 0, NULL, 0, 0, 0 });
	send(&h, SL_DIR_TOCLIENT, &(struct ctl){ 8, SSID, 0, 0, SSID, 0, 0, 0 });
	send(&h, SL_DIR_TOSERVER, &(struct ctl){ 4, SSID, 0, 0, NULL, 0, 1, 10 });
	send(&h, SL_DIR_TOCLIENT, &(struct ctl){ 4, CSID, 0, 0, NULL, 0, 1, 10 });
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	/* truncated resets */
	ph_init(&h, 17, "10.0.0.2", 40000, "198.51.100.1", 1194);
	size_t n = build(b, &(struct ctl){ 7, CSID, 0, 0, NULL, 0, 0, 0 });
	ph_feed(&h, SL_DIR_TOSERVER, b, n - 1);
	n = build(b, &(struct ctl){ 8, SSID, 0, 0, CSID, 0, 0, 0 });
	ph_feed(&h, SL_DIR_TOCLIENT, b, 12);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

int main(void)
{
	handshake(0, "plain");
	handshake(16, "tls-auth");
	handshake(20, "tls-auth");
	handshake(32, "tls-auth");
	handshake(64, "tls-auth");
	test_tls_crypt();
	test_tcp();
	test_one_side();
	test_random();
	test_negative();
	return TEST_REPORT();
}
