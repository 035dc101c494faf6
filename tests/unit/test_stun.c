/* Unit tests for STUN (sensor/proto/stun.c) and the Chrome Remote Desktop
 * association of WebRTC flows (sensor/identify/assoc.c). */
#include "dnsbuild.h"
#include "testhelp.h"

static const uint8_t txid[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

/* Binding request (RFC 5389 §6) with a SOFTWARE attribute. */
static size_t binding_request(uint8_t *p, const uint8_t *id)
{
	static const uint8_t hdr[] = { 0x00, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42 };
	memcpy(p, hdr, 8);
	memcpy(p + 8, id, 12);
	memcpy(p + 20, "\x80\x22\x00\x08" "crd-host", 12);
	return 32;
}

/* Success response echoing id, XOR-MAPPED-ADDRESS 192.0.2.77:40001. */
static size_t binding_success(uint8_t *p, const uint8_t *id)
{
	static const uint8_t hdr[] = { 0x01, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42 };
	memcpy(p, hdr, 8);
	memcpy(p + 8, id, 12);
	uint8_t a[12] = { 0x00, 0x20, 0x00, 0x08, 0x00, 0x01 };
	uint16_t port = 40001 ^ 0x2112;
	a[6] = (uint8_t)(port >> 8);
	a[7] = (uint8_t)port;
	static const uint8_t ip[4] = { 192, 0, 2, 77 }, ck[4] = { 0x21, 0x12, 0xa4, 0x42 };
	for (int i = 0; i < 4; i++)
		a[8 + i] = ip[i] ^ ck[i];
	memcpy(p + 20, a, 12);
	return 32;
}

static void test_binding(void)
{
	TEST("stun: binding request answered with its transaction id; mapped address");
	struct ph h;
	uint8_t q[64], r[64];
	ph_init(&h, 17, "10.77.0.2", 50000, "198.51.100.30", 19302);
	ph_feed(&h, SL_DIR_TOSERVER, q, binding_request(q, txid));
	ph_feed(&h, SL_DIR_TOCLIENT, r, binding_success(r, txid));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "stun");
	CHECK_EQ_STR(ph_str(&h, "stun.software"), "crd-host");
	const struct sl_value *v = ph_get(&h, "stun.mapped_ip");
	char buf[64] = "";
	if (v)
		sl_addr_format(&v->ip, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "192.0.2.77");
	CHECK(ph_str(&h, "app") == NULL); /* STUN alone names no product */
	ph_finish(&h);
}

static void test_not_stun(void)
{
	TEST("stun: no answer, wrong transaction id, wrong cookie, bad length: not stun");
	struct ph h;
	uint8_t q[64], r[64];
	static const uint8_t other[12] = { 9 };
	ph_init(&h, 17, "10.77.0.2", 50000, "198.51.100.30", 3478);
	ph_feed(&h, SL_DIR_TOSERVER, q, binding_request(q, txid));
	ph_feed(&h, SL_DIR_TOCLIENT, r, binding_success(r, other));
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	ph_init(&h, 17, "10.77.0.2", 50000, "198.51.100.30", 3478);
	ph_feed(&h, SL_DIR_TOSERVER, q, binding_request(q, txid));
	ph_feed(&h, SL_DIR_TOSERVER, r, binding_success(r, txid)); /* same side answers */
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	ph_init(&h, 17, "10.77.0.2", 50000, "198.51.100.30", 3478);
	binding_request(q, txid);
	q[4] = 0x22;
	ph_feed(&h, SL_DIR_TOSERVER, q, 32);
	binding_success(r, txid);
	ph_feed(&h, SL_DIR_TOCLIENT, r, 31);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

/* A STUN exchange from cli on the dispatcher of h, `after` µs past h's
 * clock; returns the app it got (or "-"). */
static const char *stun_flow(struct ph *h, const char *cli, sl_time_us after)
{
	static char out[64];
	struct ph s;
	uint8_t q[64], r[64];
	ph_init(&s, 17, cli, 51000, "198.51.100.30", 19302);
	ph_share(&s, h);
	s.now = h->now + after;
	ph_feed(&s, SL_DIR_TOSERVER, q, binding_request(q, txid));
	ph_feed(&s, SL_DIR_TOCLIENT, r, binding_success(r, txid));
	const char *app = ph_str(&s, "app");
	snprintf(out, sizeof(out), "%s/%s", app ? app : "-",
		 ph_str(&s, "app_source") ? ph_str(&s, "app_source") : "-");
	if (app)
		CHECK_EQ_STR(ph_str(&s, "category"), "remote-access");
	sl_dispatch_flow_free(s.d, &s.flow);
	sl_config_finish(&s.cfg);
	return out;
}

static void test_crd_association(void)
{
	TEST("assoc: STUN after a CRD name from the same host is chrome-remote-desktop");
	struct ph h;
	const char *req = "GET / HTTP/1.1\r\nHost: remotedesktop-pa.googleapis.com\r\n\r\n";
	ph_init(&h, 6, "10.77.0.2", 40000, "198.51.100.22", 80);
	ph_feed(&h, SL_DIR_TOSERVER, req, strlen(req));
	ph_feed(&h, SL_DIR_TOCLIENT, "HTTP/1.1 200 OK\r\n\r\n", 19);
	h.flow.inspect_done = false; /* the signalling flow is still open */
	for (int i = 0; i < 100 && !h.flow.inspect_done; i++)
		ph_feed(&h, SL_DIR_TOCLIENT, "x", 1);
	CHECK(h.flow.inspect_done);
	CHECK_EQ_STR(stun_flow(&h, "10.77.0.2", 30 * SL_US_PER_SEC), "chrome-remote-desktop/association");
	CHECK_EQ_STR(stun_flow(&h, "10.77.0.3", 30 * SL_US_PER_SEC), "-/-"); /* another host: a video call */
	CHECK_EQ_STR(stun_flow(&h, "10.77.0.2", 3600 * SL_US_PER_SEC), "-/-"); /* an hour later */
	CHECK_EQ_STR(ph_str(&h, "app"), "chrome-remote-desktop");
	ph_finish(&h);
}

/* WebRTC multiplexing (RFC 7983): a DTLS record between the request and
 * its answer is another protocol on the port pair, not the end of STUN. */
static void test_dtls_before_answer(void)
{
	TEST("stun: a DTLS record before the answer is passed over");
	struct ph h;
	uint8_t q[64], r[64];
	static const uint8_t dtls[] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };
	ph_init(&h, 17, "10.77.0.2", 43002, "198.51.100.41", 12400);
	ph_feed(&h, SL_DIR_TOSERVER, q, binding_request(q, txid));
	ph_feed(&h, SL_DIR_TOCLIENT, dtls, sizeof(dtls));
	ph_feed(&h, SL_DIR_TOCLIENT, r, binding_success(r, txid));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "stun");
	CHECK(ph_get(&h, "stun.mapped_ip") != NULL);
	ph_finish(&h);
}

int main(void)
{
	test_dtls_before_answer();
	test_binding();
	test_not_stun();
	test_crd_association();
	return TEST_REPORT();
}
