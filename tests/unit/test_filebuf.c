/* The mapped read path of sensor/capture/filebuf.c against its pread(2)
 * path: many generated pcap and pcapng files (random record sizes, tiny
 * windows so records straddle their edges, records larger than a window,
 * files cut at random places) read both ways must give the same records
 * and the same end; then files cut while the reader is between records,
 * inside a record, under a record the engine still holds, and files that
 * grow during the read.  A cut must end the read cleanly, never by SIGBUS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sensor/capture/capture_priv.h"
#include "testhelp.h"

#define MAXREC 4000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* Record sizes: mostly small, some near a page, a few above a tiny window. */
static uint32_t rec_len(void)
{
	uint32_t k = rnd(100);
	return k < 70 ? rnd(1515) : k < 95 ? 3000 + rnd(3000) : 9000 + rnd(60000);
}

static void fill_bytes(uint8_t *d, uint32_t n, uint32_t i)
{
	for (uint32_t j = 0; j < n; j++) { /* never zero: a zeroed page shows */
		uint8_t v = (uint8_t)(i * 31 + j * 7 + 1);
		d[j] = v ? v : 0x5a;
	}
}

/* Where each record (header) starts, and the file's end. */
struct layout {
	uint64_t off[MAXREC + 1];
	unsigned n;
};

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

/* n classic pcap records appended (the file header first when fresh). */
static void write_pcap(const char *path, unsigned n, bool fresh, struct layout *l)
{
	static uint8_t d[70000];
	FILE *f = fopen(path, fresh ? "wb" : "ab");
	if (fresh) {
		put32(f, 0xa1b2c3d4u), put32(f, 0x00040002u), put32(f, 0), put32(f, 0);
		put32(f, 262144), put32(f, 1);
		l->n = 0;
		l->off[0] = 24;
	}
	for (unsigned i = 0; i < n && l->n < MAXREC; i++, l->n++) {
		uint32_t len = rec_len();
		fill_bytes(d, len, l->n);
		put32(f, 1700000000u + l->n), put32(f, l->n % 1000000), put32(f, len), put32(f, len + 9);
		fwrite(d, 1, len, f);
		l->off[l->n + 1] = l->off[l->n] + 16 + len;
	}
	fclose(f);
}

/* n pcapng Enhanced Packet Blocks after a section header and an interface. */
static void write_pcapng(const char *path, unsigned n, struct layout *l)
{
	static uint8_t d[70004];
	FILE *f = fopen(path, "wb");
	put32(f, 0x0A0D0D0A), put32(f, 28), put32(f, 0x1A2B3C4D), put32(f, 1);
	put32(f, UINT32_MAX), put32(f, UINT32_MAX), put32(f, 28);
	put32(f, 1), put32(f, 20), put32(f, 1), put32(f, 0), put32(f, 20);
	l->n = 0;
	l->off[0] = 48;
	for (unsigned i = 0; i < n && l->n < MAXREC; i++, l->n++) {
		uint32_t len = rec_len(), padded = (len + 3) & ~3u, blk = 32 + padded;
		memset(d, 0, padded);
		fill_bytes(d, len, l->n);
		put32(f, 6), put32(f, blk), put32(f, 0), put32(f, 0), put32(f, 1000000u * l->n);
		put32(f, len), put32(f, len), fwrite(d, 1, padded, f), put32(f, blk);
		l->off[l->n + 1] = l->off[l->n] + blk;
	}
	fclose(f);
}

/* What a reader handed out: a digest of every record, and how it ended. */
struct seen {
	uint64_t sum;
	unsigned n;
	int rc;
	uint64_t pos;
	char err[192];
	bool truncated;
};

static void digest(struct seen *s, const struct pcap_pkthdr *h, const uint8_t *d)
{
	uint64_t x = s->sum ^ ((uint64_t)h->ts.tv_sec << 20 ^ (uint64_t)h->ts.tv_usec);
	x = x * 0x100000001b3ull ^ h->caplen ^ (uint64_t)h->len << 32;
	for (uint32_t j = 0; j < h->caplen; j++)
		x = (x ^ d[j]) * 0x100000001b3ull;
	s->sum = x;
	s->n++;
}

