/* Builders of TLS handshake bytes for the unit tests (test_tls.c,
 * test_tls_session.c, test_openvpn.c): hellos from parts, records, a
 * ServerHello, DER certificates and whole flights. */
#ifndef SIGHTLINE_TESTS_TLSBUILD_H
#define SIGHTLINE_TESTS_TLSBUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sightline/common.h"

/* ---- building messages from parts ------------------------------------- */

struct buf {
	uint8_t b[96 * 1024];
	size_t n;
};

static inline void put8(struct buf *b, unsigned v) { b->b[b->n++] = (uint8_t)v; }
static inline void put16(struct buf *b, unsigned v) { put8(b, v >> 8); put8(b, v & 0xff); }
static inline void put24(struct buf *b, unsigned v) { put8(b, v >> 16); put16(b, v & 0xffff); }
static inline void putn(struct buf *b, const void *p, size_t n) { if (n) memcpy(b->b + b->n, p, n); b->n += n; }

/* Length prefixes: open reserves w bytes, close writes what followed. */
static inline size_t open_len(struct buf *b, int w) { size_t at = b->n; b->n += (size_t)w; return at; }
static inline void close_len(struct buf *b, size_t at, int w)
{
	size_t len = b->n - at - (size_t)w;
	for (int i = w - 1; i >= 0; i--, len >>= 8)
		b->b[at + (size_t)i] = (uint8_t)(len & 0xff);
}

static inline void u16_list(struct buf *b, const uint16_t *v, size_t n, int w)
{
	size_t at = open_len(b, w);
	for (size_t i = 0; i < n; i++)
		put16(b, v[i]);
	close_len(b, at, w);
}

static inline size_t ext_open(struct buf *b, unsigned type) { put16(b, type); return open_len(b, 2); }
static inline void ext_close(struct buf *b, size_t at) { close_len(b, at, 2); }

static inline void ext_empty(struct buf *b, unsigned type) { ext_close(b, ext_open(b, type)); }

static inline void ext_sni(struct buf *b, const char *name)
{
	size_t e = ext_open(b, 0x0000), l = open_len(b, 2);
	put8(b, 0);
	put16(b, (unsigned)strlen(name));
	putn(b, name, strlen(name));
	close_len(b, l, 2);
	ext_close(b, e);
}

/* ALPN from raw names (each a length byte then bytes). */
static inline void ext_alpn_raw(struct buf *b, const uint8_t *const *names, const size_t *lens, size_t n)
{
	size_t e = ext_open(b, 0x0010), l = open_len(b, 2);
	for (size_t i = 0; i < n; i++) {
		put8(b, (unsigned)lens[i]);
		putn(b, names[i], lens[i]);
	}
	close_len(b, l, 2);
	ext_close(b, e);
}

static inline void ext_alpn(struct buf *b, const char *a, const char *c)
{
	const uint8_t *names[] = { (const uint8_t *)a, (const uint8_t *)c };
	size_t lens[] = { strlen(a), c ? strlen(c) : 0 };
	ext_alpn_raw(b, names, lens, c ? 2 : 1);
}

static inline void ext_u16s(struct buf *b, unsigned type, const uint16_t *v, size_t n, int w)
{
	size_t e = ext_open(b, type);
	u16_list(b, v, n, w);
	ext_close(b, e);
}

static inline void ext_bytes(struct buf *b, unsigned type, const char *hex)
{
	size_t e = ext_open(b, type);
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		sscanf(hex, "%2x", &v);
		put8(b, v);
	}
	ext_close(b, e);
}

/* key_share (RFC 8446 §4.2.8): GREASE, x25519 and, with pq, a 1216-byte
 * X25519MLKEM768 share that makes the hello span several segments. */
static inline void ext_key_share(struct buf *b, bool pq)
{
	size_t e = ext_open(b, 51), l = open_len(b, 2);
	put16(b, 0xdada);
	put16(b, 1);
	put8(b, 0);
	if (pq) {
		put16(b, 0x11ec);
		put16(b, 1216);
		for (int i = 0; i < 1216; i++)
			put8(b, (unsigned)(i * 7));
	}
	put16(b, 0x001d);
	put16(b, 32);
	for (int i = 0; i < 32; i++)
		put8(b, (unsigned)(i * 3));
	close_len(b, l, 2);
	ext_close(b, e);
}

/* ClientHello up to and including the compression methods; the caller adds
 * the extensions block. */
static inline void hello_head(struct buf *b, unsigned version, const uint16_t *ciphers, size_t n)
{
	put16(b, version);
	for (int i = 0; i < 32; i++)
		put8(b, (unsigned)i);
	put8(b, 32);
	for (int i = 0; i < 32; i++)
		put8(b, 0xa0u + (unsigned)i);
	u16_list(b, ciphers, n, 2);
	put8(b, 1);
	put8(b, 0);
}

/* Chrome's ClientHello of nDPI's chrome.pcap, flow 192.168.1.178:64410
 * (fields as tshark lists them): nDPI labels it JA3C
 * aa50c12a5dfa717d9d6ab34e97de79d5, JA4 t13d1516h2_8daaf6152771_e5627efa2ab1. */
