/* Digest algorithms fetched once, digest contexts kept per thread (see
 * include/sightline/digest.h) and hex text. */
#include <pthread.h>
#include <stdlib.h>

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

bool sl_digest(enum sl_md_alg alg, const void *data, size_t n, uint8_t *out, unsigned *len)
{
	EVP_MD_CTX *c = sl_md_begin(alg);
	if (c)
		return EVP_DigestUpdate(c, data, n) && EVP_DigestFinal_ex(c, out, len);
	return EVP_Digest(data, n, out, len, sl_md(alg), NULL) == 1;
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
