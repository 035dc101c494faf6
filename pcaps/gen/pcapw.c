/* Classic pcap writer: buffers records, sorts them by time (within each segment, see
 * sl_pcapw_step()), writes a little-endian file.
 * Format: libpcap "savefile" 2.4 (magic 0xa1b2c3d4, 24-byte header, 16-byte record headers). */
#include "pcapw.h"

#include "bytes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	uint32_t segment; /* sl_pcapw_step() calls before it: segments are written in order */
	uint64_t ts_us;
	size_t seq;      /* insertion order, the tie-breaker that keeps the sort stable */
	size_t off;      /* into bytes[] */
	uint32_t caplen;
	uint32_t wirelen;
};

struct sl_pcapw {
	uint32_t linktype;
	uint32_t snaplen;
	struct rec *recs;
	size_t nrecs, caprecs;
	uint8_t *bytes;
	size_t nbytes, capbytes;
	uint32_t segment;
};

int sl_pcapw_create(struct sl_pcapw **out, uint32_t linktype, uint32_t snaplen)
{
	struct sl_pcapw *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->linktype = linktype;
	w->snaplen = snaplen ? snaplen : SL_PCAPW_SNAPLEN_DEFAULT;
	*out = w;
	return 0;
}

void sl_pcapw_destroy(struct sl_pcapw *w)
{
	if (!w)
		return;
	free(w->recs);
	free(w->bytes);
	free(w);
}

size_t sl_pcapw_count(const struct sl_pcapw *w)
{
	return w->nrecs;
}

void sl_pcapw_step(struct sl_pcapw *w)
{
	w->segment++;
}

/* Doubles the record and byte arrays as needed; growth is geometric so adds stay cheap. */
static int reserve(struct sl_pcapw *w, size_t more_bytes)
{
	if (w->nbytes + more_bytes > SL_PCAPW_MAX_BYTES)
		return -E2BIG;
	if (w->nrecs == w->caprecs) {
		size_t n = w->caprecs ? w->caprecs * 2 : 64;
		struct rec *r = realloc(w->recs, n * sizeof(*r));
		if (!r)
			return -ENOMEM;
		w->recs = r;
		w->caprecs = n;
	}
	if (w->nbytes + more_bytes > w->capbytes) {
		size_t n = w->capbytes ? w->capbytes : 4096;
		while (n < w->nbytes + more_bytes)
			n *= 2;
		uint8_t *b = realloc(w->bytes, n);
		if (!b)
			return -ENOMEM;
		w->bytes = b;
		w->capbytes = n;
	}
	return 0;
}

int sl_pcapw_add(struct sl_pcapw *w, uint64_t ts_us, const uint8_t *frame, size_t len)
{
	if (!w || (!frame && len) || len > UINT32_MAX)
		return -EINVAL;
	size_t cap = len < w->snaplen ? len : w->snaplen;
	int rc = reserve(w, cap);
	if (rc)
		return rc;
	struct rec *r = &w->recs[w->nrecs];
	r->segment = w->segment;
	r->ts_us = ts_us;
	r->seq = w->nrecs;
	r->off = w->nbytes;
	r->caplen = (uint32_t)cap;
	r->wirelen = (uint32_t)len;
	if (cap)
		memcpy(w->bytes + w->nbytes, frame, cap);
	w->nbytes += cap;
	w->nrecs++;
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->segment != y->segment)
		return x->segment < y->segment ? -1 : 1;
	if (x->ts_us != y->ts_us)
		return x->ts_us < y->ts_us ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Writes the global header. The byte order is fixed (little-endian) rather than the
 * host's, so the file is identical whichever machine runs the generator. */
static int write_header(const struct sl_pcapw *w, FILE *f)
{
	uint8_t gh[24];

	put_le32(gh, 0xa1b2c3d4u);
	gh[4] = 2; gh[5] = 0;    /* version major 2 */
	gh[6] = 4; gh[7] = 0;    /* version minor 4 */
	put_le32(gh + 8, 0);     /* thiszone */
	put_le32(gh + 12, 0);    /* sigfigs */
	put_le32(gh + 16, w->snaplen);
	put_le32(gh + 20, w->linktype);
	return fwrite(gh, sizeof(gh), 1, f) == 1 ? 0 : -EIO;
}

static int write_record(FILE *f, uint64_t ts_us, const uint8_t *bytes, uint32_t caplen,
                        uint32_t wirelen)
{
	uint8_t rh[16];

	put_le32(rh, (uint32_t)(ts_us / 1000000u));
	put_le32(rh + 4, (uint32_t)(ts_us % 1000000u));
	put_le32(rh + 8, caplen);
	put_le32(rh + 12, wirelen);
	if (fwrite(rh, sizeof(rh), 1, f) != 1)
		return -EIO;
	if (caplen && fwrite(bytes, caplen, 1, f) != 1)
		return -EIO;
	return 0;
}

/* Writes header and records (in the given order) to an open stream. */
static int write_all(const struct sl_pcapw *w, const struct rec *order, FILE *f)
{
	int rc = write_header(w, f);

	for (size_t i = 0; i < w->nrecs && !rc; i++)
		rc = write_record(f, order[i].ts_us, w->bytes + order[i].off, order[i].caplen,
		                  order[i].wirelen);
	return rc;
}

/* Records sorted by time into a new array (NULL when there are none). */
static int sorted(const struct sl_pcapw *w, struct rec **out)
{
	*out = NULL;
	if (!w->nrecs)
		return 0;
	*out = malloc(w->nrecs * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, w->recs, w->nrecs * sizeof(**out));
	qsort(*out, w->nrecs, sizeof(**out), cmp_rec);
	return 0;
}

int sl_pcapw_stream(const struct sl_pcapw *w, FILE *f, sl_pcapw_source src, void *ctx)
{
	struct rec *order;
	uint64_t ts = 0;
	const uint8_t *frame = NULL;
	size_t len = 0, i = 0;
	int rc = sorted(w, &order), more = 1;

	if (!rc)
		rc = write_header(w, f);
	if (!rc)
		more = src(ctx, &ts, &frame, &len);
	while (!rc && more >= 0 && (more || i < w->nrecs)) {
		if (i < w->nrecs && (!more || order[i].ts_us <= ts)) {
			const struct rec *r = &order[i++];
			rc = write_record(f, r->ts_us, w->bytes + r->off, r->caplen, r->wirelen);
			continue;
		}
		uint32_t cap = len < w->snaplen ? (uint32_t)len : w->snaplen;
		rc = len > UINT32_MAX ? -EINVAL : write_record(f, ts, frame, cap, (uint32_t)len);
		if (!rc)
			more = src(ctx, &ts, &frame, &len);
	}
	free(order);
	return rc ? rc : more < 0 ? more : 0;
}

int sl_pcapw_save(const struct sl_pcapw *w, const char *path)
{
	struct rec *order;
	int rc = sorted(w, &order);

	if (rc)
		return rc;
	FILE *f = fopen(path, "wb");
	if (!f) {
		rc = -errno;
		goto out;
	}
	rc = write_all(w, order, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
out:
	free(order);
	return rc;
}
