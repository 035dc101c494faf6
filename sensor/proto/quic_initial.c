/* The client's Initial packets of one QUIC connection: coalesced packets
 * walked by their Length fields, Initials decrypted, frames walked, CRYPTO
 * data filed by offset until the first handshake message is whole; and the
 * Google QUIC CHLO message.  Specs: RFC 9000 §12.2 (coalescing), §17.2
 * (long header), §19 (PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE); RFC
 * 9001 §4.1.3 and §5.2 (CRYPTO stream, Initial keys after a Retry); RFC 8446
 * §4 (handshake header); QUIC Crypto design doc (CHLO tag/value message). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "quic.h"

/* A long-header packet at the start of a buffer. */
struct long_hdr {
	uint32_t version;
	enum sl_quic_ptype type;
	const uint8_t *dcid;
	uint8_t dcid_len;
	size_t pn_offset; /* where the protected packet number starts */
	size_t end;       /* packet length (pn_offset + Length; all of it for a Retry) */
};

static bool read_cid(const uint8_t *p, size_t len, size_t *off, const uint8_t **cid,
		     uint8_t *cid_len)
{
	if (*off >= len || p[*off] > SL_QUIC_CID_MAX || len - *off - 1 < p[*off])
		return false;
	*cid_len = p[*off];
	*cid = p + *off + 1;
	*off += 1u + *cid_len;
	return true;
}

/* Parse the long header at p (RFC 9000 §17.2) of a version we can open. */
static int parse_long(const uint8_t *p, size_t len, struct long_hdr *h)
{
	const uint8_t *scid;
	uint8_t scid_len;
	uint64_t v;
	if (len < 7 || !(p[0] & 0x80))
		return -EINVAL;
	h->version = ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) | p[4];
	if (!sl_quic_version_known(h->version))
		return -EINVAL; /* includes 0: Version Negotiation */
	size_t off = 5;
	if (!read_cid(p, len, &off, &h->dcid, &h->dcid_len) ||
	    !read_cid(p, len, &off, &scid, &scid_len))
		return -EINVAL;
	h->type = sl_quic_packet_type(h->version, p[0]);
	if (h->type == SL_QUIC_RETRY) {
		h->pn_offset = off;
		h->end = len;
		return 0;
	}
	if (h->type == SL_QUIC_INITIAL) { /* token */
		if (!sl_quic_varint(p, len, &off, &v) || v > len - off)
			return -EINVAL;
		off += (size_t)v;
	}
	if (!sl_quic_varint(p, len, &off, &v) || v > len - off)
		return -EINVAL;
	h->pn_offset = off;
	h->end = off + (size_t)v;
	return 0;
}

void sl_quic_initial_init(struct sl_quic_initial *s)
{
	memset(s, 0, sizeof(*s));
	s->largest_pn = -1;
}

