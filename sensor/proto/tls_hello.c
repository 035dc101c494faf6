/* ClientHello parsing (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2, extensions per
 * RFC 6066, 7301, 8422, 8446 §4.2, draft-ietf-tls-esni) and the JA3
 * (salesforce/ja3 README) and JA4 (FoxIO-LLC/ja4 technical_details/JA4.md)
 * client fingerprints.  Shared by TLS, QUIC and DTLS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sightline/digest.h"
#include "sightline/cursor.h"
#include "tls_hello.h"
#include "tls_priv.h"

/* Append v to list (capacity SL_TLS_LIST_MAX), noting overflow. */
static void keep16(uint16_t *list, uint16_t *n, uint16_t v, bool *truncated)
{
	if (*n < SL_TLS_LIST_MAX)
		list[(*n)++] = v;
	else
		*truncated = true;
}

/* A u16-length-prefixed list of u16 values (supported_groups, sig algs). */
static void parse_u16_list(struct sl_cursor c, uint16_t *list, uint16_t *n, bool *truncated)
{
	uint16_t len, v;
	struct sl_cursor l;
	if (!sl_rd_be16(&c, &len) || !sl_rd_sub(&c, len, &l))
		return;
	while (sl_rd_be16(&l, &v))
		keep16(list, n, v, truncated);
}

/* Copy n raw bytes into a C string of size cap (NUL bytes become '?', so the
 * string is never cut short by the peer). */
static void copy_name(char *dst, size_t cap, const uint8_t *b, size_t n)
{
	if (n > cap - 1)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = b[i] ? (char)b[i] : '?';
	dst[n] = '\0';
}

/* server_name (RFC 6066 §3): the first host_name entry. */
static void parse_sni(struct sl_cursor c, struct sl_tls_client_hello *ch)
{
	uint16_t len, nlen;
	uint8_t type;
	const uint8_t *name;
	struct sl_cursor l;
	ch->has_sni = true;
	if (!sl_rd_be16(&c, &len) || !sl_rd_sub(&c, len, &l))
		return;
	while (sl_rd_u8(&l, &type) && sl_rd_be16(&l, &nlen) && sl_rd_bytes(&l, nlen, &name)) {
		if (type == 0) {
			copy_name(ch->sni, sizeof(ch->sni), name, nlen);
			return;
		}
	}
}

/* Append one ALPN name to the joined list, whole or not at all. */
static void alpn_append(struct sl_tls_client_hello *ch, size_t *len, const uint8_t *name,
			uint8_t nlen)
{
	size_t need = (*len ? 1u : 0u) + nlen;
	if (ch->alpn_cut || *len + need >= sizeof(ch->alpn)) {
		ch->alpn_cut = true;
		return;
	}
	if (*len)
		ch->alpn[(*len)++] = ',';
	for (size_t i = 0; i < nlen; i++)
		ch->alpn[(*len)++] = name[i] == 0 || name[i] == ',' ? '?' : (char)name[i];
	ch->alpn[*len] = '\0';
}

/* application_layer_protocol_negotiation (RFC 7301 §3.1): every name is
 * counted and, as far as SL_TLS_ALPN_TEXT allows, kept; the first is also
 * kept raw for JA4.  Keeping fewer names never touches the fingerprints. */
static void parse_alpn(struct sl_cursor c, struct sl_tls_client_hello *ch)
{
	uint16_t len;
	uint8_t nlen;
	const uint8_t *name;
	struct sl_cursor l;
	size_t text = strlen(ch->alpn);
	if (!sl_rd_be16(&c, &len) || !sl_rd_sub(&c, len, &l))
		return;
	while (sl_rd_u8(&l, &nlen) && sl_rd_bytes(&l, nlen, &name)) {
		if (ch->n_alpn == 0) {
			memcpy(ch->alpn_first, name, nlen);
			ch->alpn_first_len = nlen;
		}
		if (ch->n_alpn < UINT16_MAX)
			ch->n_alpn++;
		alpn_append(ch, &text, name, nlen);
	}
}

