/* VNC/RFB detector: crafted handshakes for protocol 3.3, 3.7 and 3.8 (None,
 * VNC authentication, other types), a reverse connection, a failed
 * authentication, split segments and negatives. */
#include <string.h>

#include "protohelp.h"
#include "testhelp.h"

static const uint8_t challenge[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* ServerInit: 1920x1080, a 16-byte pixel format, the name. */
static size_t server_init(uint8_t *b, const char *name)
{
	size_t n = strlen(name);
	memset(b, 0, 24);
	b[0] = 1920 >> 8, b[1] = 1920 & 255, b[2] = 1080 >> 8, b[3] = 1080 & 255;
	b[4] = 32, b[5] = 24, b[7] = 1;
	b[23] = (uint8_t)n;
	memcpy(b + 24, name, n);
	return 24 + n;
}

static void feed_s(struct ph *h, enum sl_dir d, const char *s)
{
	ph_feed(h, d, s, strlen(s));
}

static void test_38_none(void)
{
	struct ph h;
	uint8_t b[128];
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.3", 5901);
	feed_s(&h, SL_DIR_TOCLIENT, "RFB 003.008\n");
	feed_s(&h, SL_DIR_TOSERVER, "RFB 003.008\n");
	static const uint8_t types[] = { 3, 1, 2, 19 }, choice[] = { 1 }, ok[] = { 0, 0, 0, 0 };
	ph_feed(&h, SL_DIR_TOCLIENT, types, sizeof(types));
	ph_feed(&h, SL_DIR_TOSERVER, choice, 1);
	ph_feed(&h, SL_DIR_TOCLIENT, ok, 4);
	ph_feed(&h, SL_DIR_TOSERVER, choice, 1); /* ClientInit: shared */
	size_t n = server_init(b, "kiosk:1 (alice)");
	ph_feed(&h, SL_DIR_TOCLIENT, b, n);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "vnc");
	CHECK_EQ_STR(ph_str(&h, "app"), "vnc");
	CHECK_EQ_STR(ph_str(&h, "category"), "remote-access");
	CHECK_EQ_STR(ph_str(&h, "vnc.server_version"), "003.008");
	CHECK_EQ_STR(ph_str(&h, "vnc.client_version"), "003.008");
	CHECK_EQ_STR(ph_str(&h, "vnc.security_types"), "none,vnc,vencrypt");
	CHECK_EQ_STR(ph_str(&h, "vnc.security_type"), "none");
	CHECK_EQ_STR(ph_str(&h, "vnc.auth_result"), "ok");
	CHECK_EQ_STR(ph_str(&h, "vnc.desktop_name"), "kiosk:1 (alice)");
	CHECK_EQ_INT(ph_u64(&h, "vnc.width"), 1920);
	CHECK_EQ_INT(ph_u64(&h, "vnc.height"), 1080);
	CHECK(ph_get(&h, "vnc.reverse") == NULL);
	ph_finish(&h);
}

/* The client answers 3.3 to a 3.8 server: the server picks the type (u32). */
static void test_33_vnc_auth(void)
{
	struct ph h;
	uint8_t b[128];
	ph_init(&h, 6, "10.0.0.2", 40001, "198.51.100.3", 5900);
	feed_s(&h, SL_DIR_TOCLIENT, "RFB 003.008\n");
	feed_s(&h, SL_DIR_TOSERVER, "RFB 003.003\n");
	static const uint8_t type[] = { 0, 0, 0, 2 }, ok[] = { 0, 0, 0, 0 }, shared[] = { 0 };
	/* type and challenge in one segment */
	memcpy(b, type, 4);
	memcpy(b + 4, challenge, 16);
	ph_feed(&h, SL_DIR_TOCLIENT, b, 20);
	ph_feed(&h, SL_DIR_TOSERVER, challenge, 16);
	ph_feed(&h, SL_DIR_TOCLIENT, ok, 4);
	ph_feed(&h, SL_DIR_TOSERVER, shared, 1);
	size_t n = server_init(b, "build-host");
	ph_feed(&h, SL_DIR_TOCLIENT, b, 10); /* split ServerInit */
	ph_feed(&h, SL_DIR_TOCLIENT, b + 10, n - 10);
	CHECK_EQ_STR(ph_str(&h, "vnc.client_version"), "003.003");
	CHECK(ph_get(&h, "vnc.security_types") == NULL);
	CHECK_EQ_STR(ph_str(&h, "vnc.security_type"), "vnc");
	CHECK_EQ_STR(ph_str(&h, "vnc.auth_result"), "ok");
	CHECK_EQ_STR(ph_str(&h, "vnc.desktop_name"), "build-host");
	ph_finish(&h);
}

