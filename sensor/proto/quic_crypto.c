/* QUIC versions and Initial packet protection, through libcrypto (HKDF,
 * AES-128-GCM, AES-128-ECB).  Specs: RFC 9001 §5.2-5.4 (Initial secrets,
 * AEAD, header protection), RFC 9369 §3 (v2 salt, labels, type bits),
 * draft-ietf-quic-tls-23..32 §5.2 (draft salts), RFC 9000 §16 and A.3
 * (varints, packet number decoding). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "quic.h"
#include "sightline/digest.h"

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu
#define QUIC_Q050 0x51303530u

enum { SALTS = 5 };

struct sl_quic_crypto {
	/* HMAC-SHA256 keyed with each version family's salt: HKDF-Extract
	 * keys with a fixed salt, and keying costs two of an HMAC's four
	 * SHA-256 blocks */
	struct sl_hmac_key salted[SALTS];
	EVP_CIPHER *gcm, *ecb;
	EVP_CIPHER_CTX *gcm_ctx, *ecb_ctx;
};

/* One salt per family of versions; the bytes are those the specs print. */
static const uint8_t salt_v1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t salt_v2[20] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};
static const uint8_t salt_d29[20] = { /* drafts 29-32 */
	0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};
static const uint8_t salt_d23[20] = { /* drafts 23-28 */
	0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
	0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02,
};
static const uint8_t salt_q050[20] = { /* Google QUIC Q050 initial obfuscators */
	0x50, 0x45, 0x74, 0xef, 0xd0, 0x66, 0xfe, 0x2f, 0x9d, 0x94,
	0x5c, 0xfc, 0xdb, 0xd3, 0xa7, 0xf0, 0xd3, 0xb5, 0x6b, 0x45,
};

static const uint8_t *const salts[SALTS] = { salt_v1, salt_v2, salt_q050, salt_d29, salt_d23 };

/* The index in salts[] of version v's salt, or -1 for an unknown version. */
static int salt_index(uint32_t v)
{
	if (v == QUIC_V1)
		return 0;
	if (v == QUIC_V2)
		return 1;
	if (v == QUIC_Q050)
		return 2;
	if (v >= 0xff00001du && v <= 0xff000020u)
		return 3;
	if (v >= 0xff000017u && v <= 0xff00001cu)
		return 4;
	return -1;
}

bool sl_quic_version_known(uint32_t version)
{
	return salt_index(version) >= 0;
}

static bool is_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

bool sl_quic_version_gquic(uint32_t v)
{
	return (v >> 24) == 'Q' && is_digit((v >> 16) & 0xff) && is_digit((v >> 8) & 0xff) &&
	       is_digit(v & 0xff);
}

void sl_quic_version_name(uint32_t v, char *buf, size_t len)
{
	if (v == QUIC_V1)
		snprintf(buf, len, "1");
	else if (v == QUIC_V2)
		snprintf(buf, len, "2");
	else if ((v & 0xffffff00u) == 0xff000000u)
		snprintf(buf, len, "draft-%u", v & 0xff);
	else if (sl_quic_version_gquic(v))
		snprintf(buf, len, "%c%c%c%c", (char)(v >> 24), (char)(v >> 16), (char)(v >> 8),
			 (char)v);
	else
		snprintf(buf, len, "0x%08x", v);
}

/* v2 rotated the long-header types so that middleboxes keyed on v1's bits
 * do not ossify them: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00. */
enum sl_quic_ptype sl_quic_packet_type(uint32_t version, uint8_t first)
{
	unsigned t = (first >> 4) & 3;
	if (version == QUIC_V2)
		t = (t + 3) & 3;
	return (enum sl_quic_ptype)t;
}