bool sl_tls_alpn_copy(const struct sl_tls_client_hello *ch, char *dst, size_t cap)
{
	size_t n = strlen(ch->alpn);
	if (!cap)
		return false;
	if (n < cap) {
		memcpy(dst, ch->alpn, n + 1);
		return !ch->alpn_cut;
	}
	/* cut before the last comma that leaves a whole name inside cap */
	size_t k = cap - 1;
	while (k > 0 && ch->alpn[k] != ',')
		k--;
	memcpy(dst, ch->alpn, k);
	dst[k] = '\0';
	return false;
}

/* ec_point_formats (RFC 8422 §5.1.2): u8 length, u8 values. */
static void parse_point_formats(struct sl_cursor c, struct sl_tls_client_hello *ch)
{
	uint8_t len, v;
	struct sl_cursor l;
	if (!sl_rd_u8(&c, &len) || !sl_rd_sub(&c, len, &l))
		return;
	while (sl_rd_u8(&l, &v)) {
		if (ch->n_ec_point_formats < ARRAY_SIZE(ch->ec_point_formats))
			ch->ec_point_formats[ch->n_ec_point_formats++] = v;
		else
			ch->truncated_lists = true;
	}
}

bool sl_tls_version_newer(uint16_t a, uint16_t b)
{
	bool da = (a >> 8) == 0xfe, db = (b >> 8) == 0xfe;
	if (da && db)
		return a < b; /* DTLS counts down: 0xfefc (1.3) is newer than 0xfefd */
	return a > b;
}

/* supported_versions (RFC 8446 §4.2.1), client form: u8 length, u16 list. */
static void parse_versions(struct sl_cursor c, struct sl_tls_client_hello *ch)
{
	uint8_t len;
	uint16_t v;
	struct sl_cursor l;
	if (!sl_rd_u8(&c, &len) || !sl_rd_sub(&c, len, &l))
		return;
	while (sl_rd_be16(&l, &v))
		if (!sl_tls_is_grease(v) &&
		    (!ch->supported_version_max || sl_tls_version_newer(v, ch->supported_version_max)))
			ch->supported_version_max = v;
}

static void parse_extension(uint16_t type, struct sl_cursor data, struct sl_tls_client_hello *ch)
{
	switch (type) {
	case 0x0000: parse_sni(data, ch); break;
	case 0x000a: parse_u16_list(data, ch->groups, &ch->n_groups, &ch->truncated_lists); break;
	case 0x000b: parse_point_formats(data, ch); break;
	case 0x000d: parse_u16_list(data, ch->sig_algs, &ch->n_sig_algs, &ch->truncated_lists); break;
	case 0x0010: parse_alpn(data, ch); break;
	case 0x002b: parse_versions(data, ch); break;
	case 0xfe0d: ch->ech = true; break;
	case 0xffce: ch->esni = true; break;
	default: break;
	}
}

int sl_tls_hello_extensions(const uint8_t *body, size_t len, struct sl_cursor *exts)
{
	struct sl_cursor c = sl_cursor_make(body, len);
	uint8_t sid_len, comp_len;
	uint16_t cs_len, ext_len;
	if (!sl_rd_skip(&c, 2 + 32) || !sl_rd_u8(&c, &sid_len) || sid_len > 32 ||
	    !sl_rd_skip(&c, sid_len) || !sl_rd_be16(&c, &cs_len) || (cs_len & 1) ||
	    !sl_rd_skip(&c, cs_len) || !sl_rd_u8(&c, &comp_len) || comp_len < 1 ||
	    !sl_rd_skip(&c, comp_len))
		return -EINVAL;
	/* RFC 5246 §7.4.1.2: a ClientHello may end right after the compression
	 * methods (SSLv3 and early TLS clients); otherwise the extensions block
	 * must fit what is left. */
	if (sl_cursor_left(&c) == 0) {
		*exts = sl_cursor_make(c.p, 0);
		return 0;
	}
	if (!sl_rd_be16(&c, &ext_len) || !sl_rd_sub(&c, ext_len, exts))
		return -EINVAL;
	return 0;
}