void sl_quic_initial_finish(struct sl_quic_initial *s)
{
	free(s->buf);
	s->buf = NULL;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* Once the head of the first message has arrived, learn its length: a TLS
 * handshake header (type 1 ClientHello, 24-bit length) or a gQUIC CHLO
 * (tag count, then an index whose last end offset is the values' length). */
static void learn_length(struct sl_quic_initial *s)
{
	const uint8_t *b = s->buf;
	size_t need;
	if (sl_quic_version_gquic(s->version)) {
		if (s->contig < 8)
			return;
		size_t idx_end = 8 + 8 * (size_t)(b[4] | (b[5] << 8));
		if (memcmp(b, "CHLO", 4) != 0 || idx_end > SL_QUIC_CRYPTO_MAX) {
			s->gave_up = true;
			return;
		}
		if (s->contig < idx_end)
			return;
		need = idx_end + (idx_end > 8 ? le32(b + idx_end - 4) : 0);
	} else {
		if (s->contig < 4)
			return;
		if (b[0] != 1) {
			s->gave_up = true;
			return;
		}
		need = 4 + (((size_t)b[1] << 16) | ((size_t)b[2] << 8) | b[3]);
	}
	if (need > SL_QUIC_CRYPTO_MAX)
		s->gave_up = true;
	else
		s->need = (uint32_t)need;
}

/* Mark bytes [a, b) of the stream seen, whole bytes of the map at once (a
 * bit per byte of a ClientHello was most of an Initial's own cost). */
static void mark_seen(uint8_t *seen, size_t a, size_t b)
{
	for (; a < b && (a & 7); a++)
		seen[a >> 3] |= (uint8_t)(1u << (a & 7));
	if (a < b && b - a >= 8) {
		memset(seen + (a >> 3), 0xff, (b - a) >> 3);
		a += (b - a) & ~(size_t)7;
	}
	for (; a < b; a++)
		seen[a >> 3] |= (uint8_t)(1u << (a & 7));
}

static bool is_seen(const uint8_t *seen, size_t i)
{
	return i < SL_QUIC_CRYPTO_MAX && (seen[i >> 3] & (1u << (i & 7)));
}

/* The end of the run of bytes seen from c on, a full byte of the map a step. */
static size_t seen_until(const uint8_t *seen, size_t c)
{
	while ((c & 7) && is_seen(seen, c))
		c++;
	while (c < SL_QUIC_CRYPTO_MAX && seen[c >> 3] == 0xff)
		c += 8;
	while (is_seen(seen, c))
		c++;
	return c;
}

/* File CRYPTO bytes [off, off+n) of the stream; bytes past the buffer are
 * dropped (the message they belong to cannot complete anyway). */
static int crypto_add(struct sl_quic_initial *s, uint64_t off, const uint8_t *d, uint64_t n)
{
	if (s->complete || s->gave_up || off >= SL_QUIC_CRYPTO_MAX || n == 0)
		return 0;
	if (n > SL_QUIC_CRYPTO_MAX - off)
		n = SL_QUIC_CRYPTO_MAX - off;
	uint8_t *seen;
	if (!s->buf) {
		/* Only the map of bytes seen starts cleared: a byte of the buffer is
		 * read only once its bit says it was filed (contig, need), so the
		 * 16 KiB behind it is not written for every QUIC flow. */
		if (!(s->buf = malloc(SL_QUIC_CRYPTO_MAX + SL_QUIC_CRYPTO_MAX / 8)))
			return -ENOMEM;
		memset(s->buf + SL_QUIC_CRYPTO_MAX, 0, SL_QUIC_CRYPTO_MAX / 8);
	}
	seen = s->buf + SL_QUIC_CRYPTO_MAX;
	memcpy(s->buf + off, d, (size_t)n);
	mark_seen(seen, (size_t)off, (size_t)(off + n));
	s->contig = (uint32_t)seen_until(seen, s->contig);
	if (!s->need)
		learn_length(s);
	if (s->need && s->contig >= s->need)
		s->complete = true;
	return 0;
}

/* Skip count varints; false when the frame is cut short. */
static bool skip_varints(const uint8_t *p, size_t n, size_t *off, unsigned count)
{
	uint64_t v;
	while (count--)
		if (!sl_quic_varint(p, n, off, &v))
			return false;
	return true;
}

/* ACK (RFC 9000 §19.3): largest, delay, range count, first range, ranges
 * (gap, length) and, for type 0x03, three ECN counts. */
static bool skip_ack(const uint8_t *p, size_t n, size_t *off, bool ecn)
{
	uint64_t count;
	if (!skip_varints(p, n, off, 2) || !sl_quic_varint(p, n, off, &count) ||
	    !skip_varints(p, n, off, 1))
		return false;
	for (uint64_t i = 0; i < count; i++)
		if (!skip_varints(p, n, off, 2))
			return false;
	return !ecn || skip_varints(p, n, off, 3);
}

/* CONNECTION_CLOSE (0x1c with a frame type, 0x1d without) and its reason. */
static bool skip_close(const uint8_t *p, size_t n, size_t *off, bool transport)
{
	uint64_t reason;
	if (!skip_varints(p, n, off, transport ? 2 : 1) || !sl_quic_varint(p, n, off, &reason) ||
	    reason > n - *off)
		return false;
	*off += (size_t)reason;
	return true;
}

/* A CRYPTO frame's offset, length and data (IETF type 0x06; gQUIC Q050
 * numbers it 0x08 with the same layout). */
static int crypto_frame(struct sl_quic_initial *s, const uint8_t *p, size_t n, size_t *off)
{
	uint64_t at, len;
	if (!sl_quic_varint(p, n, off, &at) || !sl_quic_varint(p, n, off, &len) || len > n - *off)
		return -EINVAL;
	int rc = crypto_add(s, at, p + *off, len);
	*off += (size_t)len;
	return rc;
}

/* Past the PADDING frames (single zero bytes, most of a client Initial)
 * from off on, eight a step. */
static size_t skip_padding(const uint8_t *p, size_t n, size_t off)
{
	uint64_t w;
	for (; n - off >= 8; off += 8) {
		memcpy(&w, p + off, 8);
		if (w)
			break;
	}
	while (off < n && p[off] == 0)
		off++;
	return off;
}

/* Walk the frames of a decrypted Initial.  Only the types an Initial may
 * carry are understood; anything else ends the walk with what was filed. */
static int walk_frames(struct sl_quic_initial *s, const uint8_t *p, size_t n)
{
	bool gquic = sl_quic_version_gquic(s->version);
	size_t off = 0;
	while (off < n) {
		uint8_t type = p[off++];
		bool ok = true;
		if (type == 0x00) {
			off = skip_padding(p, n, off);
			continue;
		}
		if (type == 0x01 && !gquic)
			continue; /* PING */
		if (type == (gquic ? 0x08 : 0x06)) {
			int rc = crypto_frame(s, p, n, &off);
			if (rc < 0)
				return rc;
		} else if (!gquic && (type == 0x02 || type == 0x03)) {
			ok = skip_ack(p, n, &off, type == 0x03);
		} else if (!gquic && (type == 0x1c || type == 0x1d)) {
			ok = skip_close(p, n, &off, type == 0x1c);
		} else {
			return -EPROTO;
		}
		if (!ok)
			return -EINVAL;
	}
	return 0;
}

/* Keys from the first Initial's DCID; after a Retry (have_keys cleared)
 * from the next Initial's.  A packet that fails with them is retried with
 * its own DCID once, for a Retry the sensor did not see. */
static int open_initial(struct sl_quic_crypto *c, struct sl_quic_initial *s, const uint8_t *pkt,
			const struct long_hdr *h, uint8_t *out, size_t *outlen, uint64_t *pn)
{
	struct sl_quic_keys alt;
	int rc;
	if (!s->have_keys) {
		if ((rc = sl_quic_client_keys(c, h->version, h->dcid, h->dcid_len, &s->keys)) < 0)
			return rc;
		memcpy(s->dcid, h->dcid, h->dcid_len);
		s->dcid_len = h->dcid_len;
		s->have_keys = true;
	}
	rc = sl_quic_open(c, &s->keys, pkt, h->end, h->pn_offset, s->largest_pn, out,
			  SL_QUIC_PACKET_MAX, outlen, pn);
	if (rc != -EBADMSG || (h->dcid_len == s->dcid_len && !memcmp(h->dcid, s->dcid, s->dcid_len)))
		return rc;
	if (sl_quic_client_keys(c, h->version, h->dcid, h->dcid_len, &alt) < 0 ||
	    sl_quic_open(c, &alt, pkt, h->end, h->pn_offset, s->largest_pn, out,
			 SL_QUIC_PACKET_MAX, outlen, pn) < 0)
		return rc;
	s->keys = alt;
	memcpy(s->dcid, h->dcid, h->dcid_len);
	s->dcid_len = h->dcid_len;
	return 0;
}

/* One Initial packet: 1 decrypted, 0 ignored, or a negative error. */
static int initial_packet(struct sl_quic_crypto *c, struct sl_quic_initial *s, const uint8_t *pkt,
			  const struct long_hdr *h)
{
	uint8_t pt[SL_QUIC_PACKET_MAX];
	size_t n;
	uint64_t pn;
	if (h->version != s->version) {
		if (s->decrypted)
			return 0; /* a second version after success: not this connection's */
		s->version = h->version; /* first Initial, or a new one after Version Negotiation */
		s->have_keys = false;
	}
	if (s->failures >= SL_QUIC_FAIL_MAX)
		return -EBADMSG;
	int rc = open_initial(c, s, pkt, h, pt, &n, &pn);
	if (rc < 0) {
		s->failures++;
		return rc;
	}
	s->decrypted++;
	if ((int64_t)pn > s->largest_pn)
		s->largest_pn = (int64_t)pn;
	rc = walk_frames(s, pt, n);
	return rc == -ENOMEM ? rc : 1;
}

int sl_quic_initial_client(struct sl_quic_crypto *c, struct sl_quic_initial *s,
			   const uint8_t *dgram, size_t len)
{
	size_t off = 0;
	int done = 0, err = 0;
	while (off < len && (dgram[off] & 0x80)) {
		struct long_hdr h;
		if (parse_long(dgram + off, len - off, &h) < 0) {
			err = -EINVAL;
			break;
		}
		if (h.type == SL_QUIC_RETRY)
			break; /* a client never sends one */
		if (h.type == SL_QUIC_INITIAL) {
			int rc = initial_packet(c, s, dgram + off, &h);
			if (rc > 0)
				done += rc;
			else if (rc < 0 && !err)
				err = rc;
			if (rc == -ENOMEM)
				return rc;
		}
		off += h.end;
	}
	return done ? done : err;
}

void sl_quic_initial_server(struct sl_quic_initial *s, const uint8_t *dgram, size_t len)
{
	struct long_hdr h;
	if (parse_long(dgram, len, &h) == 0 && h.type == SL_QUIC_RETRY && h.version == s->version &&
	    !s->complete)
		s->have_keys = false; /* the next client Initial carries the new DCID */
}

const uint8_t *sl_quic_initial_message(const struct sl_quic_initial *s, size_t *len)
{
	if (!s->complete)
		return NULL;
	*len = s->need;
	return s->buf;
}

/* Copy a tag value as a string, stopping at a NUL. */
static void copy_value(char *dst, size_t size, const uint8_t *v, size_t n)
{
	size_t i = 0;
	for (; i < n && i + 1 < size && v[i]; i++)
		dst[i] = (char)v[i];
	dst[i] = '\0';
}

int sl_gquic_parse_chlo(const uint8_t *m, size_t len, struct sl_gquic_chlo *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 8 || memcmp(m, "CHLO", 4) != 0)
		return -EINVAL;
	size_t ntags = (size_t)(m[4] | (m[5] << 8));
	size_t base = 8 + 8 * ntags;
	uint32_t prev = 0;
	for (size_t i = 0; i < ntags && 16 + 8 * i <= len; i++) {
		const uint8_t *e = m + 8 + 8 * i;
		uint32_t end = le32(e + 4);
		if (end < prev)
			break; /* offsets only grow */
		if (base <= len && end <= len - base) {
			const uint8_t *v = m + base + prev;
			size_t n = end - prev;
			if (!memcmp(e, "SNI\0", 4))
				copy_value(out->sni, sizeof(out->sni), v, n);
			else if (!memcmp(e, "UAID", 4))
				copy_value(out->uaid, sizeof(out->uaid), v, n);
			else if (!memcmp(e, "VER\0", 4) && n == 4)
				out->ver = ((uint32_t)v[0] << 24) | ((uint32_t)v[1] << 16) |
					   ((uint32_t)v[2] << 8) | v[3];
		}
		prev = end;
	}
	return 0;
}
