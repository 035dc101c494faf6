/* The server certificate's facts (RFC 5280 §4.1, names as RFC 4514 text).
 * Split of work, and why: a short bounds-checked DER walk of our own (X.690
 * §8.1, through sl_cursor) only locates issuer, validity and subject inside
 * TBSCertificate; libcrypto decodes those pieces (d2i_X509_NAME,
 * X509_NAME_print_ex, d2i_ASN1_TIME) and hashes (EVP SHA-1).  The tricky
 * part -- string types (BMP/Universal/T61), multi-valued RDNs, RFC 4514
 * escaping, UTCTime versus GeneralizedTime -- stays in OpenSSL's continuously
 * fuzzed decoder.  We do not call d2i_X509 on the whole certificate: on
 * OpenSSL 3.0 it also decodes the public key through the provider decoders,
 * measured at ~500 us per certificate here against ~25 us for this split,
 * and it would be paid once per TLS <= 1.2 flow.  The subjectAltName's
 * dNSNames (RFC 5280 §4.2.1.6: IA5String, [2] IMPLICIT) are plain ASCII
 * and read by the same walk. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sightline/digest.h"
#include "tls_priv.h"

enum { DER_INTEGER = 0x02, DER_OID = 0x06, DER_BOOLEAN = 0x01, DER_OCTETS = 0x04,
       DER_SEQUENCE = 0x30, DER_UTCTIME = 0x17, DER_GENTIME = 0x18, DER_CTX0 = 0xa0,
       DER_CTX3 = 0xa3, DER_DNS_NAME = 0x82 };

static const uint8_t oid_san[] = { 0x55, 0x1d, 0x11 }; /* 2.5.29.17 id-ce-subjectAltName */

/* One TLV (low tag numbers, definite length of up to 4 bytes, as DER for
 * certificates needs).  *body gets the contents, *tlv the whole element. */
static bool der_next(struct sl_cursor *c, uint8_t *tag, struct sl_cursor *body, struct sl_cursor *tlv)
{
	const uint8_t *start = c->p;
	uint8_t t, l, b;
	uint32_t len = 0;
	if (!sl_rd_u8(c, &t) || (t & 0x1f) == 0x1f || !sl_rd_u8(c, &l))
		return false;
	if (l & 0x80) {
		unsigned k = l & 0x7fu;
		if (k == 0 || k > 4)
			return false;
		while (k--) {
			if (!sl_rd_u8(c, &b))
				return false;
			len = (len << 8) | b;
		}
	} else {
		len = l;
	}
	if (!sl_rd_sub(c, len, body))
		return false;
	*tag = t;
	*tlv = sl_cursor_make(start, (size_t)(c->p - start));
	return true;
}

/* The next element must carry tag want. */
static bool der_expect(struct sl_cursor *c, uint8_t want, struct sl_cursor *body, struct sl_cursor *tlv)
{
	uint8_t tag;
	return der_next(c, &tag, body, tlv) && tag == want;
}

struct tbs_parts {
	struct sl_cursor issuer, subject, not_before, not_after; /* whole TLVs */
	struct sl_cursor rest; /* what follows the subject: key, unique ids, [3] extensions */
};

/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
 * serialNumber, signature, issuer, validity { notBefore, notAfter },
 * subject, ... }, ... } */
static bool locate(const uint8_t *der, size_t len, struct tbs_parts *out)
{
	struct sl_cursor c = sl_cursor_make(der, len), cert, tbs, body, tlv, validity;
	uint8_t tag;
	if (!der_expect(&c, DER_SEQUENCE, &cert, &tlv) || !der_expect(&cert, DER_SEQUENCE, &tbs, &tlv))
		return false;
	if (!der_next(&tbs, &tag, &body, &tlv))
		return false;
	if (tag == DER_CTX0 && !der_next(&tbs, &tag, &body, &tlv))
		return false;
	if (tag != DER_INTEGER || !der_expect(&tbs, DER_SEQUENCE, &body, &tlv) ||
	    !der_expect(&tbs, DER_SEQUENCE, &body, &out->issuer) ||
	    !der_expect(&tbs, DER_SEQUENCE, &validity, &tlv) ||
	    !der_next(&validity, &tag, &body, &out->not_before) ||
	    (tag != DER_UTCTIME && tag != DER_GENTIME) ||
	    !der_next(&validity, &tag, &body, &out->not_after) ||
	    (tag != DER_UTCTIME && tag != DER_GENTIME))
		return false;
	if (!der_expect(&tbs, DER_SEQUENCE, &body, &out->subject))
		return false;
	out->rest = tbs;
	return true;
}

/* Append the dNSNames of a GeneralNames body to out (comma-separated);
 * a name that does not fit, or holds anything but printable ASCII other
 * than ',' is skipped whole, so the list never shows a partial name. */
