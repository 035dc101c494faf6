/* pcapng files read by this module rather than libpcap, whose 1.10 reader
 * keeps one link type and one snap length per file and so refuses what
 * Wireshark writes when it captures on several interfaces.  Written from
 * draft-ietf-opsawg-pcapng: sections in either byte order (SHB), interfaces
 * with their own link type, snap length, if_tsresol, if_tsoffset and
 * if_name (IDB), packets from EPB, SPB and the obsolete PB; every other
 * block (NRB, ISB, DSB, custom, unknown) is skipped.  Blocks are parsed in
 * place in the read buffer of filebuf.c, as pcapfile.c does. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_priv.h"

#define BUF_BYTES (1u << 20)
#define MAX_BLOCK (16u << 20)  /* libpcap's bound too: no real block is larger */
#define MAX_IFACES 4096u       /* interfaces of one section */
#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_PB 2u               /* obsolete Packet Block */
#define BT_SPB 3u
#define BT_EPB 6u
#define BOM 0x1A2B3C4Du
#define OPT_END 0
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14
#define DLT_NFLOG_ 239

static uint16_t get16(const uint8_t *p, bool swapped)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return swapped ? __builtin_bswap16(v) : v;
}

static uint32_t get32(const uint8_t *p, bool swapped)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

static uint64_t get64(const uint8_t *p, bool swapped)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return swapped ? __builtin_bswap64(v) : v;
}

/* A damaged file: the reason, for "capture is damaged after packet N (...)". */
static int damaged(struct sl_pcapng *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int damaged(struct sl_pcapng *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->err, sizeof(g->err), fmt, ap);
	va_end(ap);
	g->truncated = false;
	return -1;
}

/* The file ends (or a read fails) inside a block of want bytes. */
static int cut_short(struct sl_pcapng *g, size_t want, size_t have)
{
	if (g->fb.read_error)
		return damaged(g, "read error: %s", strerror(g->fb.read_errno));
	snprintf(g->err, sizeof(g->err),
		 "truncated block: the file ends %zu bytes into a block of %zu", have, want);
	g->truncated = true;
	return -1;
}

/*
 * Section Header Block: the byte-order magic decides how every later block
 * of the section is read; its interfaces start afresh.  A section of
 * another major version cannot be read and is skipped to the next SHB, as
 * the specification asks.
 */
static int read_shb(struct sl_pcapng *g, const uint8_t *b, uint32_t len)
{
	if (len < 28)
		return damaged(g, "section header block of %u bytes, shorter than 28", len);
	uint32_t bom;
	memcpy(&bom, b + 8, 4);
	if (bom != BOM && bom != __builtin_bswap32(BOM))
		return damaged(g, "section header without the byte-order magic 1a2b3c4d");
	g->swapped = bom != BOM;
	g->n_ifs = 0;
	g->skipping = get16(b + 12, g->swapped) != 1;
	g->sections_skipped += g->skipping;
	return 0;
}

/* if_tsresol: 10^-n seconds, or 2^-n with the top bit set.  Units per
 * second above 2^64 cannot be counted in a 64-bit stamp. */
static int tsresol(struct sl_pcapng *g, struct sl_pcapng_if *ifc, uint8_t v)
{
	unsigned n = v & 0x7fu;
	if (v & 0x80u) {
		if (n > 63)
			return damaged(g, "interface %u: time resolution 2^-%u s is not usable", ifc->seq, n);
		ifc->units = 1ull << n;
		return 0;
	}
	if (n > 19)
		return damaged(g, "interface %u: time resolution 10^-%u s is not usable", ifc->seq, n);
	ifc->units = 1;
	while (n--)
		ifc->units *= 10;
	return 0;
}

/* The name as written, cut at a NUL or at the room there is. */
static void set_name(struct sl_pcapng_if *ifc, const uint8_t *v, uint16_t n)
{
	size_t len = 0;
	while (len < n && len + 1 < sizeof(ifc->name) && v[len])
		len++;
	memcpy(ifc->name, v, len);
	ifc->name[len] = '\0';
}

