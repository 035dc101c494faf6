/* The TLS record and handshake layers over an in-order byte stream, for
 * whichever transport carries it (TCP in tls.c): ClientHello (SNI, ALPN,
 * lists, JA3, JA4), ServerHello (version, cipher, JA3S), the server
 * certificate of TLS <= 1.2, and the application-handshake round trip.
 * Specs: RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2 records and handshake), RFC
 * 6101 (SSLv3), RFC 6066 (SNI), RFC 7301 (ALPN); JA3/JA3S: salesforce/ja3;
 * JA4: FoxIO-LLC/ja4 JA4.md.
 *
 * The handshake records' bodies of each direction are joined into handshake
 * messages, so hellos and certificates spanning records are seen whole.
 * Buffers exist only while a partial message is held. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/cursor.h"
#include "sightline/proto.h"
#include "tls_hello.h"
#include "tls_priv.h"

/* Tunables (bytes). */
#define TLS_HS_MAX (64 * 1024)        /* one handshake message being joined, per direction */
#define TLS_TEXT_MAX (16 * 1024)      /* strings kept for the flow event */
#define TLS_RECORD_MAX (16384 + 2048) /* TLSCiphertext.length limit, RFC 5246 §6.2.3 */

enum { REC_CCS = 20, REC_HANDSHAKE = 22, REC_SSLV2 = 0x80 };
enum {
	HS_CLIENT_HELLO = 1,
	HS_SERVER_HELLO = 2,
	HS_CERTIFICATE = 11,
	HS_SERVER_KEY_EXCHANGE = 12,
	HS_CERTIFICATE_REQUEST = 13,
	HS_SERVER_HELLO_DONE = 14,
};

/* Roles, once learnt (learn_roles()). */
static bool is_client(const struct sl_tls_session *s, enum sl_dir dir)
{
	return s->client_side == 1 + dir;
}

static enum sl_dir server_dir(const struct sl_tls_session *s)
{
	return s->client_side == 1 + SL_DIR_TOCLIENT ? SL_DIR_TOSERVER : SL_DIR_TOCLIENT;
}

/* ---- strings kept for the event ---------------------------------------- */

/* Keep str as text id (first value wins); silently absent past TLS_TEXT_MAX. */
static void text_set(struct sl_tls_session *s, enum sl_tls_text id, const char *str)
{
	size_t n = strlen(str) + 1;
	if (s->off[id] || n > (size_t)TLS_TEXT_MAX - s->text_len)
		return;
	if (s->text_len + n > s->text_cap) {
		size_t cap = s->text_cap ? s->text_cap : 1024;
		while (cap < s->text_len + n)
			cap *= 2;
		cap = cap > TLS_TEXT_MAX ? TLS_TEXT_MAX : cap;
		char *t = realloc(s->text, cap);
		if (!t)
			return;
		s->text = t;
		s->text_cap = (uint16_t)cap;
	}
	memcpy(s->text + s->text_len, str, n);
	s->off[id] = (uint16_t)(s->text_len + 1);
	s->text_len = (uint16_t)(s->text_len + n);
}

const char *sl_tls_session_text(const struct sl_tls_session *s, enum sl_tls_text id)
{
	return s && s->off[id] ? s->text + s->off[id] - 1 : NULL;
}

/* "1301,1302,c02b": 4-digit lowercase hex in wire order, GREASE kept (it is
 * a fact about the client). */