/* Reverse connection (viewer listening on 5500): the TCP client is the RFB
 * server; authentication fails, so there is no ServerInit. */
static void test_reverse_failed(void)
{
	struct ph h;
	ph_init(&h, 6, "10.0.0.9", 40002, "203.0.113.5", 5500);
	feed_s(&h, SL_DIR_TOSERVER, "RFB 003.007\n");
	feed_s(&h, SL_DIR_TOCLIENT, "RFB 003.007\n");
	static const uint8_t types[] = { 1, 2 }, choice[] = { 2 }, bad[] = { 0, 0, 0, 1 };
	ph_feed(&h, SL_DIR_TOSERVER, types, sizeof(types));
	ph_feed(&h, SL_DIR_TOCLIENT, choice, 1);
	ph_feed(&h, SL_DIR_TOSERVER, challenge, 16);
	ph_feed(&h, SL_DIR_TOCLIENT, challenge, 16);
	ph_feed(&h, SL_DIR_TOSERVER, bad, 4);
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "vnc");
	const struct sl_value *v = ph_get(&h, "vnc.reverse");
	CHECK(v && v->b);
	CHECK_EQ_STR(ph_str(&h, "vnc.security_type"), "vnc");
	CHECK_EQ_STR(ph_str(&h, "vnc.auth_result"), "failed");
	CHECK(ph_get(&h, "vnc.desktop_name") == NULL);
	ph_finish(&h);
}

/* A type with its own exchange (Tight): nothing after the choice is read. */
static void test_other_type(void)
{
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40003, "198.51.100.3", 5900);
	feed_s(&h, SL_DIR_TOCLIENT, "RFB 003.008\n");
	feed_s(&h, SL_DIR_TOSERVER, "RFB 003.008\n");
	static const uint8_t types[] = { 2, 16, 130 }, choice[] = { 16 };
	ph_feed(&h, SL_DIR_TOCLIENT, types, sizeof(types));
	ph_feed(&h, SL_DIR_TOSERVER, choice, 1);
	ph_feed(&h, SL_DIR_TOCLIENT, "\0\0\0\0\0\0\0\0", 8);
	CHECK_EQ_STR(ph_str(&h, "vnc.security_types"), "tight,130");
	CHECK_EQ_STR(ph_str(&h, "vnc.security_type"), "tight");
	CHECK(ph_get(&h, "vnc.auth_result") == NULL);
	ph_finish(&h);
}

/* Negatives: a lone server banner, a client that answers something else,
 * a malformed banner; and a banner split over two segments still counts. */
static void test_negatives_and_split(void)
{
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40004, "198.51.100.3", 5900);
	feed_s(&h, SL_DIR_TOCLIENT, "RFB 003.008\n");
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);

	ph_init(&h, 6, "10.0.0.2", 40005, "198.51.100.3", 5900);
	feed_s(&h, SL_DIR_TOCLIENT, "RFB 003.008\n");
	feed_s(&h, SL_DIR_TOSERVER, "hello there\n");
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);

	ph_init(&h, 6, "10.0.0.2", 40006, "198.51.100.3", 5900);
	feed_s(&h, SL_DIR_TOCLIENT, "RFB 03.008\n\n");
	feed_s(&h, SL_DIR_TOSERVER, "RFB 003.008\n");
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);

	ph_init(&h, 6, "10.0.0.2", 40007, "198.51.100.3", 5900);
	feed_s(&h, SL_DIR_TOCLIENT, "RFB 00");
	feed_s(&h, SL_DIR_TOCLIENT, "3.889\n");
	feed_s(&h, SL_DIR_TOSERVER, "RFB 003.889\n");
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "vnc");
	CHECK_EQ_STR(ph_str(&h, "vnc.server_version"), "003.889");
	ph_finish(&h);
}

int main(void)
{
	test_38_none();
	test_33_vnc_auth();
	test_reverse_failed();
	test_other_type();
	test_negatives_and_split();
	return TEST_REPORT();
}