/* Options of an IDB.  A malformed list is not the packets' fault: reading
 * stops at it and the interface keeps what was read. */
static int idb_options(struct sl_pcapng *g, struct sl_pcapng_if *ifc, const uint8_t *p,
		       const uint8_t *end)
{
	while (end - p >= 4) {
		uint16_t code = get16(p, g->swapped), n = get16(p + 2, g->swapped);
		size_t padded = ((size_t)n + 3) & ~(size_t)3;
		if (code == OPT_END || (size_t)(end - p - 4) < padded)
			break;
		const uint8_t *v = p + 4;
		int rc = 0;
		if (code == OPT_IF_NAME)
			set_name(ifc, v, n);
		else if (code == OPT_IF_TSRESOL && n >= 1)
			rc = tsresol(g, ifc, v[0]);
		else if (code == OPT_IF_TSOFFSET && n >= 8)
			ifc->offset = (int64_t)get64(v, g->swapped);
		if (rc < 0)
			return rc;
		p = v + padded;
	}
	return 0;
}

/* A file's LINKTYPE_ value as this system's DLT_ value, as libpcap hands
 * it out: they differ only where DLT_ values were never the same across
 * systems (tcpdump.org/linktypes.html). */
static int dlt_of(uint16_t linktype)
{
	switch (linktype) {
	case 100: return DLT_ATM_RFC1483;
	case 101: return DLT_RAW;
	case 102: return DLT_SLIP_BSDOS;
	case 103: return DLT_PPP_BSDOS;
	default: return linktype;
	}
}

/* Interface Description Block: link type, snap length, options. */
static int read_idb(struct sl_pcapng *g, const uint8_t *b, uint32_t len)
{
	if (len < 20)
		return damaged(g, "interface description block of %u bytes, shorter than 20", len);
	if (g->n_ifs == MAX_IFACES)
		return damaged(g, "more than %u interfaces in one section", MAX_IFACES);
	struct sl_pcapng_if *ifs = sl_grow(g->ifs, &g->cap_ifs, g->n_ifs, sizeof(*ifs), 4);
	if (!ifs)
		return damaged(g, "out of memory for interface %zu", g->n_ifs);
	g->ifs = ifs;
	struct sl_pcapng_if *ifc = &ifs[g->n_ifs];
	*ifc = (struct sl_pcapng_if){ .dlt = dlt_of(get16(b + 8, g->swapped)),
				      .snaplen = get32(b + 12, g->swapped),
				      .units = 1000000, .seq = g->n_seen };
	int rc = idb_options(g, ifc, b + 16, b + len - 4);
	if (rc < 0)
		return rc;
	g->n_ifs++;
	g->n_seen++;
	return 0;
}

/* Stamp in ifc's units to libpcap's microseconds (the fraction truncated,
 * as libpcap does), plus the interface's offset in seconds. */
static void stamp(const struct sl_pcapng_if *ifc, uint64_t t, struct pcap_pkthdr *h)
{
	uint64_t sec = t / ifc->units, frac = t % ifc->units;
	uint64_t usec = (uint64_t)((unsigned __int128)frac * 1000000u / ifc->units);
	h->ts.tv_sec = (time_t)(sec + (uint64_t)ifc->offset);
	h->ts.tv_usec = (suseconds_t)usec;
}

/*
 * NFLOG's TLV headers are in the writing host's byte order; libpcap swaps
 * them when the file's order is not ours, and so does this, so the decoder
 * always reads host order.  Like libpcap: only version 0 records with a
 * whole header, TLVs within the captured bytes, stopping at the first one
 * that does not fit.
 */