int sl_quic_crypto_create(struct sl_quic_crypto **out)
{
	struct sl_quic_crypto *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	/* HKDF through sl_hmac_sha256(), not EVP_KDF or EVP_MAC: their
	 * per-call set-up (digest fetch, provider dispatch, context copies and
	 * cleansing) cost twice the fourteen SHA-256 blocks a flow's keys need */
	for (size_t i = 0; i < SALTS; i++)
		sl_hmac_sha256_key(&c->salted[i], salts[i], 20);
	c->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	c->ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	c->gcm_ctx = EVP_CIPHER_CTX_new();
	c->ecb_ctx = EVP_CIPHER_CTX_new();
	if (!c->gcm || !c->ecb ||
	    !c->gcm_ctx || !c->ecb_ctx ||
	    !EVP_DecryptInit_ex2(c->gcm_ctx, c->gcm, NULL, NULL, NULL) ||
	    !EVP_EncryptInit_ex2(c->ecb_ctx, c->ecb, NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(c->ecb_ctx, 0)) {
		sl_quic_crypto_destroy(c);
		return -ENOSYS;
	}
	*out = c;
	return 0;
}

void sl_quic_crypto_destroy(struct sl_quic_crypto *c)
{
	if (!c)
		return;
	EVP_CIPHER_CTX_free(c->gcm_ctx);
	EVP_CIPHER_CTX_free(c->ecb_ctx);
	EVP_CIPHER_free(c->gcm);
	EVP_CIPHER_free(c->ecb);
	free(c);
}

/* HKDF-Extract(salt of version family i, ikm) (RFC 5869 §2.2) under the
 * salt's key, made once. */
static int extract(struct sl_quic_crypto *c, int i, const uint8_t *ikm, size_t ikm_len,
		   uint8_t out[32])
{
	return sl_hmac_sha256(&c->salted[i], ikm, ikm_len, out) ? 0 : -EIO;
}

/* One HKDF-Expand step (RFC 5869 §2.3) of the secret prk, keyed once by
 * the caller, with the TLS 1.3 HkdfLabel {length, "tls13 " + label, empty
 * context} (RFC 8446 §7.1).  Every output here is at most one SHA-256
 * block: T(1) = HMAC(PRK, info || 0x01). */
static int expand(const struct sl_hmac_key *prk, const char *label, uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 255 + 1 + 1], t[32];
	size_t n = 0, ll = strlen(label);
	if (out_len > sizeof(t) || 6 + ll > 255)
		return -EINVAL;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, ll);
	n += 6 + ll;
	info[n++] = 0;   /* empty context */
	info[n++] = 1;   /* the block counter */
	if (!sl_hmac_sha256(prk, info, n, t))
		return -EIO;
	memcpy(out, t, out_len);
	return 0;
}

/* The client secret is keyed once for its three labels. */
int sl_quic_client_keys(struct sl_quic_crypto *c, uint32_t version, const uint8_t *dcid,
			size_t dcid_len, struct sl_quic_keys *out)
{
	int salt = salt_index(version);
	if (salt < 0 || dcid_len == 0 || dcid_len > SL_QUIC_CID_MAX)
		return -EINVAL;
	bool v2 = version == QUIC_V2;
	uint8_t initial[32], client[32];
	struct sl_hmac_key k;
	int rc = extract(c, salt, dcid, dcid_len, initial);
	if (rc)
		return rc;
	sl_hmac_sha256_key(&k, initial, sizeof(initial));
	if ((rc = expand(&k, "client in", client, sizeof(client))))
		return rc;
	sl_hmac_sha256_key(&k, client, sizeof(client));
	rc = expand(&k, v2 ? "quicv2 key" : "quic key", out->key, 16);
	if (!rc)
		rc = expand(&k, v2 ? "quicv2 iv" : "quic iv", out->iv, 12);
	if (!rc)
		rc = expand(&k, v2 ? "quicv2 hp" : "quic hp", out->hp, 16);
	return rc;
}

bool sl_quic_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v)
{
	if (*off >= len)
		return false;
	size_t n = (size_t)1 << (p[*off] >> 6);
	if (len - *off < n)
		return false;
	uint64_t x = p[*off] & 0x3f;
	for (size_t i = 1; i < n; i++)
		x = (x << 8) | p[*off + i];
	*off += n;
	*v = x;
	return true;
}

