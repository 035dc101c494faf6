/* Unit tests for the tinc detector (sensor/proto/tinc.c): ID requests per
 * tinc's meta-protocol description from both sides over TCP; one side,
 * malformed lines, truncations and random bytes must stay unnamed. */
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

int main(void)
{
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
