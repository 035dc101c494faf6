/* The server certificate's facts (RFC 5280 X.509 v3, RFC 4514 names) through
 * libcrypto's d2i_X509 rather than a DER walk of our own: OpenSSL's ASN.1
 * decoder is fuzzed continuously (OSS-Fuzz) and already handles what a
 * hand-written walk gets wrong (indefinite/odd length forms, UTCTime versus
 * GeneralizedTime, BMP/Universal/T61 strings, multi-valued RDNs, RFC 4514
 * escaping); libcrypto is a dependency anyway (DESIGN.md: never hand-write
 * what a well-kept library does well).  Cost: one parse per TLS <= 1.2 flow. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tls_priv.h"

/* Name as an RFC 4514 string.  RFC 4514 §2.1 writes the RDN sequence last
 * to first, so the most specific element leads: "CN=AnyNet Relay,O=philandro
 * Software GmbH".  Non-ASCII UTF-8 is kept as is (§2.4 allows it); the
 * special characters of §2.4 are escaped.  Truncated to cap - 1 bytes. */
static void format_name(const X509_NAME *name, char *out, size_t cap)
{
	unsigned long flags = XN_FLAG_RFC2253 & ~(unsigned long)ASN1_STRFLGS_ESC_MSB;
	BIO *bio = BIO_new(BIO_s_mem());
	out[0] = '\0';
	if (!bio)
		return;
	if (X509_NAME_print_ex(bio, name, 0, flags) >= 0) {
		int n = BIO_read(bio, out, (int)cap - 1);
		out[n > 0 ? n : 0] = '\0';
	}
	BIO_free(bio);
}

/* "YYYY-MM-DDTHH:MM:SSZ", or "" when the time does not parse. */
static void format_time(const ASN1_TIME *t, char out[21])
{
	struct tm tm;
	char buf[64];
	out[0] = '\0';
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return;
	int n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n == 20)
		memcpy(out, buf, 21);
}

int sl_tls_cert_parse(const uint8_t *der, size_t len, struct sl_tls_cert *out)
{
	const unsigned char *p = der;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	memset(out, 0, sizeof(*out));
	if (len == 0 || len > 0x7fffffff)
		return -EINVAL;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x)
		return -EINVAL;
	const X509_NAME *subject = X509_get_subject_name(x);
	const X509_NAME *issuer = X509_get_issuer_name(x);
	format_name(subject, out->subject, sizeof(out->subject));
	format_name(issuer, out->issuer, sizeof(out->issuer));
	out->self_signed = subject && issuer && X509_NAME_cmp(subject, issuer) == 0;
	format_time(X509_get0_notBefore(x), out->not_before);
	format_time(X509_get0_notAfter(x), out->not_after);
	/* Over the certificate entry as sent, as Wireshark and Suricata do. */
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL))
		for (unsigned i = 0; i < mdlen && i < 20; i++)
			snprintf(out->sha1 + 2 * i, 3, "%02x", md[i]);
	X509_free(x);
	return 0;
}