static struct seen read_pcap(const char *path, size_t window)
{
	struct seen s = { 0 };
	struct sl_pcapfile f;
	struct pcap_pkthdr h;
	const uint8_t *d;
	sl_filebuf_test_window(window);
	s.rc = sl_pcapfile_open(path, &f) == 0 ? 1 : -9;
	while (s.rc == 1 && (s.rc = sl_pcapfile_next(&f, &h, &d)) == 1)
		digest(&s, &h, d);
	s.pos = f.fb.pos;
	CHECK(s.n == f.index);
	sl_pcapfile_close(&f);
	return s;
}

static struct seen read_pcapng(const char *path, size_t window)
{
	struct seen s = { 0 };
	struct sl_pcapng g;
	struct pcap_pkthdr h;
	const uint8_t *d;
	struct sl_pcapng_if *ifc;
	sl_filebuf_test_window(window);
	s.rc = sl_pcapng_open(path, &g) == 0 ? 1 : -9;
	while (s.rc == 1 && (s.rc = sl_pcapng_next(&g, &h, &d, &ifc)) == 1)
		digest(&s, &h, d);
	s.pos = g.fb.pos;
	snprintf(s.err, sizeof(s.err), "%s", g.err);
	s.truncated = g.truncated;
	sl_pcapng_close(&g);
	return s;
}

static bool same(const struct seen *a, const struct seen *b)
{
	return a->sum == b->sum && a->n == b->n && a->rc == b->rc && a->pos == b->pos &&
	       a->truncated == b->truncated && strcmp(a->err, b->err) == 0;
}

/* Both ways over one file, whole and then cut at a random place. */
static void compare_once(const char *path, bool ng, const struct layout *l, size_t window)
{
	struct seen (*rd)(const char *, size_t) = ng ? read_pcapng : read_pcap;
	struct seen a = rd(path, 0), b = rd(path, window);
	CHECK(same(&a, &b));
	CHECK_EQ_INT(b.n, l->n);
	CHECK_EQ_INT(b.rc, 0);
	uint64_t cut = l->off[l->n] ? rnd((uint32_t)l->off[l->n]) : 0;
	if (truncate(path, (off_t)cut) != 0)
		return;
	a = rd(path, 0), b = rd(path, window);
	if (!same(&a, &b))
		fprintf(stderr, "cut at %llu: pread %u rc %d, mapped %u rc %d (%s)\n",
			(unsigned long long)cut, a.n, a.rc, b.n, b.rc, b.err);
	CHECK(same(&a, &b));
}

static void test_compare(const char *path)
{
	static const size_t windows[] = { 4096, 8192, 12288, 65536, SL_FILEBUF_WINDOW };
	struct layout *l = malloc(sizeof(*l));
	TEST("pcap: mapped windows and pread give the same records and end (300 files)");
	for (int i = 0; i < 150; i++) {
		write_pcap(path, 1 + rnd(i < 145 ? 60 : MAXREC), true, l);
		compare_once(path, false, l, windows[i % 5]);
	}
	for (int i = 0; i < 150; i++) { /* tiny files: ends inside the first page */
		write_pcap(path, rnd(4), true, l);
		compare_once(path, false, l, windows[i % 5]);
	}
	TEST("pcapng: mapped windows and pread give the same records and end (150 files)");
	for (int i = 0; i < 150; i++) {
		write_pcapng(path, 1 + rnd(i < 145 ? 60 : MAXREC), l);
		compare_once(path, true, l, windows[i % 5]);
	}
	free(l);
}

/* The first record that starts at or after cut, and whether cut falls
 * inside the one before it. */
static unsigned whole_before(const struct layout *l, uint64_t cut, bool *inside)
{
	unsigned j = 0;
	while (j < l->n && l->off[j + 1] <= cut)
		j++;
	*inside = j < l->n && cut > l->off[j];
	return j;
}

/* Read k records with a window of window bytes, cut the file to cut, read
 * on: the records wholly before the cut, then the end (-1 inside one). */