static void san_names(struct sl_cursor names, char *out, size_t cap)
{
	struct sl_cursor body, tlv;
	uint8_t tag;
	size_t len = strlen(out);
	while (der_next(&names, &tag, &body, &tlv)) {
		size_t n = sl_cursor_left(&body), need = n + (len ? 1 : 0);
		bool ok = tag == DER_DNS_NAME && n && need < cap - len;
		for (size_t i = 0; ok && i < n; i++)
			ok = body.p[i] > 0x20 && body.p[i] < 0x7f && body.p[i] != ',';
		if (!ok)
			continue;
		if (len)
			out[len++] = ',';
		memcpy(out + len, body.p, n);
		len += n;
		out[len] = '\0';
	}
}

/* Extensions ::= SEQUENCE OF SEQUENCE { extnID, critical DEFAULT FALSE,
 * extnValue OCTET STRING }; the SAN's value is a GeneralNames SEQUENCE. */
static void find_san(struct sl_cursor rest, char *out, size_t cap)
{
	struct sl_cursor body, tlv, exts, ext, oid, val, names;
	uint8_t tag = 0;
	while (der_next(&rest, &tag, &body, &tlv))
		if (tag == DER_CTX3)
			break;
	if (tag != DER_CTX3 || !der_expect(&body, DER_SEQUENCE, &exts, &tlv))
		return;
	while (der_expect(&exts, DER_SEQUENCE, &ext, &tlv)) {
		if (!der_expect(&ext, DER_OID, &oid, &tlv) || sl_cursor_left(&oid) != sizeof(oid_san) ||
		    memcmp(oid.p, oid_san, sizeof(oid_san)) != 0)
			continue;
		if (!der_next(&ext, &tag, &val, &tlv) ||
		    (tag == DER_BOOLEAN && !der_next(&ext, &tag, &val, &tlv)) || tag != DER_OCTETS ||
		    !der_expect(&val, DER_SEQUENCE, &names, &tlv))
			return;
		san_names(names, out, cap);
		return;
	}
}

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

static X509_NAME *decode_name(struct sl_cursor tlv)
{
	const unsigned char *p = tlv.p;
	return d2i_X509_NAME(NULL, &p, (long)sl_cursor_left(&tlv));
}

/* "YYYY-MM-DDTHH:MM:SSZ", or "" when the time does not parse. */
static void format_time(struct sl_cursor tlv, char out[21])
{
	const unsigned char *p = tlv.p;
	ASN1_TIME *t = d2i_ASN1_TIME(NULL, &p, (long)sl_cursor_left(&tlv));
	struct tm tm;
	char buf[64];
	out[0] = '\0';
	if (t && ASN1_TIME_to_tm(t, &tm)) {
		int n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
				 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (n == 20)
			memcpy(out, buf, 21);
	}
	ASN1_TIME_free(t);
}

static int parse_uncached(const uint8_t *der, size_t len, struct sl_tls_cert *out)
{
	struct tbs_parts parts;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	memset(out, 0, sizeof(*out));
	if (!locate(der, len, &parts))
		return -EINVAL;
	X509_NAME *subject = decode_name(parts.subject), *issuer = decode_name(parts.issuer);
	if (!subject || !issuer) {
		X509_NAME_free(subject);
		X509_NAME_free(issuer);
		return -EINVAL;
	}
	format_name(subject, out->subject, sizeof(out->subject));
	format_name(issuer, out->issuer, sizeof(out->issuer));
	out->self_signed = X509_NAME_cmp(subject, issuer) == 0;
	X509_NAME_free(subject);
	X509_NAME_free(issuer);
	format_time(parts.not_before, out->not_before);
	format_time(parts.not_after, out->not_after);
	find_san(parts.rest, out->san, sizeof(out->san));
	/* Over the certificate entry as sent, as Wireshark and Suricata do. */
	if (sl_digest(SL_SHA1, der, len, md, &mdlen) && mdlen == 20)
		sl_hex(md, 20, out->sha1);
	return 0;
}

/*
 * Busy servers send the same certificate to every client, and decoding its
 * names costs ~25 us against ~2 us for hashing it (Zeek caches certificates
 * for the same reason).  Certificates parsed lately are kept by the SHA-256
 * of their DER, direct-mapped, one cache per thread: each engine thread
 * keeps its own, so the workers share nothing and take no lock.  A hit
 * gives exactly what parsing would.  A collision would need SHA-256's.
 */
#define CERT_CACHE 128 /* a power of two; ~110 kB a thread */
static _Thread_local struct {
	uint8_t key[32];
	bool used;
	struct sl_tls_cert cert;
} cert_cache[CERT_CACHE];

int sl_tls_cert_parse(const uint8_t *der, size_t len, struct sl_tls_cert *out)
{
	uint8_t key[EVP_MAX_MD_SIZE];
	unsigned klen = 0;
	if (!sl_digest(SL_SHA256, der, len, key, &klen) || klen != 32)
		return parse_uncached(der, len, out);
	unsigned slot = ((unsigned)key[0] << 8 | key[1]) & (CERT_CACHE - 1);
	if (cert_cache[slot].used && memcmp(cert_cache[slot].key, key, 32) == 0) {
		*out = cert_cache[slot].cert;
		return 0;
	}
	int rc = parse_uncached(der, len, out);
	if (rc == 0) {
		memcpy(cert_cache[slot].key, key, 32);
		cert_cache[slot].cert = *out;
		cert_cache[slot].used = true;
	}
	return rc;
}
