/* Classic pcap files read by this module rather than libpcap (the format:
 * a 24-byte file header, then 16-byte record headers each followed by
 * caplen bytes; draft-ietf-opsawg-pcap).  Records are parsed in place in the
 * file's mapped window (filebuf.c; a pread(2) buffer where no window can be
 * mapped), with no copy of each packet into libpcap's buffer, which with
 * libpcap's per-record calls was a third of a replay.  (Mapping was tried
 * twice before and lost to pread: page faults, and then 32 MB windows
 * prefaulted with only the next record prefetched, 1.03x pread's CPU, as
 * the decoder's reads missed the cache that the kernel's copy had warmed.
 * Prefetching every line 16 kB ahead of the reader is what turned it.)
 * Only records libpcap would hand out unchanged are read here; at the first
 * one it would adjust or refuse (cut short, longer than the snap length or
 * than 262144 bytes) the caller switches to libpcap for the rest, so damaged
 * files keep libpcap's behaviour and messages exactly. */
#include <string.h>
#include <unistd.h>

#include "capture_priv.h"

#define MAX_CAPLEN 262144u /* libpcap's MAXIMUM_SNAPLEN */
#define BUF_BYTES (1u << 20) /* well above one record (16 + MAX_CAPLEN) */

static uint32_t get32(const uint8_t *p, bool swapped)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, bool swapped)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return swapped ? __builtin_bswap16(v) : v;
}

/* The file header: 2.4, microsecond or nanosecond magic in either byte
 * order, a snap length libpcap keeps as it is. */
static bool header_ok(struct sl_pcapfile *f, const uint8_t *h)
{
	uint32_t magic;
	memcpy(&magic, h, 4);
	f->swapped = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	f->nsec = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	if (!f->swapped && !f->nsec && magic != 0xa1b2c3d4u)
		return false;
	if (get16(h + 4, f->swapped) != 2 || get16(h + 6, f->swapped) != 4)
		return false;
	f->snaplen = get32(h + 16, f->swapped);
	return f->snaplen > 0 && f->snaplen <= MAX_CAPLEN;
}

int sl_pcapfile_open(const char *path, struct sl_pcapfile *f)
{
	memset(f, 0, sizeof(*f));
	if (sl_filebuf_open(&f->fb, path, BUF_BYTES, BUF_BYTES) != 0)
		return -1;
	uint8_t h[24];
	if (pread(f->fb.fd, h, 24, 0) != 24 || !header_ok(f, h)) {
		sl_pcapfile_close(f);
		return -1;
	}
	f->fb.pos = f->fb.file_off = 24;
	return 0;
}

int sl_pcapfile_next(struct sl_pcapfile *f, struct pcap_pkthdr *h, const uint8_t **data)
{
	struct sl_filebuf *b = &f->fb;
	size_t have = sl_filebuf_held(b, 16); /* checked with the record below */
	if (have == 0 && b->eof)
		return b->read_error ? -1 : 0; /* libpcap reads on and reports it */
	if (have < 16)
		return -1;
	const uint8_t *r = sl_filebuf_at(b);
	uint32_t caplen = get32(r + 8, f->swapped);
	if (caplen > f->snaplen)
		return -1;
	have = sl_filebuf_need(b, 16 + (size_t)caplen); /* mapped: the file still holds it */
	r = sl_filebuf_at(b);
	if (have == 0 && b->eof && !b->read_error)
		return 0; /* cut under the reader, at this record */
	if (have < 16 + (size_t)caplen)
		return -1;
	/* The stamp as libpcap 1.10 hands it out, damaged ones included (found
	 * by fuzz_pcapfile): its fields are signed 32-bit, but a byte-swapped
	 * file's come out of its swap unsigned; nanoseconds are then divided. */
	uint32_t sec = get32(r, f->swapped), frac = get32(r + 4, f->swapped);
	int64_t usec = f->swapped ? (int64_t)frac : (int64_t)(int32_t)frac;
	h->ts.tv_sec = f->swapped ? (time_t)sec : (time_t)(int32_t)sec;
	h->ts.tv_usec = (suseconds_t)(f->nsec ? usec / 1000 : usec);
	h->caplen = caplen;
	h->len = get32(r + 12, f->swapped);
	*data = r + 16;
	b->pos += 16 + (uint64_t)caplen;
	f->index++;
	return 1;
}

void sl_pcapfile_close(struct sl_pcapfile *f)
{
	sl_filebuf_close(&f->fb);
	memset(f, 0, sizeof(*f));
}