static void cut_while_reading(const char *path, const struct layout *l, size_t window,
			      unsigned k, uint64_t cut)
{
	struct sl_pcapfile f;
	struct pcap_pkthdr h;
	const uint8_t *d;
	unsigned n = 0;
	int rc = 1;
	sl_filebuf_test_window(window);
	if (sl_pcapfile_open(path, &f) != 0) {
		CHECK(false);
		return;
	}
	while (n < k && (rc = sl_pcapfile_next(&f, &h, &d)) == 1)
		n++;
	CHECK(truncate(path, (off_t)cut) == 0);
	while (rc == 1 && (rc = sl_pcapfile_next(&f, &h, &d)) == 1) {
		CHECK(h.caplen == 0 || d[h.caplen - 1] != 0); /* no zeros from lost pages */
		n++;
	}
	bool inside;
	unsigned want = whole_before(l, cut, &inside);
	if (cut < l->off[k])
		want = k, inside = false; /* cut behind the reader: it ends where it is */
	if (n != want || rc != (inside ? -1 : 0))
		fprintf(stderr, "window %zu, %u read, cut at %llu: %u records rc %d, want %u rc %d\n",
			window, k, (unsigned long long)cut, n, rc, want, inside ? -1 : 0);
	CHECK_EQ_INT(n, want);
	CHECK_EQ_INT(rc, inside ? -1 : 0);
	sl_pcapfile_close(&f);
}

static void test_cut(const char *path)
{
	struct layout *l = malloc(sizeof(*l));
	static const size_t windows[] = { 4096, 65536, SL_FILEBUF_WINDOW };
	TEST("cut between records, inside a record, behind the reader: a clean end");
	for (int i = 0; i < 240; i++) {
		write_pcap(path, 200, true, l);
		unsigned k = rnd(150), j = k + rnd(l->n - k);
		uint64_t span = l->off[j + 1] - l->off[j];
		uint64_t cut = i % 4 == 0 ? l->off[j]                      /* between records */
			       : i % 4 == 1 ? l->off[j] + 1 + rnd((uint32_t)span - 1) /* inside */
			       : i % 4 == 2 ? l->off[j] + rnd(16)          /* in its header */
					    : rnd((uint32_t)l->off[k] + 1); /* behind */
		cut_while_reading(path, l, windows[i % 3], k, cut);
	}
	free(l);
}

/* The engine holds a record when the file is cut to nothing under it: its
 * bytes read as zeros (no signal), and the next call ends the file. */
static void test_cut_under_engine(const char *path)
{
	struct layout *l = malloc(sizeof(*l));
	struct sl_pcapfile f;
	struct pcap_pkthdr h;
	const uint8_t *d = NULL;
	TEST("cut under a record the engine holds: zeros, then the end, no signal");
	write_pcap(path, 400, true, l);
	sl_filebuf_test_window(1u << 20);
	CHECK(sl_pcapfile_open(path, &f) == 0);
	for (int i = 0; i < 100; i++)
		CHECK(sl_pcapfile_next(&f, &h, &d) == 1);
	CHECK(truncate(path, 0) == 0);
	unsigned sum = 0;
	for (uint32_t j = 0; j < h.caplen; j++)
		sum += d[j];
	CHECK_EQ_INT(sum, 0); /* the guard's zero pages from the first lost one on */
	CHECK_EQ_INT(sl_pcapfile_next(&f, &h, &d), 0);
	CHECK_EQ_INT(f.index, 100);
	sl_pcapfile_close(&f);
	free(l);
}

/* Records appended while the reader is part-way (a capture still being
 * written): read on through them, both ways. */
static void test_growth(const char *path)
{
	struct layout *l = malloc(sizeof(*l));
	TEST("a file that grows during the read is read on, mapped as with pread");
	for (int i = 0; i < 40; i++) {
		size_t window = i % 2 ? 4096 : 0;
		write_pcap(path, 30 + rnd(60), true, l);
		unsigned first = l->n, k = first - 1 - rnd(first < 8 ? first : 8);
		struct sl_pcapfile f;
		struct pcap_pkthdr h;
		const uint8_t *d;
		unsigned n = 0;
		int rc = 1;
		sl_filebuf_test_window(window);
		CHECK(sl_pcapfile_open(path, &f) == 0);
		while (n < k && (rc = sl_pcapfile_next(&f, &h, &d)) == 1)
			n++;
		write_pcap(path, 1 + rnd(80), false, l);
		while (rc == 1 && (rc = sl_pcapfile_next(&f, &h, &d)) == 1)
			n++;
		CHECK_EQ_INT(n, l->n);
		CHECK_EQ_INT(rc, 0);
		sl_pcapfile_close(&f);
	}
	free(l);
}

int main(void)
{
	char path[] = "/tmp/sl-filebuf-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	test_compare(path);
	test_cut(path);
	test_cut_under_engine(path);
	test_growth(path);
	unlink(path);
	return TEST_REPORT();
}
