/* Digest algorithms fetched once, digest contexts kept per thread (see
 * include/sightline/digest.h), digests on the caller's memory, HMAC-SHA256
 * and hex text. */

/* OpenSSL 3.0 deprecates SHA256_Init() and kin in favour of EVP, but EVP's
 * per-digest overhead (context set-up through the provider, dispatch,
 * cleansing) cost more than hashing the short inputs here (a flow tuple, a
 * JA3 string, a QUIC secret: about 1,100 instructions a digest against a
 * SHA-1 block's 1,000); both run libcrypto's same assembly block functions.
 * Only this file uses them, so only this file silences the warning; a
 * libcrypto built without them (OPENSSL_NO_DEPRECATED_3_0) gets EVP. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include "sightline/digest.h"

static const EVP_MD *algs[3];
static pthread_once_t algs_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
	static const char *const names[] = { "MD5", "SHA1", "SHA256" };
	const EVP_MD *fallback[] = { EVP_md5(), EVP_sha1(), EVP_sha256() };
	for (size_t i = 0; i < 3; i++) {
		EVP_MD *md = EVP_MD_fetch(NULL, names[i], NULL);
		algs[i] = md ? md : fallback[i];
	}
}

const EVP_MD *sl_md(enum sl_md_alg alg)
{
	pthread_once(&algs_once, fetch_all);
	return algs[(unsigned)alg < 3 ? alg : SL_SHA1];
}

/* The thread's contexts, one per algorithm (switching a context's
 * algorithm frees and makes libcrypto's state again), freed when a thread
 * ends; the main thread's stay, reachable through the key, until exit. */
struct md_ctxs {
	EVP_MD_CTX *c[3];
};

static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static bool ctx_key_ok;

static void ctxs_free(void *p)
{
	struct md_ctxs *m = p;
	for (size_t i = 0; m && i < 3; i++)
		EVP_MD_CTX_free(m->c[i]);
	free(m);
}

static void make_key(void)
{
	ctx_key_ok = pthread_key_create(&ctx_key, ctxs_free) == 0;
}

EVP_MD_CTX *sl_md_begin(enum sl_md_alg alg)
{
	unsigned a = (unsigned)alg < 3 ? alg : SL_SHA1;
	pthread_once(&ctx_once, make_key);
	if (!ctx_key_ok)
		return NULL;
	struct md_ctxs *m = pthread_getspecific(ctx_key);
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m || pthread_setspecific(ctx_key, m) != 0) {
			free(m);
			return NULL;
		}
	}
	if (!m->c[a] && !(m->c[a] = EVP_MD_CTX_new()))
		return NULL;
	return EVP_DigestInit_ex2(m->c[a], sl_md((enum sl_md_alg)a), NULL) ? m->c[a] : NULL;
}

#ifndef OPENSSL_NO_DEPRECATED_3_0

/* The state libcrypto's per-algorithm calls work on, in sl_md_ctx.st. */
union md_state {
	MD5_CTX md5;
	SHA_CTX sha1;
	SHA256_CTX sha256;
};
_Static_assert(sizeof(union md_state) <= sizeof(((struct sl_md_ctx *)0)->st),
	       "sl_md_ctx holds libcrypto's digest states");

bool sl_md_init(struct sl_md_ctx *c, enum sl_md_alg alg)
{
	union md_state *u = (union md_state *)c->st;
	c->alg = alg;
	switch (alg) {
	case SL_MD5: return MD5_Init(&u->md5);
	case SL_SHA256: return SHA256_Init(&u->sha256);
	default: c->alg = SL_SHA1; return SHA1_Init(&u->sha1);
	}
}

void sl_md_update(struct sl_md_ctx *c, const void *data, size_t n)
{
	union md_state *u = (union md_state *)c->st;
	switch (c->alg) {
	case SL_MD5: MD5_Update(&u->md5, data, n); break;
	case SL_SHA256: SHA256_Update(&u->sha256, data, n); break;
	default: SHA1_Update(&u->sha1, data, n); break;
	}
}