/* Every extension must be whole; the contents of the ones we read are parsed
 * leniently (a malformed inner list is left empty, not fatal), since the
 * outer lengths already prove the message is intact. */
static int parse_extensions(struct sl_cursor exts, struct sl_tls_client_hello *ch)
{
	uint16_t type, len;
	struct sl_cursor data;
	while (sl_cursor_left(&exts)) {
		if (!sl_rd_be16(&exts, &type) || !sl_rd_be16(&exts, &len) ||
		    !sl_rd_sub(&exts, len, &data))
			return -EINVAL;
		keep16(ch->extensions, &ch->n_extensions, type, &ch->truncated_lists);
		parse_extension(type, data, ch);
	}
	return 0;
}

int sl_tls_parse_client_hello(const uint8_t *body, size_t len, struct sl_tls_client_hello *out)
{
	struct sl_cursor c = sl_cursor_make(body, len), cs, exts;
	uint8_t sid_len;
	uint16_t cs_len, v;
	memset(out, 0, sizeof(*out));
	if (sl_tls_hello_extensions(body, len, &exts) < 0)
		return -EINVAL;
	/* The layout was validated above; these reads cannot fail. */
	if (!sl_rd_be16(&c, &out->legacy_version) || !sl_rd_skip(&c, 32) ||
	    !sl_rd_u8(&c, &sid_len) || !sl_rd_skip(&c, sid_len) || !sl_rd_be16(&c, &cs_len) ||
	    !sl_rd_sub(&c, cs_len, &cs))
		return -EINVAL;
	while (sl_rd_be16(&cs, &v))
		keep16(out->ciphers, &out->n_ciphers, v, &out->truncated_lists);
	if (parse_extensions(exts, out) < 0) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return 0;
}

/* ---- Hashes lately computed ----------------------------------------------- */

/* A sensor sees the same few client and server stacks over and over (one
 * slice of the short mix: 5,985 JA4s of 17 kinds), so the hashes of their
 * fingerprints are kept, keyed by the whole input of the hash and its kind:
 * a hit costs a cheap hash and a memcmp instead of an MD5 or SHA-256 (and
 * JA4's hex text), and gives exactly what hashing would.  Direct-mapped, one
 * memo per thread: each engine thread keeps its own, so the workers share
 * nothing and take no lock. */
#define MEMO_SLOTS 256 /* a power of two; ~90 kB a thread */
#define MEMO_KEY 320   /* longest input kept, bytes; longer ones are hashed every time */

enum memo_kind { MEMO_MD5_TEXT = 1, MEMO_JA4_LISTS };

struct memo_slot {
	uint16_t len; /* 0: empty */
	uint8_t kind;
	uint8_t key[MEMO_KEY];
	char val[33];
};
static _Thread_local struct memo_slot memo[MEMO_SLOTS];

/* A cheap mix of key[0..n), eight bytes a step: only picks the slot. */
static unsigned memo_hash(enum memo_kind kind, const uint8_t *key, size_t n)
{
	uint64_t h = (n << 8 | kind) * 0x9e3779b97f4a7c15u, w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, key + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, key + i, n - i);
	h = (h ^ w) * 0xff51afd7ed558ccdu;
	return (unsigned)(h >> 40) & (MEMO_SLOTS - 1);
}

/* key's slot (NULL for a key too long to keep); *hit when it holds key. */
static struct memo_slot *memo_find(enum memo_kind kind, const void *key, size_t n, bool *hit)
{
	*hit = false;
	if (n == 0 || n > MEMO_KEY)
		return NULL;
	struct memo_slot *m = &memo[memo_hash(kind, key, n)];
	*hit = m->len == n && m->kind == kind && memcmp(m->key, key, n) == 0;
	return m;
}

/* Keep val (at most 32 characters) for key in its slot m, if there is one. */
static void memo_keep(struct memo_slot *m, enum memo_kind kind, const void *key, size_t n,
		      const char *val)
{
	if (!m)
		return;
	m->len = (uint16_t)n;
	m->kind = (uint8_t)kind;
	memcpy(m->key, key, n);
	memcpy(m->val, val, strnlen(val, sizeof(m->val) - 1) + 1);
}

