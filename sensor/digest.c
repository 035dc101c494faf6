/* Digest algorithms fetched once (see include/sightline/digest.h) and hex text. */
#include <pthread.h>

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

void sl_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}
