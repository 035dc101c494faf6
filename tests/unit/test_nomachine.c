/* NoMachine detector: the NXSH-/NXD- line exchange, split lines, and
 * negatives (one side only, a bad version, the wrong side's prefix). */
#include <string.h>

#include "protohelp.h"
#include "testhelp.h"

static void feed_s(struct ph *h, enum sl_dir d, const char *s)
{
	ph_feed(h, d, s, strlen(s));
}

static const char *run(const char *cli1, const char *cli2, const char *srv, struct ph *h)
{
	ph_init(h, 6, "10.0.0.2", 48084, "198.51.100.8", 4000);
	feed_s(h, SL_DIR_TOSERVER, cli1);
	if (cli2)
		feed_s(h, SL_DIR_TOSERVER, cli2);
	if (srv)
		feed_s(h, SL_DIR_TOCLIENT, srv);
	return ph_str(h, "app_proto");
}

/* A UDP datagram of the NX layout: type, 1, length, sequence. */
static void nx_dgram(uint8_t b[10], unsigned type, unsigned seq)
{
	memset(b, 0, 10);
	b[0] = (uint8_t)type, b[2] = 1, b[4] = 10, b[6] = (uint8_t)seq;
}

/* Client and server datagrams (type, seq) alternating; app_proto or NULL. */
static const char *udp_run(const unsigned (*c)[2], const unsigned (*s)[2], int n, struct ph *h)
{
	uint8_t b[10];
	ph_init(h, 17, "192.168.88.231", 56019, "192.168.88.208", 4000);
	for (int i = 0; i < n; i++) {
		nx_dgram(b, c[i][0], c[i][1]);
		ph_feed(h, SL_DIR_TOSERVER, b, sizeof(b));
		nx_dgram(b, s[i][0], s[i][1]);
		ph_feed(h, SL_DIR_TOCLIENT, b, sizeof(b));
	}
	return ph_str(h, "app_proto");
}

static void test_udp(void)
{
	struct ph h;
	static const unsigned cli[2][2] = { { 1, 0 }, { 1, 1 } }, srv[2][2] = { { 2, 0 }, { 2, 1 } };
	static const unsigned again[2][2] = { { 1, 0 }, { 1, 0 } };  /* sequence not rising */
	static const unsigned late[2][2] = { { 1, 3 }, { 1, 4 } };   /* first is not 0 */
	static const unsigned big[2][2] = { { 0x41, 0 }, { 0x41, 1 } }; /* no such type */
	CHECK_EQ_STR(udp_run(cli, srv, 2, &h), "nomachine");
	CHECK_EQ_STR(ph_str(&h, "app"), "nomachine");
	CHECK_EQ_STR(ph_str(&h, "category"), "remote-access");
	CHECK(ph_str(&h, "nomachine.client_version") == NULL);
	ph_finish(&h);
	CHECK(udp_run(cli, srv, 1, &h) == NULL); /* one each way is not enough */
	ph_finish(&h);
	CHECK(udp_run(cli, again, 2, &h) == NULL);
	ph_finish(&h);
	CHECK(udp_run(late, srv, 2, &h) == NULL);
	ph_finish(&h);
	CHECK(udp_run(cli, big, 2, &h) == NULL);
	ph_finish(&h);
	/* the length field must be the datagram's */
	uint8_t b[12];
	ph_init(&h, 17, "192.168.88.231", 56019, "192.168.88.208", 4000);
	for (unsigned i = 0; i < 3; i++) {
		nx_dgram(b, 1, i);
		b[10] = b[11] = 0;
		ph_feed(&h, SL_DIR_TOSERVER, b, sizeof(b));
		ph_feed(&h, SL_DIR_TOCLIENT, b, sizeof(b));
	}
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
}

int main(void)
{
	test_udp();
	struct ph h;
	CHECK_EQ_STR(run("NXSH-8.10.1\n", NULL, "NXD-8.10.1\n", &h), "nomachine");
	CHECK_EQ_STR(ph_str(&h, "app"), "nomachine");
	CHECK_EQ_STR(ph_str(&h, "category"), "remote-access");
	CHECK_EQ_STR(ph_str(&h, "nomachine.client_version"), "8.10.1");
	CHECK_EQ_STR(ph_str(&h, "nomachine.server_version"), "8.10.1");
	ph_finish(&h);

	CHECK_EQ_STR(run("NXSH-", "7.1.3\r\n", "NXD-7.0.211\r\n", &h), "nomachine");
	CHECK_EQ_STR(ph_str(&h, "nomachine.client_version"), "7.1.3");
	CHECK_EQ_STR(ph_str(&h, "nomachine.server_version"), "7.0.211");
	ph_finish(&h);

	CHECK(run("NXSH-8.10.1\n", NULL, NULL, &h) == NULL);
	ph_finish(&h);
	CHECK(run("NXSH-8.x\n", NULL, "NXD-8.10.1\n", &h) == NULL);
	ph_finish(&h);
	CHECK(run("NXSH-8.10.1\n", NULL, "NXSH-8.10.1\n", &h) == NULL);
	ph_finish(&h);
	CHECK(run("NXSH-8.10.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1", NULL, "NXD-8\n", &h) == NULL);
	ph_finish(&h);
	return TEST_REPORT();
}