/* The full packet number closest to the next expected one (RFC 9000 A.3). */
static uint64_t decode_pn(int64_t largest, uint64_t truncated, unsigned nbytes)
{
	uint64_t expected = (uint64_t)(largest + 1);
	uint64_t win = (uint64_t)1 << (8 * nbytes), hwin = win / 2, mask = win - 1;
	uint64_t cand = (expected & ~mask) | truncated;
	if (cand + hwin <= expected && cand < ((uint64_t)1 << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}

/* AES-ECB of the 16-byte sample under the header-protection key. */
static int hp_mask(struct sl_quic_crypto *c, const uint8_t hp[16], const uint8_t *sample,
		   uint8_t mask[16])
{
	int outl = 0;
	if (!EVP_EncryptInit_ex2(c->ecb_ctx, NULL, hp, NULL, NULL) ||
	    !EVP_EncryptUpdate(c->ecb_ctx, mask, &outl, sample, 16) || outl != 16)
		return -EIO;
	return 0;
}

/* AES-128-GCM open of ct with the header (first byte and packet number
 * unmasked) as associated data, fed in pieces so pkt stays read-only. */
static int gcm_open(struct sl_quic_crypto *c, const struct sl_quic_keys *k, uint64_t pn,
		    const uint8_t *aad[3], const size_t aad_len[3], const uint8_t *ct, size_t ct_len,
		    const uint8_t *tag, uint8_t *out)
{
	uint8_t nonce[12], tagbuf[16];
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	memcpy(tagbuf, tag, 16);
	int outl = 0;
	if (!EVP_DecryptInit_ex2(c->gcm_ctx, NULL, k->key, nonce, NULL))
		return -EIO;
	for (int i = 0; i < 3; i++)
		if (aad_len[i] &&
		    !EVP_DecryptUpdate(c->gcm_ctx, NULL, &outl, aad[i], (int)aad_len[i]))
			return -EIO;
	if (ct_len && !EVP_DecryptUpdate(c->gcm_ctx, out, &outl, ct, (int)ct_len))
		return -EIO;
	if (!EVP_CIPHER_CTX_ctrl(c->gcm_ctx, EVP_CTRL_GCM_SET_TAG, 16, tagbuf))
		return -EIO;
	return EVP_DecryptFinal_ex(c->gcm_ctx, out + outl, &outl) > 0 ? 0 : -EBADMSG;
}

int sl_quic_open(struct sl_quic_crypto *c, const struct sl_quic_keys *k, const uint8_t *pkt,
		 size_t len, size_t pn_offset, int64_t largest_pn, uint8_t *out, size_t outcap,
		 size_t *outlen, uint64_t *pn)
{
	uint8_t mask[16];
	if (pn_offset < 1 || len < pn_offset + 4 + 16)
		return -EINVAL; /* no room for the sample */
	if (hp_mask(c, k->hp, pkt + pn_offset + 4, mask) < 0)
		return -EIO;
	uint8_t first = (uint8_t)(pkt[0] ^ (mask[0] & 0x0f));
	unsigned pn_len = (first & 3u) + 1;
	if (len < pn_offset + pn_len + 16)
		return -EINVAL;
	uint8_t pnb[4];
	uint64_t trunc = 0;
	for (unsigned i = 0; i < pn_len; i++) {
		pnb[i] = (uint8_t)(pkt[pn_offset + i] ^ mask[1 + i]);
		trunc = (trunc << 8) | pnb[i];
	}
	size_t ct_off = pn_offset + pn_len, ct_len = len - ct_off - 16;
	if (ct_len > outcap)
		return -EINVAL;
	uint64_t full = decode_pn(largest_pn, trunc, pn_len);
	const uint8_t *aad[3] = { &first, pkt + 1, pnb };
	const size_t aad_len[3] = { 1, pn_offset - 1, pn_len };
	int rc = gcm_open(c, k, full, aad, aad_len, pkt + ct_off, ct_len, pkt + len - 16, out);
	if (rc < 0)
		return rc;
	*outlen = ct_len;
	*pn = full;
	return 0;
}
