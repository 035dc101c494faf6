/* Unit tests for the tinc detector (sensor/proto/tinc.c): ID requests per
 * tinc's meta-protocol description from both sides over TCP; one side,
 * malformed lines, truncations and random bytes must stay unnamed.  The
 * UDP data channel is named only after its meta connection, both ways. */
#include <stdio.h>

#include "protohelp.h"
#include "testhelp.h"

static const char *run(const char *cli, const char *srv, bool meta)
{
	static char got[32];
	struct ph h;
	ph_init(&h, 6, "131.114.168.27", 59244, "185.83.218.112", 655);
	ph_feed(&h, SL_DIR_TOSERVER, cli, strlen(cli));
	if (srv)
		ph_feed(&h, SL_DIR_TOCLIENT, srv, strlen(srv));
	if (meta) {
		static const char mk[] = "1 94 64 0 0 6B259709B2ADD0898BB8A987AA339FDF\n";
		ph_feed(&h, SL_DIR_TOSERVER, mk, sizeof(mk) - 1);
	}
	const char *ap = ph_str(&h, "app_proto");
	snprintf(got, sizeof(got), "%s", ap ? ap : "-");
	if (ap) {
		CHECK_EQ_STR(ph_str(&h, "app"), "tinc");
		CHECK_EQ_STR(ph_str(&h, "category"), "vpn");
		CHECK_EQ_STR(ph_str(&h, "tinc.client_name"), "think");
		CHECK_EQ_STR(ph_str(&h, "tinc.server_name"), "iniz_2");
	}
	ph_finish(&h);
	return got;
}

/* A UDP flow on the dispatcher h after h's meta connection ended: sends
 * to_srv packets from the meta client and to_cli back; app_proto or "-". */
static const char *udp_after_meta(struct ph *h, const char *cli, uint16_t cport,
				  const char *srv, uint16_t sport, int to_srv, int to_cli)
{
	static char got[32];
	static const uint8_t data[40] = { 0x32, 0x78, 0x9c, 0xcf, 0xd6, 0x5a, 0x8e, 0x33 };
	ph_end(h);
	sl_dispatch_flow_free(h->d, &h->flow);
	memset(&h->flow, 0, sizeof(h->flow));
	h->ended = false;
	sl_addr_parse(cli, &h->flow.cli);
	sl_addr_parse(srv, &h->flow.srv);
	h->flow.cport = cport;
	h->flow.sport = sport;
	h->flow.proto = 17;
	for (int i = 0; i < to_srv; i++)
		ph_feed(h, SL_DIR_TOSERVER, data, sizeof(data));
	for (int i = 0; i < to_cli; i++)
		ph_feed(h, SL_DIR_TOCLIENT, data, sizeof(data));
	const char *ap = ph_str(h, "app_proto");
	snprintf(got, sizeof(got), "%s", ap ? ap : "-");
	if (ap) {
		CHECK_EQ_STR(ph_str(h, "app"), "tinc");
		CHECK_EQ_STR(ph_str(h, "category"), "vpn");
		CHECK(ph_str(h, "tinc.client_name") == NULL);
	}
	return got;
}

static const char *udp_case(bool meta_done, const char *cli, uint16_t cport, const char *srv,
			    uint16_t sport, int to_srv, int to_cli)
{
	static char got[32];
	struct ph h;
	ph_init(&h, 6, "131.114.168.27", 59244, "185.83.218.112", 55655);
	ph_feed(&h, SL_DIR_TOSERVER, "0 think 17\n", 11);
	if (meta_done)
		ph_feed(&h, SL_DIR_TOCLIENT, "0 iniz_2 17\n", 12);
	snprintf(got, sizeof(got), "%s", udp_after_meta(&h, cli, cport, srv, sport, to_srv, to_cli));
	ph_finish(&h);
	return got;
}

static void test_udp_channel(void)
{
	/* as in nDPI's tinc.pcap: both daemons send from their port 55655 */
	CHECK_EQ_STR(udp_case(true, "131.114.168.27", 55655, "185.83.218.112", 55655, 2, 1), "tinc");
	/* the flow's sides the other way round */
	CHECK_EQ_STR(udp_case(true, "185.83.218.112", 55655, "131.114.168.27", 40000, 1, 1), "tinc");
	/* one direction only */
	CHECK_EQ_STR(udp_case(true, "131.114.168.27", 55655, "185.83.218.112", 55655, 3, 0), "-");
	/* the meta connection was never confirmed by the server */
	CHECK_EQ_STR(udp_case(false, "131.114.168.27", 55655, "185.83.218.112", 55655, 2, 2), "-");
	/* another port on the meta server, another host */
	CHECK_EQ_STR(udp_case(true, "131.114.168.27", 55655, "185.83.218.112", 53, 2, 2), "-");
	CHECK_EQ_STR(udp_case(true, "131.114.168.28", 55655, "185.83.218.112", 55655, 2, 2), "-");
}

int main(void)
{
	test_udp_channel();
	CHECK_EQ_STR(run("0 think 17\n", "0 iniz_2 17\n", true), "tinc");
	CHECK_EQ_STR(run("0 think 17.7\n", "0 iniz_2 17.7\r\n", false), "tinc");
	/* one side only */
	CHECK_EQ_STR(run("0 think 17\n", NULL, true), "-");
	/* wrong request number, major, name characters, missing parts */
	CHECK_EQ_STR(run("1 think 17\n", "0 iniz_2 17\n", false), "-");
	CHECK_EQ_STR(run("0 think 18\n", "0 iniz_2 17\n", false), "-");
	CHECK_EQ_STR(run("0 th-nk 17\n", "0 iniz_2 17\n", false), "-");
	CHECK_EQ_STR(run("0 think 17.\n", "0 iniz_2 17\n", false), "-");
	CHECK_EQ_STR(run("0 think\n", "0 iniz_2 17\n", false), "-");
	CHECK_EQ_STR(run("0  17\n", "0 iniz_2 17\n", false), "-");
	/* truncated: no line end */
	CHECK_EQ_STR(run("0 think 17", "0 iniz_2 17", false), "-");
	/* random bytes starting like an ID request */
	uint32_t rnd = 31337;
	for (int round = 0; round < 30; round++) {
		char a[40], b[40];
		for (size_t k = 0; k < sizeof(a) - 1; k++) {
			a[k] = (char)(1 + ((rnd = rnd * 1103515245u + 12345u) >> 16) % 255);
			b[k] = (char)(1 + ((rnd = rnd * 1103515245u + 12345u) >> 16) % 255);
		}
		a[0] = b[0] = '0', a[1] = b[1] = ' ', a[2] = b[2] = 'x';
		a[39] = b[39] = '\0';
		CHECK_EQ_STR(run(a, b, false), "-");
	}
	return TEST_REPORT();
}
