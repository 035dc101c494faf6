/* Unit tests for the SSTP detector (sensor/proto/sstp.c): the clear
 * SSTP_DUPLEX_POST request, a CALL_CONNECT_REQUEST control packet, and
 * near misses. */
#include "protohelp.h"
#include "testhelp.h"

static const char *app_of(const void *p, size_t n)
{
	static char got[32];
	struct ph h;
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	ph_feed(&h, SL_DIR_TOSERVER, p, n);
	const char *a = ph_str(&h, "app_proto");
	snprintf(got, sizeof(got), "%s", a ? a : "-");
	ph_finish(&h);
	return got;
}

int main(void)
{
	static const char req[] = "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ "
				  "HTTP/1.1\r\nHost: vpn.example\r\nContent-Length: 18446744073709551615\r\n\r\n";
	/* CALL_CONNECT_REQUEST with one Encapsulated Protocol ID attribute (PPP) */
	static const uint8_t ccr[14] = { 0x10, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01,
					 0x00, 0x01, 0x00, 0x06, 0x00, 0x01 };
	uint8_t bad[14];
	TEST("sstp: SSTP_DUPLEX_POST request and a control packet");
	CHECK_EQ_STR(app_of(req, strlen(req)), "sstp");
	CHECK_EQ_STR(app_of(ccr, sizeof(ccr)), "sstp");
	TEST("sstp: wrong URI, length, type or attribute length are not");
	CHECK_EQ_STR(app_of("SSTP_DUPLEX_POST /other/ HTTP/1.1\r\n\r\n", 36), "-");
	for (int k = 0; k < 3; k++) {
		memcpy(bad, ccr, sizeof(bad));
		bad[k == 0 ? 3 : k == 1 ? 5 : 11] = k == 1 ? 10 : 0x0f;
		CHECK_EQ_STR(app_of(bad, sizeof(bad)), "-");
	}
	CHECK_EQ_STR(app_of(ccr, 10), "-"); /* truncated */
	return TEST_REPORT();
}
