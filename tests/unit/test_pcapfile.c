/* The pcap reader of sensor/capture/pcapfile.c against libpcap on files
 * written here: both byte orders, micro and nanosecond stamps, records that
 * straddle the read buffer, and the records where it must hand over to
 * libpcap (longer than the snap length, cut short at the end). */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sensor/capture/capture_priv.h"
#include "testhelp.h"

static uint32_t sw32(uint32_t v, bool swap)
{
	return swap ? __builtin_bswap32(v) : v;
}

static void put32(FILE *f, uint32_t v, bool swap)
{
	v = sw32(v, swap);
	fwrite(&v, 4, 1, f);
}

/* n records of varying sizes (some 60000 bytes, so records straddle the
 * 1 MB buffer), then an oversized or cut record when asked. */
static void write_file(const char *path, bool swap, bool nsec, unsigned n, int tail)
{
	FILE *f = fopen(path, "wb");
	uint16_t v2 = 2, v4 = 4;
	put32(f, nsec ? 0xa1b23c4du : 0xa1b2c3d4u, swap);
	if (swap)
		v2 = __builtin_bswap16(v2), v4 = __builtin_bswap16(v4);
	fwrite(&v2, 2, 1, f);
	fwrite(&v4, 2, 1, f);
	put32(f, 0, swap), put32(f, 0, swap), put32(f, 65535, swap), put32(f, 1, swap);
	static uint8_t data[70000];
	for (unsigned i = 0; i < n; i++) {
		uint32_t len = i % 7 == 0 ? 60000 : 60 + i % 1400;
		memset(data, (int)i, len);
		put32(f, 1700000000u + i, swap);
		put32(f, nsec ? i * 1000u + 999 : i, swap);
		put32(f, len, swap), put32(f, len + 4, swap);
		fwrite(data, 1, len, f);
	}
	if (tail == 1) { /* longer than the snap length */
		put32(f, 1, swap), put32(f, 0, swap), put32(f, 65536, swap), put32(f, 65536, swap);
		fwrite(data, 1, 65536, f);
	} else if (tail == 2) { /* cut short */
		put32(f, 1, swap), put32(f, 0, swap), put32(f, 500, swap), put32(f, 500, swap);
		fwrite(data, 1, 100, f);
	}
	fclose(f);
}

/* Both readers over path: every record the same; returns records read by
 * pcapfile.c and its last result. */
static int compare(const char *path, uint64_t *count)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	struct sl_pcapfile f;
	struct pcap_pkthdr h, *lh;
	const uint8_t *d, *ld;
	int got, bad = 0;
	if (!p || sl_pcapfile_open(path, &f) != 0)
		return -9;
	while ((got = sl_pcapfile_next(&f, &h, &d)) == 1) {
		if (pcap_next_ex(p, &lh, &ld) != 1 || lh->caplen != h.caplen || lh->len != h.len ||
		    lh->ts.tv_sec != h.ts.tv_sec || lh->ts.tv_usec != h.ts.tv_usec ||
		    memcmp(ld, d, h.caplen) != 0)
			bad++;
	}
	*count = f.index;
	sl_pcapfile_close(&f);
	pcap_close(p);
	return bad ? -8 : got;
}

int main(void)
{
	char path[] = "/tmp/sl-pcapfile-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	uint64_t n;
	for (int swap = 0; swap < 2; swap++)
		for (int nsec = 0; nsec < 2; nsec++) {
			TEST("clean file: every record as libpcap gives it");
			write_file(path, swap, nsec, 200, 0);
			CHECK_EQ_INT(compare(path, &n), 0);
			CHECK_EQ_INT(n, 200);
		}
	TEST("a record longer than the snap length: hand over at its index");
	write_file(path, false, false, 50, 1);
	CHECK_EQ_INT(compare(path, &n), -1);
	CHECK_EQ_INT(n, 50);
	TEST("a record cut short at the end: hand over at its index");
	write_file(path, true, false, 30, 2);
	CHECK_EQ_INT(compare(path, &n), -1);
	CHECK_EQ_INT(n, 30);
	TEST("not classic pcap: refused");
	FILE *f = fopen(path, "wb");
	fputs("\x0a\x0d\x0d\x0a not a pcap file at all, this is pcapng", f);
	fclose(f);
	struct sl_pcapfile pf;
	CHECK_EQ_INT(sl_pcapfile_open(path, &pf), -1);
	unlink(path);
	return TEST_REPORT();
}