static void text_hex_list(struct sl_tls_session *s, enum sl_tls_text id, const uint16_t *v, size_t n)
{
	/* a byte's two digits a step: a shift, mask and lookup per digit was
	 * most of the time spent on these lists */
	static const char hex2[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
		"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
		"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
	char buf[SL_TLS_LIST_MAX * 5 + 1];
	char *o = buf;
	for (size_t i = 0; i < n && i < SL_TLS_LIST_MAX; i++) {
		if (i)
			*o++ = ',';
		memcpy(o, hex2 + 2 * (v[i] >> 8), 2);
		memcpy(o + 2, hex2 + 2 * (v[i] & 0xff), 2);
		o += 4;
	}
	*o = '\0';
	if (n)
		text_set(s, id, buf);
}

const char *sl_tls_version_name(uint16_t v, char *buf, size_t len)
{
	static const struct { uint16_t v; const char *name; } names[] = {
		{ 0x0002, "SSLv2" }, { 0x0300, "SSLv3" }, { 0x0301, "TLS 1.0" },
		{ 0x0302, "TLS 1.1" }, { 0x0303, "TLS 1.2" }, { 0x0304, "TLS 1.3" },
		{ 0xfeff, "DTLS 1.0" }, { 0xfefd, "DTLS 1.2" }, { 0xfefc, "DTLS 1.3" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].v == v)
			return names[i].name;
	if ((v >> 8) == 0x7f)
		snprintf(buf, len, "TLS 1.3 draft %u", v & 0xff);
	else
		snprintf(buf, len, "0x%04x", v);
	return buf;
}

static bool is_tls13(uint16_t v)
{
	return v == 0x0304 || (v >> 8) == 0x7f;
}

/* ---- handshake messages ------------------------------------------------ */

/* The client's supported_versions list as hex (the parsed hello keeps only
 * its maximum). */
static void keep_supported_versions(struct sl_tls_session *s, const uint8_t *body, size_t len)
{
	struct sl_cursor exts, data, l;
	uint16_t type, elen, v[64];
	uint8_t llen;
	size_t n = 0;
	if (sl_tls_hello_extensions(body, len, &exts) < 0)
		return;
	while (sl_rd_be16(&exts, &type) && sl_rd_be16(&exts, &elen) && sl_rd_sub(&exts, elen, &data)) {
		if (type != 0x002b || !sl_rd_u8(&data, &llen) || !sl_rd_sub(&data, llen, &l))
			continue;
		while (n < ARRAY_SIZE(v) && sl_rd_be16(&l, &v[n]))
			n++;
		text_hex_list(s, SL_TLS_T_SVERS, v, n);
		return;
	}
}

static void keep_alpn(struct sl_tls_session *s, const struct sl_tls_client_hello *ch)
{
	if (!ch->n_alpn)
		return;
	text_set(s, SL_TLS_T_ALPN, ch->alpn);
	s->alpn_cut = ch->alpn_cut;
}

/* A well-formed hello names the flow (the first parser to do so wins). */
static void identify(struct sl_tls_session *s, const struct sl_proto_pkt *pp)
{
	if (!s->identified) {
		s->identified = true;
		if (s->owner)
			sl_app_identify(pp->flow, s->owner);
	}
}

static int on_client_hello(struct sl_tls_session *s, const uint8_t *body, size_t len,
			   const struct sl_proto_pkt *pp)
{
	struct sl_tls_client_hello ch;
	char ja3[3072], md5[33], ja4[SL_JA4_LEN];
	if (sl_tls_parse_client_hello(body, len, &ch) < 0)
		return -EINVAL;
	s->ch_done = true;
	identify(s, pp);
	s->client_version = ch.supported_version_max ? ch.supported_version_max : ch.legacy_version;
	s->ech = ch.ech || ch.esni;
	if (ch.sni[0])
		text_set(s, SL_TLS_T_SNI, ch.sni);
	keep_alpn(s, &ch);
	text_hex_list(s, SL_TLS_T_CIPHERS, ch.ciphers, ch.n_ciphers);
	text_hex_list(s, SL_TLS_T_EXTS, ch.extensions, ch.n_extensions);
	text_hex_list(s, SL_TLS_T_SIGALGS, ch.sig_algs, ch.n_sig_algs);
	keep_supported_versions(s, body, len);
	/* A list longer than the parser keeps would give a wrong fingerprint:
	 * better none than a false one. */
	if (!ch.truncated_lists) {
		sl_tls_ja3(&ch, ja3, sizeof(ja3), md5);
		text_set(s, SL_TLS_T_JA3_STRING, ja3);
		text_set(s, SL_TLS_T_JA3, md5);
		sl_tls_ja4(&ch, 't', ja4);
		text_set(s, SL_TLS_T_JA4, ja4);
	}
	return 0;
}

/* SHA-256("HelloRetryRequest"), the random of an HRR (RFC 8446 §4.1.3). */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* ServerHello extensions: their types (for JA3S), supported_versions and
 * the chosen ALPN protocol. */
static int server_extensions(struct sl_tls_session *s, struct sl_cursor exts, uint16_t *types,
			     size_t *n, uint16_t *selected)
{
	uint16_t type, len;
	uint8_t nlen;
	struct sl_cursor data;
	char alpn[256];
	const uint8_t *name;
	while (sl_cursor_left(&exts)) {
		if (!sl_rd_be16(&exts, &type) || !sl_rd_be16(&exts, &len) || !sl_rd_sub(&exts, len, &data))
			return -EINVAL;
		if (*n < SL_TLS_LIST_MAX)
			types[(*n)++] = type;
		if (type == 0x002b)
			sl_rd_be16(&data, selected);
		if (type == 0x0010 && sl_rd_skip(&data, 2) && sl_rd_u8(&data, &nlen) &&
		    sl_rd_bytes(&data, nlen, &name)) {
			for (size_t i = 0; i < nlen; i++)
				alpn[i] = name[i] ? (char)name[i] : '?';
			alpn[nlen] = '\0';
			text_set(s, SL_TLS_T_ALPN_SERVER, alpn);
		}
	}
	return 0;
}

/* ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3) and JA3S =
 * "SSLVersion,Cipher,SSLExtension" (decimal, extensions joined by '-'). */
static int on_server_hello(struct sl_tls_session *s, const uint8_t *body, size_t len,
			   const struct sl_proto_pkt *pp)
{
	struct sl_cursor c = sl_cursor_make(body, len), exts = sl_cursor_make(body, 0);
	uint16_t version, cipher, ext_len, selected = 0, types[SL_TLS_LIST_MAX];
	uint8_t sid_len, comp;
	const uint8_t *random;
	size_t ntypes = 0;
	char v[8], cs[8], str[1024], md5[33];
	if (!sl_rd_be16(&c, &version) || !sl_rd_bytes(&c, 32, &random))
		return -EINVAL;
	/* TLS 1.3 drafts before -22 put their own version (0x7fNN) here and
	 * had neither legacy_session_id_echo nor legacy_compression_method;
	 * draft-22 restored both and moved the version to supported_versions. */
	bool draft = (version >> 8) == 0x7f;
	if (!draft && (!sl_rd_u8(&c, &sid_len) || sid_len > 32 || !sl_rd_skip(&c, sid_len)))
		return -EINVAL;
	if (!sl_rd_be16(&c, &cipher) || (!draft && !sl_rd_u8(&c, &comp)))
		return -EINVAL;
	if (sl_cursor_left(&c) && (!sl_rd_be16(&c, &ext_len) || !sl_rd_sub(&c, ext_len, &exts)))
		return -EINVAL;
	if (server_extensions(s, exts, types, &ntypes, &selected) < 0)
		return -EINVAL;
	identify(s, pp);
	if (memcmp(random, hrr_random, sizeof(hrr_random)) == 0) {
		s->hrr_seen = true; /* the real ServerHello follows the second ClientHello */
		return 0;
	}
	s->sh_done = true;
	s->server_version = selected ? selected : version;
	s->cipher = cipher;
	snprintf(v, sizeof(v), "%u", version);
	snprintf(cs, sizeof(cs), "%u", cipher);
	const char *const parts[] = { v, ",", cs, ",", NULL };
	const uint16_t *const lists[] = { NULL, NULL, NULL, NULL, types };
	const size_t counts[] = { 0, 0, 0, 0, ntypes };
	sl_tls_md5_text(parts, ARRAY_SIZE(parts), lists, counts, str, sizeof(str), md5);
	text_set(s, SL_TLS_T_JA3S_STRING, str);
	text_set(s, SL_TLS_T_JA3S, md5);
	if (is_tls13(s->server_version)) {
		/* everything after the ServerHello is encrypted: the server's first
		 * flight ends with the last packet before the client answers */
		s->d[server_dir(s)].encrypted = true;
		s->rtt_armed = s->rtt_follow = true;
		s->rtt_from = pp->pkt->ts;
	}
	return 0;
}

/* The first certificate of a TLS <= 1.2 Certificate message (RFC 5246
 * §7.4.2), from the avail bytes of the body received so far.  Returns 1 when
 * done (parsed, or the message is unusable), 0 when more bytes are needed. */
static int on_certificate(struct sl_tls_session *s, const uint8_t *body, size_t avail, bool complete)
{
	struct sl_cursor c = sl_cursor_make(body, avail);
	uint32_t list_len, cert_len;
	const uint8_t *der;
	struct sl_tls_cert cert;
	if (!sl_rd_be24(&c, &list_len) || !sl_rd_be24(&c, &cert_len) ||
	    !sl_rd_bytes(&c, cert_len, &der))
		return complete ? 1 : 0;
	s->cert_done = true;
	if (cert_len > list_len || sl_tls_cert_parse(der, cert_len, &cert) < 0)
		return 1;
	text_set(s, SL_TLS_T_SUBJECT, cert.subject);
	text_set(s, SL_TLS_T_ISSUER, cert.issuer);
	text_set(s, SL_TLS_T_SHA1, cert.sha1);
	if (cert.not_before[0])
		text_set(s, SL_TLS_T_NOT_BEFORE, cert.not_before);
	if (cert.not_after[0])
		text_set(s, SL_TLS_T_NOT_AFTER, cert.not_after);
	if (cert.san[0])
		text_set(s, SL_TLS_T_SAN, cert.san);
	s->self_signed = cert.self_signed;
	return 1;
}

/* The round trip starts at the packet completing ServerHelloDone (TLS 1.2)
 * or at the server's last packet before the client answers (TLS 1.3,
 * abbreviated handshakes: rtt_follow). */
static void rtt_arm(struct sl_tls_session *s, const struct sl_proto_pkt *pp, bool follow)
{
	if (s->rtt_armed)
		return;
	s->rtt_armed = true;
	s->rtt_follow = follow;
	s->rtt_from = pp->pkt->ts;
}

/* Which side is the TLS client follows from the handshake messages, not
 * from who sent the flow's first packet: a capture that begins after the
 * client's first flight starts with the server's ServerHello.  The first
 * message that only one side sends settles it. */
static void learn_roles(struct sl_tls_session *s, enum sl_dir dir, uint8_t type)
{
	if (s->client_side)
		return;
	if (type == HS_CLIENT_HELLO)
		s->client_side = (uint8_t)(1 + dir);
	else if (type == HS_SERVER_HELLO || type == HS_CERTIFICATE || type == HS_SERVER_KEY_EXCHANGE ||
		 type == HS_CERTIFICATE_REQUEST || type == HS_SERVER_HELLO_DONE)
		s->client_side = (uint8_t)(1 + !dir);
}

/* One complete handshake message.  Returns -EINVAL when a hello does not
 * parse (so an unidentified flow is not TLS). */
static int on_message(struct sl_tls_session *s, enum sl_dir dir, uint8_t type, const uint8_t *body,
		      size_t len, const struct sl_proto_pkt *pp)
{
	int rc = 0;
	learn_roles(s, dir, type);
	if (!s->client_side)
		return 0;
	if (is_client(s, dir)) {
		if (type == HS_CLIENT_HELLO && !s->ch_done)
			rc = on_client_hello(s, body, len, pp);
	} else if (type == HS_SERVER_HELLO && !s->sh_done) {
		rc = on_server_hello(s, body, len, pp);
	} else if (type == HS_CERTIFICATE && !s->cert_done) {
		on_certificate(s, body, len, true);
	} else if (type == HS_SERVER_HELLO_DONE) {
		s->shd_seen = true;
		rtt_arm(s, pp, false);
	}
	return rc;
}

bool sl_tls_session_wants(const struct sl_tls_session *s, enum sl_dir dir)
{
	const struct sl_tls_dir *d = &s->d[dir];
	if (d->dead || d->encrypted)
		return false;
	if (!s->client_side)
		return true;
	if (is_client(s, dir))
		return !s->ch_done;
	return !(s->sh_done && s->shd_seen);
}

static void hs_clear(struct sl_tls_dir *d)
{
	free(d->hs);
	d->hs = NULL;
	d->hs_len = d->hs_cap = 0;
}

static bool hs_reserve(struct sl_tls_dir *d, size_t want)
{
	if (want > TLS_HS_MAX)
		return false;
	if (want <= d->hs_cap)
		return true;
	size_t cap = want < 2048 ? 2048 : want;
	uint8_t *b = realloc(d->hs, cap);
	if (!b)
		return false;
	d->hs = b;
	d->hs_cap = (uint32_t)cap;
	return true;
}

static uint32_t rd24(const uint8_t *p)
{
	struct sl_cursor c = sl_cursor_make(p, 3);
	uint32_t v = 0;
	sl_rd_be24(&c, &v);
	return v;
}

/* Append to the partial message in d->hs; handle it once whole.  A message
 * over TLS_HS_MAX is passed over and counted.  A Certificate message is
 * released as soon as its first certificate is in: the rest of the chain is
 * passed over, so chains never need to fit. */
static int hs_buffer(struct sl_tls_session *s, enum sl_dir dir, const uint8_t **p, size_t *n,
		     const struct sl_proto_pkt *pp)
{
	struct sl_tls_dir *d = &s->d[dir];
	size_t want = d->hs_len < 4 ? 4 : 4 + (size_t)rd24(d->hs + 1);
	if (!hs_reserve(d, want)) {
		s->overflows++;
		if (d->hs_len < 4) {
			d->dead = true;
			return 0;
		}
		d->skip_left = (uint32_t)(want - d->hs_len);
		hs_clear(d);
		return 0;
	}
	size_t k = want - d->hs_len < *n ? want - d->hs_len : *n;
	memcpy(d->hs + d->hs_len, *p, k);
	d->hs_len += (uint32_t)k;
	*p += k;
	*n -= k;
	if (d->hs_len < 4 || (want == 4 && rd24(d->hs + 1) > 0))
		return 0; /* header just completed: the next call sizes the body */
	want = 4 + (size_t)rd24(d->hs + 1);
	if (d->hs_len == want) {
		int rc = on_message(s, dir, d->hs[0], d->hs + 4, want - 4, pp);
		hs_clear(d);
		return rc;
	}
	learn_roles(s, dir, d->hs[0]);
	if (d->hs[0] == HS_CERTIFICATE && s->client_side && !is_client(s, dir) && !s->cert_done &&
	    on_certificate(s, d->hs + 4, d->hs_len - 4, false)) {
		d->skip_left = (uint32_t)(want - d->hs_len);
		hs_clear(d);
	}
	return 0;
}

/* Handshake-record body bytes, in order.  Whole messages inside the packet
 * are handled in place; only a message cut by a segment or record boundary
 * is copied. */
static int hs_feed(struct sl_tls_session *s, enum sl_dir dir, const uint8_t *p, size_t n,
		   const struct sl_proto_pkt *pp)
{
	struct sl_tls_dir *d = &s->d[dir];
	while (n && sl_tls_session_wants(s, dir)) {
		if (d->skip_left) {
			size_t k = d->skip_left < n ? d->skip_left : n;
			d->skip_left -= (uint32_t)k;
			p += k;
			n -= k;
			continue;
		}
		if (!d->hs_len && n >= 4 && rd24(p + 1) <= n - 4) {
			size_t len = rd24(p + 1);
			if (on_message(s, dir, p[0], p + 4, len, pp) < 0)
				return -EINVAL;
			p += 4 + len;
			n -= 4 + len;
			continue;
		}
		if (hs_buffer(s, dir, &p, &n, pp) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- records ----------------------------------------------------------- */

/* A record header is complete in d->hdr: check it.  The client's first
 * record may be an SSLv2-compatible CLIENT-HELLO (RFC 6101 Appendix E.1):
 * it is recognised and passed over, never parsed. */
static int record_start(struct sl_tls_session *s, struct sl_tls_dir *d, enum sl_dir dir)
{
	const uint8_t *h = d->hdr;
	uint16_t len = (uint16_t)((h[3] << 8) | h[4]);
	bool first = !d->any_record;
	d->any_record = true;
	if (first && dir == SL_DIR_TOSERVER && (h[0] & 0x80) && h[2] == 1 &&
	    (h[3] == 3 || (h[3] == 0 && h[4] == 2))) {
		uint16_t v2len = (uint16_t)(((h[0] & 0x7f) << 8) | h[1]);
		if (v2len < 3 + 6)
			return -EINVAL;
		d->rec_type = REC_SSLV2;
		s->client_side = 1 + SL_DIR_TOSERVER;
		d->rec_left = (uint16_t)(v2len - 3);
		s->client_version = (uint16_t)((h[3] << 8) | h[4]);
		return 0;
	}
	if (h[0] < 20 || h[0] > 24 || h[1] != 3 || len > TLS_RECORD_MAX)
		return -EINVAL;
	d->rec_type = h[0];
	d->rec_left = len;
	return 0;
}

/* TLS 1.3 in middlebox-compatibility mode (RFC 8446 Appendix D.4) sends a
 * ChangeCipherSpec that changes nothing: the server's right after its
 * HelloRetryRequest or ServerHello, the client's before its second flight.
 * After a HelloRetryRequest the real ServerHello still follows in clear, so
 * such a record must not end the plaintext handshake. */
static bool ccs_is_dummy(const struct sl_tls_session *s)
{
	return s->sh_done ? is_tls13(s->server_version) : s->hrr_seen;
}

static void record_end(struct sl_tls_session *s, struct sl_tls_dir *d, enum sl_dir dir,
		       const struct sl_proto_pkt *pp)
{
	d->hdr_len = 0;
	if (d->rec_type != REC_CCS || ccs_is_dummy(s))
		return;
	d->encrypted = true; /* what follows ChangeCipherSpec is protected */
	if (s->client_side && !is_client(s, dir))
		rtt_arm(s, pp, true);
}

int sl_tls_session_feed(struct sl_tls_session *s, enum sl_dir dir, const uint8_t *p, size_t n,
			const struct sl_proto_pkt *pp)
{
	struct sl_tls_dir *d = &s->d[dir];
	while (n && !d->dead) {
		if (d->hdr_len < 5) {
			size_t k = 5u - d->hdr_len < n ? 5u - d->hdr_len : n;
			memcpy(d->hdr + d->hdr_len, p, k);
			d->hdr_len = (uint8_t)(d->hdr_len + k);
			p += k;
			n -= k;
			if (d->hdr_len < 5)
				break;
			if (record_start(s, d, dir) < 0)
				return -EINVAL;
			if (d->rec_left == 0)
				record_end(s, d, dir, pp);
			continue;
		}
		size_t k = d->rec_left < n ? d->rec_left : n;
		if (d->rec_type == REC_HANDSHAKE && hs_feed(s, dir, p, k, pp) < 0)
			return -EINVAL;
		p += k;
		n -= k;
		d->rec_left = (uint16_t)(d->rec_left - k);
		if (d->rec_left == 0)
			record_end(s, d, dir, pp);
	}
	return 0;
}

/* The client's next new payload after the server's flight closes the round
 * trip; in follow mode every server packet before it moves the start. */
void sl_tls_session_packet(struct sl_tls_session *s, const struct sl_proto_pkt *pp, bool new_data)
{
	if (!sl_tls_session_wants(s, pp->dir)) {
		hs_clear(&s->d[pp->dir]); /* the rest of this direction is not read */
		s->d[pp->dir].skip_left = 0;
	}
	if (!s->rtt_armed || s->rtt_done)
		return;
	sl_time_us ts = pp->pkt->ts;
	if (pp->dir == server_dir(s)) {
		if (s->rtt_follow && ts > s->rtt_from)
			s->rtt_from = ts;
		return;
	}
	if (!new_data || ts < s->rtt_from)
		return;
	s->rtt_done = true;
	sl_app_set_rtt(pp->flow, ts - s->rtt_from);
}


bool sl_tls_session_finished(const struct sl_tls_session *s)
{
	return !sl_tls_session_wants(s, SL_DIR_TOSERVER) && !sl_tls_session_wants(s, SL_DIR_TOCLIENT) &&
	       s->rtt_done;
}

void sl_tls_session_drop(struct sl_tls_session *s, enum sl_dir dir)
{
	s->d[dir].dead = true;
	hs_clear(&s->d[dir]);
}

void sl_tls_session_free_buffers(struct sl_tls_session *s)
{
	hs_clear(&s->d[0]);
	hs_clear(&s->d[1]);
}

void sl_tls_session_release(struct sl_tls_session *s)
{
	sl_tls_session_free_buffers(s);
	free(s->text);
	s->text = NULL;
}
