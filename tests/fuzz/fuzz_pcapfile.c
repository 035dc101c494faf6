/* Fuzz harness of the classic pcap reader (sensor/capture/pcapfile.c): the
 * input is a capture file.  Whatever the reader accepts, libpcap must read
 * too, record for record, up to where the reader hands over to libpcap. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sensor/capture/capture_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/sl-fuzz-pcapfile-%d", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	struct sl_pcapfile a;
	if (sl_pcapfile_open(path, &a) == 0) {
		char ebuf[PCAP_ERRBUF_SIZE];
		pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
								    ebuf);
		struct pcap_pkthdr h, *lh;
		const uint8_t *d, *ld;
		if (!p)
			abort(); /* a header we accept, libpcap must too */
		while (sl_pcapfile_next(&a, &h, &d) == 1)
			if (pcap_next_ex(p, &lh, &ld) != 1 || lh->caplen != h.caplen ||
			    lh->len != h.len || lh->ts.tv_sec != h.ts.tv_sec ||
			    lh->ts.tv_usec != h.ts.tv_usec || memcmp(ld, d, h.caplen) != 0)
				abort();
		pcap_close(p);
		sl_pcapfile_close(&a);
	}
	unlink(path);
	return 0;
}