static void swap_nflog(uint8_t *p, uint32_t caplen, uint32_t len)
{
	uint32_t off = 4; /* family, version, resource id */
	if (caplen < 4 || len < 4 || p[1] != 0)
		return;
	while (caplen >= off + 4) {
		uint16_t n, type;
		memcpy(&n, p + off, 2);
		memcpy(&type, p + off + 2, 2);
		n = __builtin_bswap16(n);
		type = __builtin_bswap16(type);
		memcpy(p + off, &n, 2);
		memcpy(p + off + 2, &type, 2);
		/* The padded size in 16 bits, as libpcap computes it: a length
		 * of 1..3 still steps over a 4-byte TLV header, 0xfffd.. wraps
		 * to 0 and stops; the original length bounds it too. */
		uint16_t size = (uint16_t)(n % 4 ? n + (4 - n % 4) : n);
		if (size < 4 || caplen - off < size || len - off < size)
			break;
		off += size;
	}
}

/* The interface a packet block names, or damage. */
static int iface_of(struct sl_pcapng *g, uint32_t id, struct sl_pcapng_if **ifc)
{
	if (id >= g->n_ifs)
		return damaged(g, "packet for interface %u, but the section describes %zu", id,
			       g->n_ifs);
	*ifc = &g->ifs[id];
	return 0;
}

struct pkt_fields {
	uint32_t ifid, caplen, len, hdr; /* hdr: bytes before the data, block header included */
	uint64_t t;
};

/* EPB, SPB or PB fields; returns 1 for a packet block, 0 for another type. */
static int packet_fields(struct sl_pcapng *g, uint32_t type, const uint8_t *b, uint32_t len,
			 struct pkt_fields *f)
{
	bool s = g->swapped;
	if (type == BT_EPB && len >= 32) {
		*f = (struct pkt_fields){ get32(b + 8, s), get32(b + 20, s), get32(b + 24, s), 28,
					  (uint64_t)get32(b + 12, s) << 32 | get32(b + 16, s) };
	} else if (type == BT_PB && len >= 32) {
		*f = (struct pkt_fields){ get16(b + 8, s), get32(b + 20, s), get32(b + 24, s), 28,
					  (uint64_t)get32(b + 12, s) << 32 | get32(b + 16, s) };
	} else if (type == BT_SPB && len >= 16) {
		/* No captured length: the data the block holds, up to the
		 * original length and the interface's snap length. */
		uint32_t orig = get32(b + 8, s), room = len - 16;
		*f = (struct pkt_fields){ 0, orig < room ? orig : room, orig, 12, 0 };
	} else if (type == BT_EPB || type == BT_PB || type == BT_SPB) {
		return damaged(g, "packet block of %u bytes, too short for its fields", len);
	} else {
		return 0;
	}
	return 1;
}

/* A packet block: header, data in place, its interface. */
static int read_packet(struct sl_pcapng *g, uint32_t type, uint8_t *b, uint32_t len,
		       struct pcap_pkthdr *h, const uint8_t **data, struct sl_pcapng_if **ifp)
{
	struct pkt_fields f = { 0 };
	int rc = packet_fields(g, type, b, len, &f);
	if (rc <= 0 || (rc = iface_of(g, f.ifid, ifp)) < 0)
		return rc;
	const struct sl_pcapng_if *ifc = *ifp;
	if (type == BT_SPB && ifc->snaplen && f.caplen > ifc->snaplen)
		f.caplen = ifc->snaplen;
	if (f.caplen > len - f.hdr - 4)
		return damaged(g, "packet of %u captured bytes in a block holding %u", f.caplen,
			       len - f.hdr - 4);
	stamp(ifc, f.t, h);
	h->caplen = f.caplen;
	h->len = f.len;
	if (g->swapped && ifc->dlt == DLT_NFLOG_)
		swap_nflog(b + f.hdr, f.caplen, f.len);
	*data = b + f.hdr;
	return 1;
}

/* Type and length of the block at b (8 bytes there; an SHB needs 12, for
 * its byte order).  0, or damage. */