/* ---- JA3 ---------------------------------------------------------------- */

/* Writes text into a bounded buffer and, in step, into a digest, so the hash
 * covers the whole string even when the buffer truncates it.  The digest is
 * fed in blocks of up to sizeof(pend): one digest update per piece (a
 * number, a comma) cost more than the hashing. */
struct text_sink {
	char *buf;
	size_t cap, len;
	struct sl_md_ctx *md;
	size_t npend;
	char pend[512];
};

static void text_flush(struct text_sink *t)
{
	if (t->md && t->npend)
		sl_md_update(t->md, t->pend, t->npend);
	t->npend = 0;
}

/* Stage s[0..n) for the digest (only a sink with one has anything to stage). */
static void text_stage(struct text_sink *t, const char *s, size_t n)
{
	if (t->npend + n > sizeof(t->pend))
		text_flush(t);
	if (n > sizeof(t->pend)) {
		sl_md_update(t->md, s, n);
	} else {
		memcpy(t->pend + t->npend, s, n);
		t->npend += n;
	}
}

static void text_putn(struct text_sink *t, const char *s, size_t n)
{
	if (t->md)
		text_stage(t, s, n);
	if (t->cap && t->len < t->cap - 1) {
		size_t k = n < t->cap - 1 - t->len ? n : t->cap - 1 - t->len;
		memcpy(t->buf + t->len, s, k);
		t->buf[t->len + k] = '\0';
	}
	t->len += n;
}

static void text_put(struct text_sink *t, const char *s)
{
	text_putn(t, s, strlen(s));
}

/* x in decimal at p, two digits a step from a table (a division by 10 per
 * digit was most of JA3's text); returns how many digits. */
static size_t put_dec(char *p, unsigned x)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324"
		"25262728293031323334353637383940414243444546474849"
		"50515253545556575859606162636465666768697071727374"
		"75767778798081828384858687888990919293949596979899";
	size_t d = x >= 10000 ? 5 : x >= 1000 ? 4 : x >= 100 ? 3 : x >= 10 ? 2 : 1;
	char *e = p + d;
	for (; x >= 100; x /= 100) {
		e -= 2;
		memcpy(e, pairs + 2 * (x % 100), 2);
	}
	if (x >= 10)
		memcpy(e - 2, pairs + 2 * x, 2);
	else
		e[-1] = (char)('0' + x);
	return d;
}

/* Decimal values joined by '-', GREASE skipped (JA3's list form), put in
 * runs of up to sizeof(run) bytes: the sink keeps a prefix of whatever fits
 * and digests every byte in order, so runs give what one put per number
 * gave. */
static void put_dec_list(struct text_sink *t, const uint16_t *v, size_t n)
{
	char run[256];
	size_t k = 0;
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (sl_tls_is_grease(v[i]))
			continue;
		if (k > sizeof(run) - 6) { /* room for '-' and 5 digits */
			text_putn(t, run, k);
			k = 0;
		}
		if (!first)
			run[k++] = '-';
		k += put_dec(run + k, v[i]);
		first = false;
	}
	if (k)
		text_putn(t, run, k);
}

/* The text of parts (a string, or where NULL the list lists[i] of
 * counts[i] numbers) into t. */
static void put_parts(struct text_sink *t, const char *const *parts, size_t nparts,
		      const uint16_t *const *lists, const size_t *counts)
{
	for (size_t i = 0; i < nparts; i++) {
		if (parts[i])
			text_put(t, parts[i]);
		else
			put_dec_list(t, lists[i], counts[i]);
	}
	text_flush(t);
}

/* The text is written first; when str holds all of it (a real hello's
 * always does) its MD5 comes from the memo or from one digest of str, else
 * the text is made again into the digest. */
