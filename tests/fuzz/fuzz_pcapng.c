/* Fuzz harness of the pcapng reader (sensor/capture/pcapng.c): the input is
 * a capture file, read to its end or its first error.  Where libpcap reads
 * the same packets (one link type, stamps it can convert, lengths within
 * the snap length) they must agree record for record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sensor/capture/capture_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

/* A packet libpcap hands out unchanged, so the two can be compared. */
static bool comparable(const struct sl_pcapng_if *ifc, const struct pcap_pkthdr *h, pcap_t *p)
{
	return ifc->dlt == pcap_datalink(p) && ifc->units <= 1000000000u && ifc->offset == 0 &&
	       h->caplen <= 262144 && (ifc->snaplen == 0 || h->caplen <= ifc->snaplen) &&
	       h->ts.tv_sec >= 0;
}

static void against_libpcap(struct sl_pcapng *g)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	struct sl_pcapng_if *ifc;
	struct pcap_pkthdr h, *lh;
	const uint8_t *d, *ld;
	while (sl_pcapng_next(g, &h, &d, &ifc) == 1) {
		if (!p || !comparable(ifc, &h, p) || pcap_next_ex(p, &lh, &ld) != 1)
			break;
		if (lh->caplen != h.caplen || lh->len != h.len || lh->ts.tv_sec != h.ts.tv_sec ||
		    lh->ts.tv_usec != h.ts.tv_usec || memcmp(ld, d, h.caplen) != 0)
			abort();
	}
	volatile uint8_t sink = 0;
	while (sl_pcapng_next(g, &h, &d, &ifc) == 1) /* the rest, alone */
		if (h.caplen) /* touch both ends: ASan sees a record past the buffer */
			sink ^= (uint8_t)(d[0] ^ d[h.caplen - 1]);
	(void)sink;
	if (p)
		pcap_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/sl-fuzz-pcapng-%d", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	struct sl_pcapng g;
	if (sl_pcapng_open(path, &g) == 0)
		against_libpcap(&g);
	sl_pcapng_close(&g);
	unlink(path);
	return 0;
}