static int block_head(struct sl_pcapng *g, const uint8_t *b, size_t have, uint32_t *type,
		      uint32_t *len)
{
	memcpy(type, b, 4); /* the SHB type reads the same in both orders */
	bool s = g->swapped;
	if (*type == BT_SHB) {
		if (have < 12)
			return cut_short(g, 12, have);
		uint32_t bom;
		memcpy(&bom, b + 8, 4);
		if (bom != BOM && bom != __builtin_bswap32(BOM))
			return damaged(g, "section header without the byte-order magic 1a2b3c4d");
		s = bom != BOM;
	} else {
		*type = get32(b, s);
	}
	*len = get32(b + 4, s);
	if (*len < 12 || *len % 4)
		return damaged(g, "block of type 0x%x has a block size of %u bytes, not a multiple "
			       "of 4 of at least 12", *type, *len);
	if (*len > MAX_BLOCK)
		return damaged(g, "block of type 0x%x has a block size of %u bytes, above the "
			       "limit of %u", *type, *len, MAX_BLOCK);
	return 0;
}

/* One whole block at g->fb.pos: *bp and its type and length, or 0 at the
 * end of the file, or -1. */
static int next_block(struct sl_pcapng *g, uint8_t **bp, uint32_t *type, uint32_t *len)
{
	struct sl_filebuf *fb = &g->fb;
	size_t have = sl_filebuf_fill(fb, 12);
	if (have == 0 && fb->eof)
		return fb->read_error ? cut_short(g, 12, 0) : 0;
	if (have < 8)
		return cut_short(g, 8, have);
	int rc = block_head(g, sl_filebuf_at(fb), have, type, len);
	if (rc < 0)
		return rc;
	have = sl_filebuf_fill(fb, *len);
	if (have < *len)
		return fb->eof ? cut_short(g, *len, have)
			       : damaged(g, "out of memory for a block of %u bytes", *len);
	uint8_t *b = sl_filebuf_at(fb);
	bool s = *type == BT_SHB ? get32(b + 8, false) != BOM : g->swapped;
	uint32_t trail = get32(b + *len - 4, s);
	if (trail != *len)
		return damaged(g, "block of type 0x%x: its size at the end (%u) differs from the "
			       "size at its start (%u)", *type, trail, *len);
	*bp = b;
	return 1;
}

int sl_pcapng_next(struct sl_pcapng *g, struct pcap_pkthdr *h, const uint8_t **data,
		   struct sl_pcapng_if **ifc)
{
	for (;;) {
		uint8_t *b;
		uint32_t type, len;
		int rc = next_block(g, &b, &type, &len);
		if (rc <= 0)
			return rc;
		g->fb.pos += len;
		if (type == BT_SHB)
			rc = read_shb(g, b, len);
		else if (g->skipping)
			rc = 0;
		else if (type == BT_IDB)
			rc = read_idb(g, b, len);
		else
			rc = read_packet(g, type, b, len, h, data, ifc);
		if (rc < 0) {
			g->fb.pos -= len; /* where the damage is */
			return rc;
		}
		if (rc == 1) {
			g->index++;
			return 1;
		}
	}
}

bool sl_pcapng_magic(const uint8_t *b, size_t n)
{
	return n >= 4 && get32(b, false) == BT_SHB;
}

int sl_pcapng_open(const char *path, struct sl_pcapng *g)
{
	memset(g, 0, sizeof(*g));
	uint8_t m[4];
	if (sl_filebuf_open(&g->fb, path, BUF_BYTES, MAX_BLOCK) != 0 ||
	    pread(g->fb.fd, m, 4, 0) != 4 || !sl_pcapng_magic(m, 4)) {
		sl_pcapng_close(g);
		return -1;
	}
	/* The first block must be a readable section header. */
	uint8_t *b;
	uint32_t type, len;
	int rc = next_block(g, &b, &type, &len);
	if (rc == 0)
		snprintf(g->err, sizeof(g->err), "no section header block");
	if (rc <= 0 || read_shb(g, b, len) < 0)
		return -2;
	g->fb.pos += len;
	return 0;
}

void sl_pcapng_close(struct sl_pcapng *g)
{
	sl_filebuf_close(&g->fb);
	free(g->ifs);
	memset(g, 0, sizeof(*g));
}
