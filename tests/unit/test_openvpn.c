/* Unit tests for the OpenVPN detector (sensor/proto/openvpn.c): control
 * packets built here per the OpenVPN protocol overview (plain, tls-auth
 * with several HMAC sizes, tls-crypt; UDP and TCP), fed through the real
 * dispatcher; random bytes and inconsistent sessions must stay unnamed;
 * the TLS handshake in the control channel gives the flow's tls.* facts. */
#include "protohelp.h"
#include "testhelp.h"
#include "tlsbuild.h"

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
	const uint8_t *data;  /* the payload, or NULL for filler */
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
	if (c->data)
		memcpy(o + n, c->data, c->body);
	else
		memset(o + n, 0x16, c->body);
	return n + (c->op == 5 ? 0 : c->body);
}

static void send(struct ph *h, enum sl_dir d, const struct ctl *c)
{
	uint8_t b[2048];
	ph_feed(h, d, b, build(b, c));
}

/* Client reset, server reset acking it, client ACK, client control. */
static void reset_handshake(int hmac, const char *mode)
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

/* The TLS stream of one side cut into P_CONTROL_V1 packets of piece
 * bytes, message ids from 1; order[] gives the sending order (an id sent
 * twice is a retransmission).  TCP: every packet behind its 2-byte length,
 * the whole stream fed in 700-byte segments. */
struct tls_side {
	enum sl_dir dir;
	const uint8_t *sid, *remote;
	int hmac;
	uint32_t *replay;
};

static void send_stream(struct ph *h, const struct tls_side *sd, const struct buf *tls, size_t piece,
			const unsigned *order, size_t norder)
{
	static uint8_t stream[16384];
	size_t sn = 0;
	for (size_t i = 0; i < norder; i++) {
		size_t off = (order[i] - 1) * piece, k = tls->n - off < piece ? tls->n - off : piece;
		struct ctl c = { 4, sd->sid, sd->hmac, ++*sd->replay, sd->remote, order[i], order[i], k,
				 tls->b + off };
		if (h->flow.proto == 17) {
			send(h, sd->dir, &c);
			continue;
		}
		size_t n = build(stream + sn + 2, &c);
		stream[sn] = (uint8_t)(n >> 8), stream[sn + 1] = (uint8_t)n;
		sn += n + 2;
	}
	for (size_t off = 0; off < sn; off += 700)
		ph_feed(h, sd->dir, stream + off, sn - off < 700 ? sn - off : 700);
}

/* One packet, behind its 2-byte length on TCP. */
static void send_one(struct ph *h, enum sl_dir d, const struct ctl *c)
{
	uint8_t b[256];
	size_t n = build(b + 2, c);
	if (h->flow.proto == 6) {
		b[0] = (uint8_t)(n >> 8), b[1] = (uint8_t)n;
		ph_feed(h, d, b, n + 2);
	} else {
		ph_feed(h, d, b + 2, n);
	}
}

/* Resets, the client's hello in 3 pieces, the server's TLS 1.2 flight
 * (hello, two certificates, done) in pieces sent out of order and once
 * again, the client's next flight. */
static void control_tls(uint8_t proto, int hmac, const char *mode)
{
	static struct buf cf, sf;
	static const unsigned corder[] = { 1, 2, 3 }, sorder[] = { 2, 1, 1, 3, 4, 5, 6, 7, 8 };
	char sha1[41];
	uint32_t creplay = 0, sreplay = 0;
	struct ph h;
	client_flight(&cf, false, 16384);
	tls12_flight(&sf, "Test CA", sha1);
	CHECK(cf.n <= 3 * 300 && sf.n <= 8 * 300);
	ph_init(&h, proto, "10.0.0.2", 40000, "198.51.100.1", 1194);
	send_one(&h, SL_DIR_TOSERVER, &(struct ctl){ 7, CSID, hmac, ++creplay, NULL, 0, 0, 0, NULL });
	send_one(&h, SL_DIR_TOCLIENT, &(struct ctl){ 8, SSID, hmac, ++sreplay, CSID, 0, 0, 0, NULL });
	struct tls_side cs = { SL_DIR_TOSERVER, CSID, SSID, hmac, &creplay };
	struct tls_side ss = { SL_DIR_TOCLIENT, SSID, CSID, hmac, &sreplay };
	send_stream(&h, &cs, &cf, 300, corder, ARRAY_SIZE(corder));
	send_stream(&h, &ss, &sf, 300, sorder, ARRAY_SIZE(sorder));
	static const uint8_t cke[] = { 0x16, 0x03, 0x03, 0x00, 0x01, 0x10 }; /* ClientKeyExchange */
	send_one(&h, SL_DIR_TOSERVER, &(struct ctl){ 4, CSID, hmac, ++creplay, SSID, 8, 4, sizeof(cke), cke });
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "openvpn");
	CHECK_EQ_STR(ph_str(&h, "openvpn.mode"), mode);
	CHECK_EQ_STR(ph_str(&h, "tls.sni"), "www.iit.cnr.it");
	CHECK_EQ_STR(ph_str(&h, "tls.ja3.hash"), "aa50c12a5dfa717d9d6ab34e97de79d5");
	CHECK_EQ_STR(ph_str(&h, "tls.ja4"), "t13d1516h2_8daaf6152771_e5627efa2ab1");
	CHECK_EQ_STR(ph_str(&h, "tls.ja3s.hash"), "5d79edf64e03689ff559a54e9d9487bc");
	CHECK_EQ_STR(ph_str(&h, "tls.version"), "TLS 1.2");
	CHECK_EQ_STR(ph_str(&h, "tls.cert.issuer"), "CN=Test CA");
	CHECK_EQ_STR(ph_str(&h, "tls.cert.sha1"), sha1);
	ph_finish(&h);
}

static void test_control_tls(void)
{
	TEST("openvpn: the TLS handshake of the control channel, reassembled by packet id");
	control_tls(17, 0, "plain");
	control_tls(17, 20, "tls-auth");
	control_tls(17, 32, "tls-auth");
	control_tls(6, 0, "plain");
	control_tls(6, 20, "tls-auth");
}

int main(void)
{
	reset_handshake(0, "plain");
	reset_handshake(16, "tls-auth");
	reset_handshake(20, "tls-auth");
	reset_handshake(32, "tls-auth");
	reset_handshake(64, "tls-auth");
	test_tls_crypt();
	test_tcp();
	test_one_side();
	test_random();
	test_negative();
	test_control_tls();
	return TEST_REPORT();
}