static inline void build_chrome(struct buf *b, bool pq)
{
	static const uint16_t ciphers[] = { 0x2a2a, 0x1303, 0x1301, 0x1302, 0xcca9, 0xcca8,
		0xc02b, 0xc02f, 0xc02c, 0xc030, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
	static const uint16_t groups[] = { 0xdada, 0x001d, 0x0017, 0x0018 };
	static const uint16_t sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
	static const uint16_t versions[] = { 0x1a1a, 0x0304, 0x0303, 0x0302, 0x0301 };
	b->n = 0;
	hello_head(b, 0x0303, ciphers, ARRAY_SIZE(ciphers));
	size_t exts = open_len(b, 2);
	ext_empty(b, 0x1a1a);
	ext_sni(b, "www.iit.cnr.it");
	ext_empty(b, 23);
	ext_bytes(b, 65281, "00");
	ext_u16s(b, 10, groups, ARRAY_SIZE(groups), 2);
	ext_bytes(b, 11, "0100");
	ext_empty(b, 35);
	ext_alpn(b, "h2", "http/1.1");
	ext_bytes(b, 5, "0100000000");
	ext_u16s(b, 13, sigs, ARRAY_SIZE(sigs), 2);
	ext_empty(b, 18);
	ext_key_share(b, pq);
	ext_bytes(b, 45, "0101");
	size_t e = ext_open(b, 43);
	u16_list(b, versions, ARRAY_SIZE(versions), 1);
	ext_close(b, e);
	ext_bytes(b, 27, "020002");
	ext_bytes(b, 17513, "0003026832");
	ext_bytes(b, 43690, "00");
	size_t pad = ext_open(b, 21); /* padding, as Chrome pads to a 512-byte boundary */
	for (int i = 0; i < (pq ? 300 : 8); i++)
		put8(b, 0);
	ext_close(b, pad);
	close_len(b, exts, 2);
}

/* Handshake message: type, 24-bit length, body. */
static inline void handshake(struct buf *out, unsigned type, const uint8_t *body, size_t n)
{
	put8(out, type);
	put24(out, (unsigned)n);
	putn(out, body, n);
}

/* Cut data into TLS records of at most max bytes of content type type. */
static inline void records(struct buf *out, unsigned type, const uint8_t *data, size_t n, size_t max)
{
	for (size_t off = 0; off < n; off += max) {
		size_t k = n - off < max ? n - off : max;
		put8(out, type);
		put16(out, 0x0303);
		put16(out, (unsigned)k);
		putn(out, data + off, k);
	}
}

/* ServerHello with the extensions of Suricata's tls-ja3s test
 * (65281, 0, 11, 16 h2, 23), or for TLS 1.3 supported_versions + key_share. */
static inline void server_hello(struct buf *b, unsigned cipher, unsigned selected)
{
	b->n = 0;
	put16(b, 0x0303);
	for (int i = 0; i < 32; i++)
		put8(b, 0x40u + (unsigned)i);
	put8(b, 0);
	put16(b, cipher);
	put8(b, 0);
	size_t at = open_len(b, 2);
	if (selected) {
		size_t e = ext_open(b, 43);
		put16(b, selected);
		ext_close(b, e);
		ext_bytes(b, 51, "001d0004aabbccdd");
	} else {
		ext_bytes(b, 65281, "00");
		ext_empty(b, 0);
		ext_bytes(b, 11, "0100");
		ext_alpn(b, "h2", NULL);
		ext_empty(b, 23);
	}
	close_len(b, at, 2);
}

/* A DER certificate: subject O=..., CN=... (in that DER order), issued by
 * issuer_cn (NULL: self-issued), valid 2025-01-01 to 2035-01-01 12:00. */
static inline size_t make_cert(uint8_t *out, const char *issuer_cn)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *subj = X509_NAME_new(), *iss = X509_NAME_new();
	X509_NAME_add_entry_by_txt(subj, "O", MBSTRING_UTF8, (const unsigned char *)"philandro Software GmbH", -1, -1, 0);
	X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8, (const unsigned char *)"AnyNet Relay", -1, -1, 0);
	X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_UTF8, (const unsigned char *)issuer_cn, -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_set_subject_name(x, subj);
	X509_set_issuer_name(x, issuer_cn ? iss : subj);
	ASN1_TIME_set_string_X509(X509_getm_notBefore(x), "20250101000000Z");
	ASN1_TIME_set_string_X509(X509_getm_notAfter(x), "20350101120000Z");
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	unsigned char *p = out;
	int n = i2d_X509(x, &p);
	X509_NAME_free(subj);
	X509_NAME_free(iss);
	X509_free(x);
	EVP_PKEY_free(key);
	return n > 0 ? (size_t)n : 0;
}

static inline void sha1_hex(const uint8_t *p, size_t n, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_Digest(p, n, md, &len, EVP_sha1(), NULL);
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The server's TLS 1.2 flight: ServerHello, Certificate (leaf issued by
 * issuer_cn, then a second certificate), ServerHelloDone, as records. */
static inline void tls12_flight(struct buf *out, const char *issuer_cn, char leaf_sha1[41])
{
	static struct buf sh, cert, hs;
	static uint8_t der1[2048], der2[2048];
	size_t n1 = make_cert(der1, issuer_cn), n2 = make_cert(der2, "Other CA");
	sha1_hex(der1, n1, leaf_sha1);
	server_hello(&sh, 0xc02f, 0);
	cert.n = 0;
	put24(&cert, (unsigned)(n1 + n2 + 6));
	put24(&cert, (unsigned)n1);
	putn(&cert, der1, n1);
	put24(&cert, (unsigned)n2);
	putn(&cert, der2, n2);
	hs.n = 0;
	handshake(&hs, 2, sh.b, sh.n);
	handshake(&hs, 11, cert.b, cert.n);
	handshake(&hs, 14, NULL, 0);
	out->n = 0;
	records(out, 22, hs.b, hs.n, 300); /* small records: messages span them */
}

/* The client's hello as one handshake message in records of max bytes. */
static inline void client_flight(struct buf *out, bool pq, size_t max)
{
	static struct buf ch, hs;
	build_chrome(&ch, pq);
	hs.n = 0;
	handshake(&hs, 1, ch.b, ch.n);
	out->n = 0;
	records(out, 22, hs.b, hs.n, max);
}

#endif