unsigned sl_md_final(struct sl_md_ctx *c, uint8_t *out)
{
	union md_state *u = (union md_state *)c->st;
	switch (c->alg) {
	case SL_MD5: return MD5_Final(out, &u->md5) ? 16 : 0;
	case SL_SHA256: return SHA256_Final(out, &u->sha256) ? 32 : 0;
	default: return SHA1_Final(out, &u->sha1) ? 20 : 0;
	}
}

/* Both padded key blocks hashed into the key's two states (RFC 2104 §2). */
void sl_hmac_sha256_key(struct sl_hmac_key *k, const uint8_t *key, size_t n)
{
	uint8_t pad[64], kh[32];
	if (n > sizeof(pad)) {
		SHA256(key, n, kh);
		key = kh, n = sizeof(kh);
	}
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = (uint8_t)((i < n ? key[i] : 0) ^ 0x36);
	sl_md_init(&k->in, SL_SHA256);
	sl_md_update(&k->in, pad, sizeof(pad));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	sl_md_init(&k->out, SL_SHA256);
	sl_md_update(&k->out, pad, sizeof(pad));
}

bool sl_hmac_sha256(const struct sl_hmac_key *k, const void *msg, size_t n, uint8_t out[32])
{
	struct sl_md_ctx c = k->in;
	uint8_t inner[32];
	sl_md_update(&c, msg, n);
	if (sl_md_final(&c, inner) != 32)
		return false;
	c = k->out;
	sl_md_update(&c, inner, sizeof(inner));
	return sl_md_final(&c, out) == 32;
}

#else /* OPENSSL_NO_DEPRECATED_3_0: EVP through the thread's contexts */

_Static_assert(sizeof(EVP_MD_CTX *) <= sizeof(((struct sl_md_ctx *)0)->st),
	       "sl_md_ctx holds a context pointer");

bool sl_md_init(struct sl_md_ctx *c, enum sl_md_alg alg)
{
	EVP_MD_CTX *m = sl_md_begin(alg);
	c->alg = alg;
	memcpy(c->st, &m, sizeof(m));
	return m != NULL;
}

void sl_md_update(struct sl_md_ctx *c, const void *data, size_t n)
{
	EVP_MD_CTX *m;
	memcpy(&m, c->st, sizeof(m));
	if (m)
		EVP_DigestUpdate(m, data, n);
}

unsigned sl_md_final(struct sl_md_ctx *c, uint8_t *out)
{
	EVP_MD_CTX *m;
	unsigned len = 0;
	memcpy(&m, c->st, sizeof(m));
	return m && EVP_DigestFinal_ex(m, out, &len) ? len : 0;
}

/* The key itself (hashed when longer than a block, as HMAC does) in
 * k->in.st, its length in k->out.st[0], for HMAC() on each message. */
void sl_hmac_sha256_key(struct sl_hmac_key *k, const uint8_t *key, size_t n)
{
	unsigned len = 0;
	if (n > 64) {
		EVP_Digest(key, n, (uint8_t *)k->in.st, &len, EVP_sha256(), NULL);
		n = len;
	} else {
		memcpy(k->in.st, key, n);
	}
	k->out.st[0] = n;
}

bool sl_hmac_sha256(const struct sl_hmac_key *k, const void *msg, size_t n, uint8_t out[32])
{
	unsigned len = 0;
	return HMAC(EVP_sha256(), k->in.st, (int)k->out.st[0], msg, n, out, &len) && len == 32;
}

#endif

bool sl_digest(enum sl_md_alg alg, const void *data, size_t n, uint8_t *out, unsigned *len)
{
	struct sl_md_ctx c;
	if (!sl_md_init(&c, alg))
		return EVP_Digest(data, n, out, len, sl_md(alg), NULL) == 1;
	sl_md_update(&c, data, n);
	*len = sl_md_final(&c, out);
	return *len != 0;
}

void sl_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}
