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

int main(void)
{
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
