/* The physical limit for replay: a bare libpcap read loop (pcap_next_ex)
 * over the given files, touching one byte per packet so nothing is optimised
 * away.  Prints packets, bytes and seconds. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv);

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	unsigned long long pkts = 0, bytes = 0, sum = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 1; i < argc; i++) {
		char err[PCAP_ERRBUF_SIZE];
		pcap_t *p = pcap_open_offline(argv[i], err);
		if (!p) {
			fprintf(stderr, "%s: %s\n", argv[i], err);
			return 1;
		}
		struct pcap_pkthdr *h;
		const u_char *d;
		while (pcap_next_ex(p, &h, &d) == 1) {
			pkts++;
			bytes += h->len;
			sum += h->caplen ? d[0] : 0;
		}
		pcap_close(p);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%llu packets %llu bytes %.6f s (checksum %llu)\n", pkts, bytes, s, sum & 1);
	return 0;
}