void sl_tls_md5_text(const char *const *parts, size_t nparts, const uint16_t *const *lists,
		     const size_t *counts, char *str, size_t cap, char md5hex[33])
{
	struct text_sink t = { .buf = str, .cap = cap };
	struct sl_md_ctx ctx;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	bool hit;
	if (cap)
		str[0] = '\0';
	put_parts(&t, parts, nparts, lists, counts);
	md5hex[0] = '\0';
	if (t.len < cap) {
		struct memo_slot *m = memo_find(MEMO_MD5_TEXT, str, t.len, &hit);
		if (hit) {
			memcpy(md5hex, m->val, 33);
		} else if (sl_digest(SL_MD5, str, t.len, md, &mdlen) && mdlen == 16) {
			sl_hex(md, 16, md5hex);
			memo_keep(m, MEMO_MD5_TEXT, str, t.len, md5hex);
		}
		return;
	}
	struct text_sink whole = { .md = sl_md_init(&ctx, SL_MD5) ? &ctx : NULL };
	put_parts(&whole, parts, nparts, lists, counts);
	if (whole.md && sl_md_final(whole.md, md) == 16)
		sl_hex(md, 16, md5hex);
}

/* JA3 = SSLVersion,Cipher,SSLExtension,EllipticCurve,EllipticCurvePointFormat
 * (salesforce/ja3): decimal, lists joined by '-', GREASE (RFC 8701) removed. */
void sl_tls_ja3(const struct sl_tls_client_hello *ch, char *str, size_t cap, char md5hex[33])
{
	char version[8];
	uint16_t formats[16];
	for (size_t i = 0; i < ch->n_ec_point_formats && i < ARRAY_SIZE(formats); i++)
		formats[i] = ch->ec_point_formats[i];
	snprintf(version, sizeof(version), "%u", ch->legacy_version);
	const char *const parts[] = { version, ",", NULL, ",", NULL, ",", NULL, ",", NULL };
	const uint16_t *const lists[] = { NULL, NULL, ch->ciphers, NULL, ch->extensions, NULL,
					  ch->groups, NULL, formats };
	const size_t counts[] = { 0, 0, ch->n_ciphers, 0, ch->n_extensions, 0, ch->n_groups, 0,
				  ch->n_ec_point_formats };
	sl_tls_md5_text(parts, ARRAY_SIZE(parts), lists, counts, str, cap, md5hex);
}

/* ---- JA4 ---------------------------------------------------------------- */

/* JA4's two-character version code. */
static const char *ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	default: return "00";
	}
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* First and last character of the first ALPN value; "00" when there is none
 * or it is empty; when either end is not alphanumeric, the first and last
 * hex digits of the value's hex form (first byte's high nibble, last byte's
 * low nibble). */
static void ja4_alpn(const struct sl_tls_client_hello *ch, char out[3])
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *a = ch->alpn_first;
	size_t n = ch->n_alpn ? ch->alpn_first_len : 0;
	if (n == 0) {
		memcpy(out, "00", 3);
		return;
	}
	if (is_alnum(a[0]) && is_alnum(a[n - 1])) {
		out[0] = (char)a[0];
		out[1] = (char)a[n - 1];
	} else {
		out[0] = hex[a[0] >> 4];
		out[1] = hex[a[n - 1] & 0xf];
	}
	out[2] = '\0';
}

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return (x > y) - (x < y);
}

/* Ascending, in place.  Real lists hold a few dozen values, where an
 * insertion sort beats qsort()'s call through cmp_u16 per comparison; a
 * longer (crafted) list goes to qsort(), so the work stays n log n. */
static void sort_u16(uint16_t *v, size_t n)
{
	if (n > 64) {
		qsort(v, n, sizeof(v[0]), cmp_u16);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		uint16_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Non-GREASE values of v (minus 0x0000 and 0x0010 when skip_sni_alpn)
 * into out; returns how many. */
static size_t filter(const uint16_t *v, size_t n, bool skip_sni_alpn, uint16_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (sl_tls_is_grease(v[i]) || (skip_sni_alpn && (v[i] == 0x0000 || v[i] == 0x0010)))
			continue;
		out[k++] = v[i];
	}
	return k;
}

/* Update the digest with "xxxx,yyyy,..." (4 lowercase hex digits each). */
static void hash_hex_list(struct sl_md_ctx *md, const uint16_t *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[5 * 64];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > sizeof(buf) - 5) {
			sl_md_update(md, buf, k);
			k = 0;
		}
		if (i)
			buf[k++] = ',';
		for (int sh = 12; sh >= 0; sh -= 4)
			buf[k++] = hex[(v[i] >> sh) & 15];
	}
	sl_md_update(md, buf, k);
}

