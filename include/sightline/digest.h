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
 * *len, through the thread's context (EVP_Digest() when there is none).
 * False when libcrypto fails.
 */
bool sl_digest(enum sl_md_alg alg, const void *data, size_t n, uint8_t *out, unsigned *len);

/** Lowercase hex of b[0..n) into out, which must hold 2n + 1 bytes (NUL-terminated). */
void sl_hex(const uint8_t *b, size_t n, char *out);

#endif
