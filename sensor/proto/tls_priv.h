/* Helpers shared inside sensor/proto by the ClientHello code (tls_hello.c)
 * and the TLS stream parser (tls.c); not part of the public API. */
#ifndef SIGHTLINE_PROTO_TLS_PRIV_H
#define SIGHTLINE_PROTO_TLS_PRIV_H

#include "sightline/cursor.h"
#include "sightline/tls_hello.h"

/**
 * Locate the extensions block of a ClientHello body (as for
 * sl_tls_parse_client_hello): *exts covers the extension entries (empty when
 * the hello has none).  Returns 0 or -EINVAL.  Borrowed from body.
 */
int sl_tls_hello_extensions(const uint8_t *body, size_t len, struct sl_cursor *exts);

/** True when protocol version a is newer than b (DTLS numbers count down). */
bool sl_tls_version_newer(uint16_t a, uint16_t b);

/**
 * Build a JA3-style text from nparts pieces (parts[i] a literal string, or,
 * when NULL, lists[i] of counts[i] values written in decimal joined by '-'
 * with GREASE removed) into str (cap bytes, truncated safely), and the MD5 of
 * the whole text (even where str truncated it) as lowercase hex into md5hex
 * ("" if libcrypto failed).
 */
void sl_tls_md5_text(const char *const *parts, size_t nparts, const uint16_t *const *lists,
		     const size_t *counts, char *str, size_t cap, char md5hex[33]);

/**
 * Protocol version as text ("TLS 1.2", "SSLv3", "TLS 1.3 draft 28", "0x7e04"
 * when unknown).  Returns a static name or buf (len bytes, caller's).
 */
const char *sl_tls_version_name(uint16_t v, char *buf, size_t len);

/* Facts of a server certificate (the first of a TLS <= 1.2 Certificate
 * message), as text. */
struct sl_tls_cert {
	char subject[256];    /* RFC 4514 string, most specific RDN first */
	char issuer[256];
	bool self_signed;     /* subject and issuer names are equal */
	char sha1[41];        /* SHA-1 of the DER, lowercase hex without colons */
	char not_before[21];  /* ISO-8601 UTC, "2025-02-09T18:07:27Z" */
	char not_after[21];
	char san[256];        /* subjectAltName dNSNames, comma-separated, whole names only */
};

/**
 * Parse one DER-encoded X.509 certificate into *out.  Returns 0, or -EINVAL
 * when the bytes are not a certificate (-ENOMEM when libcrypto could not
 * allocate).  Reads only [der, der+len); *out is fully overwritten.
 */
int sl_tls_cert_parse(const uint8_t *der, size_t len, struct sl_tls_cert *out);

#endif
