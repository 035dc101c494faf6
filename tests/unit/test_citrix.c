/* Citrix ICA detector: the detect string from both sides, and the near
 * misses (one side only, a changed byte, a string that comes too late). */
#include <string.h>

#include "protohelp.h"
#include "testhelp.h"

static const uint8_t ica[6] = { 0x7f, 0x7f, 'I', 'C', 'A', 0x00 };

static void open_flow(struct ph *h)
{
	ph_init(h, 6, "10.0.0.2", 45225, "198.51.100.7", 1494);
}

int main(void)
{
	struct ph h;
	uint8_t init[20] = { 0x7f, 0x7f, 'I', 'C', 'A', 0x00, 0x0f, 0x00, 0x07 };

	/* server first (as on the wire), client echoes with its init appended */
	open_flow(&h);
	ph_feed(&h, SL_DIR_TOCLIENT, ica, sizeof(ica));
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_feed(&h, SL_DIR_TOSERVER, init, sizeof(init));
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "citrix");
	CHECK_EQ_STR(ph_str(&h, "app"), "citrix");
	CHECK_EQ_STR(ph_str(&h, "category"), "remote-access");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	ph_finish(&h);

	/* the server repeating it is not an answer */
	open_flow(&h);
	ph_feed(&h, SL_DIR_TOCLIENT, ica, sizeof(ica));
	ph_feed(&h, SL_DIR_TOCLIENT, ica, sizeof(ica));
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);

	/* a changed byte, a truncated string */
	uint8_t bad[6];
	memcpy(bad, ica, 6);
	bad[4] = 'B';
	open_flow(&h);
	ph_feed(&h, SL_DIR_TOCLIENT, ica, sizeof(ica));
	ph_feed(&h, SL_DIR_TOSERVER, bad, sizeof(bad));
	ph_feed(&h, SL_DIR_TOSERVER, ica, 5);
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);

	/* the string only after the connection's opening packets */
	open_flow(&h);
	for (int i = 0; i < 10; i++)
		ph_feed(&h, SL_DIR_TOSERVER, "hello", 5);
	ph_feed(&h, SL_DIR_TOCLIENT, ica, sizeof(ica));
	ph_feed(&h, SL_DIR_TOSERVER, ica, sizeof(ica));
	CHECK(ph_str(&h, "app_proto") == NULL);
	ph_finish(&h);
	return TEST_REPORT();
}
