/* The other limit for replay: a zero-copy reader that maps each classic pcap file and
 * walks its records without libpcap, touching one byte per packet so nothing is optimised
 * away.  Prints packets, bytes and seconds like bare_read.
 *   zc_read CAPTURE.pcap...
 * Format: the pcap file format (draft-ietf-opsawg-pcap): a 24-byte header whose magic
 * 0xa1b2c3d4 (microseconds) or 0xa1b23c4d (nanoseconds) is written in the writer's byte
 * order, then records of a 16-byte header (seconds, fraction, captured length, original
 * length) and the captured bytes.  pcapng is refused: the benchmark's mixes are classic. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct totals {
	unsigned long long pkts, bytes, sum;
};

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return swap ? __builtin_bswap32(v) : v;
}

/* Walks the records of a mapped capture into t; -EINVAL when it is not a classic pcap
 * file or a record runs past the end (the error names which). */
static int walk(const uint8_t *p, size_t n, struct totals *t, const char *path)
{
	if (n < 24) {
		fprintf(stderr, "zc_read: %s: shorter than a pcap file header\n", path);
		return -EINVAL;
	}
	uint32_t magic = rd32(p, false);
	bool swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	if (!swap && magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) {
		fprintf(stderr, "zc_read: %s: not a classic pcap file (magic 0x%08x; pcapng "
		        "is not read here)\n", path, magic);
		return -EINVAL;
	}
	for (size_t at = 24; at < n;) {
		if (n - at < 16) {
			fprintf(stderr, "zc_read: %s: record header cut short at byte %zu\n", path, at);
			return -EINVAL;
		}
		uint32_t caplen = rd32(p + at + 8, swap), len = rd32(p + at + 12, swap);
		if (caplen > n - at - 16) {
			fprintf(stderr, "zc_read: %s: record at byte %zu runs past the end\n", path, at);
			return -EINVAL;
		}
		t->pkts++;
		t->bytes += len;
		t->sum += caplen ? p[at + 16] : 0;
		at += 16 + (size_t)caplen;
	}
	return 0;
}

static int read_one(const char *path, struct totals *t)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "zc_read: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	size_t n = (size_t)st.st_size;
	void *m = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	close(fd);
	if (m == MAP_FAILED) {
		fprintf(stderr, "zc_read: %s: cannot map: %s\n", path, n ? strerror(errno) : "empty");
		return -EINVAL;
	}
	madvise(m, n, MADV_SEQUENTIAL);
	int rc = walk(m, n, t, path);
	munmap(m, n);
	return rc;
}

int main(int argc, char **argv);

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct totals t = { 0, 0, 0 };

	if (argc < 2) {
		fprintf(stderr, "usage: zc_read CAPTURE.pcap...\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 1; i < argc; i++)
		if (read_one(argv[i], &t))
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%llu packets %llu bytes %.6f s (checksum %llu)\n", t.pkts, t.bytes, s, t.sum & 1);
	return 0;
}
