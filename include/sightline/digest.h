/* Message digests and hex text shared by the parsers and the flow fields:
 * each OpenSSL algorithm is fetched once per process, not on every call
 * (OpenSSL 3 looks the implementation up on each EVP_md5()/EVP_sha1() use,
 * which cost more than the hashing of a short JA3 string). */
#ifndef SIGHTLINE_DIGEST_H
#define SIGHTLINE_DIGEST_H

#include <openssl/evp.h>

#include "sightline/common.h"

enum sl_md_alg { SL_MD5, SL_SHA1, SL_SHA256 };

/**
 * The algorithm's implementation, fetched on first use (thread-safe) and kept
 * for the life of the process; the caller must not free it.  Falls back to
 * OpenSSL's built-in EVP_md5()-style object when the fetch fails.
 */
const EVP_MD *sl_md(enum sl_md_alg alg);

/**
 * The calling thread's digest context for alg, initialised: feed it with
 * EVP_DigestUpdate() and end with EVP_DigestFinal_ex() before the thread
 * asks for alg's context again.  The thread owns it (freed when the thread
 * ends); the caller must not free it.  Reusing it spares the allocation,
 * set-up and freeing of a context that EVP_Digest() does on every call.
 * NULL when memory or libcrypto fails.
 */
EVP_MD_CTX *sl_md_begin(enum sl_md_alg alg);

/**
 * alg's digest of data[0..n) into out (EVP_MAX_MD_SIZE bytes), its length in
 * *len, through sl_md_init() (EVP_Digest() when that fails).
 * False when libcrypto fails.
 */
bool sl_digest(enum sl_md_alg alg, const void *data, size_t n, uint8_t *out, unsigned *len);

/**
 * A digest in progress, on the caller's memory: sl_md_init(), any number of
 * sl_md_update(), one sl_md_final().  Where libcrypto still has its
 * per-algorithm calls (OpenSSL 3.0 without OPENSSL_NO_DEPRECATED_3_0) the
 * state is libcrypto's own and may be copied by value (a keyed HMAC state
 * is); otherwise it names the thread's sl_md_begin() context, with the
 * same one-digest-per-algorithm-at-a-time rule, and must not be copied.
 */
struct sl_md_ctx {
	enum sl_md_alg alg;
	uint64_t st[15]; /* see digest.c; large enough for SHA256_CTX */
};

/** Start alg's digest in c; false when libcrypto fails. */
bool sl_md_init(struct sl_md_ctx *c, enum sl_md_alg alg);

/** Feed data[0..n) to c, which sl_md_init() started. */
void sl_md_update(struct sl_md_ctx *c, const void *data, size_t n);

/**
 * End c's digest into out (EVP_MAX_MD_SIZE bytes); returns its length (16,
 * 20 or 32), 0 when libcrypto failed.  c must be started again for reuse.
 */
unsigned sl_md_final(struct sl_md_ctx *c, uint8_t *out);

/**
 * HMAC-SHA256 (RFC 2104) keyed once: the SHA-256 states after the key's
 * inner and outer padded blocks, so that each MAC under the key costs only
 * the message's blocks and one outer block (keying is two of the four
 * blocks of a short message's MAC).  Plain data; copy it freely.
 */
struct sl_hmac_key {
	struct sl_md_ctx in, out;
};

/** Key k with key[0..n) (any length; longer than 64 bytes is hashed first). */
void sl_hmac_sha256_key(struct sl_hmac_key *k, const uint8_t *key, size_t n);

/** HMAC-SHA256 under k of msg[0..n) into out; false when libcrypto fails. */
bool sl_hmac_sha256(const struct sl_hmac_key *k, const void *msg, size_t n, uint8_t out[32]);

/** Lowercase hex of b[0..n) into out, which must hold 2n + 1 bytes (NUL-terminated). */
void sl_hex(const uint8_t *b, size_t n, char *out);

#endif