/* First 12 hex digits of SHA-256 over list a, then, if nb, '_' and list b:
 * from the memo, keyed by both lists and their lengths, when it has them. */
static void ja4_hash(const uint16_t *a, size_t na, const uint16_t *b, size_t nb, char out[13])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	struct sl_md_ctx ctx;
	uint16_t key[MEMO_KEY / 2];
	struct memo_slot *m = NULL;
	bool hit = false;
	memcpy(out, "000000000000", 13);
	if (!na)
		return;
	if (na + nb + 2 <= ARRAY_SIZE(key)) {
		key[0] = (uint16_t)na, key[1 + na] = (uint16_t)nb;
		memcpy(key + 1, a, na * 2);
		if (nb) /* b may be NULL then: memcpy's arguments must not be */
			memcpy(key + 2 + na, b, nb * 2);
		m = memo_find(MEMO_JA4_LISTS, key, (na + nb + 2) * 2, &hit);
	}
	if (hit) {
		memcpy(out, m->val, 13);
		return;
	}
	if (!sl_md_init(&ctx, SL_SHA256))
		return;
	hash_hex_list(&ctx, a, na);
	if (nb) {
		sl_md_update(&ctx, "_", 1);
		hash_hex_list(&ctx, b, nb);
	}
	if (sl_md_final(&ctx, md) < 6)
		return;
	sl_hex(md, 6, out);
	memo_keep(m, MEMO_JA4_LISTS, key, (na + nb + 2) * 2, out);
}

/* JA4 = a_b_c: a = transport, version, d/i, cipher count, extension count,
 * ALPN ends; b = hash of the sorted ciphers; c = hash of the sorted
 * extensions without SNI and ALPN, '_', the signature algorithms in wire
 * order.  GREASE is ignored everywhere. */
void sl_tls_ja4(const struct sl_tls_client_hello *ch, char transport, char out[SL_JA4_LEN])
{
	uint16_t ciphers[SL_TLS_LIST_MAX], exts[SL_TLS_LIST_MAX], sigs[SL_TLS_LIST_MAX];
	size_t nc = filter(ch->ciphers, ch->n_ciphers, false, ciphers);
	size_t ne_all = filter(ch->extensions, ch->n_extensions, false, exts);
	size_t ne = filter(ch->extensions, ch->n_extensions, true, exts);
	size_t ns = filter(ch->sig_algs, ch->n_sig_algs, false, sigs);
	uint16_t v = ch->supported_version_max ? ch->supported_version_max : ch->legacy_version;
	char alpn[3], hb[13], hc[13];
	sort_u16(ciphers, nc);
	sort_u16(exts, ne);
	ja4_alpn(ch, alpn);
	ja4_hash(ciphers, nc, NULL, 0, hb);
	ja4_hash(exts, ne, sigs, ns, hc);
	/* fixed widths, 36 characters: "%c%s%c%02u%02u%s_%s_%s" without snprintf */
	unsigned cc = (unsigned)(nc > 99 ? 99 : nc), ec = (unsigned)(ne_all > 99 ? 99 : ne_all);
	char *p = out;
	*p++ = transport;
	memcpy(p, ja4_version(v), 2), p += 2;
	*p++ = ch->has_sni ? 'd' : 'i';
	*p++ = (char)('0' + cc / 10), *p++ = (char)('0' + cc % 10);
	*p++ = (char)('0' + ec / 10), *p++ = (char)('0' + ec % 10);
	memcpy(p, alpn, 2), p += 2;
	*p++ = '_';
	memcpy(p, hb, 12), p += 12;
	*p++ = '_';
	memcpy(p, hc, 12), p += 12;
	*p = '\0';
}
