/* Name-based product identification (private to sensor/identify and its
 * tests): server names (TLS/QUIC SNI, HTTP Host, the DNS name of the
 * server), certificate names, ALPN, JA4, user agents, ports and intel
 * lists matched against the product signatures (rules/products). */
#ifndef SIGHTLINE_IDENTIFY_NAMES_H
#define SIGHTLINE_IDENTIFY_NAMES_H

#include <stdbool.h>

#include "sightline/field.h"
#include "sightline/flow.h"
#include "sightline/signatures.h"

struct sl_names;

/**
 * Resolve the catalogue fields the matcher reads (tls.sni, quic.sni,
 * http.hostname, tls.cert.*, *.alpn, *.ja4, user agents, http.http_method, http.url)
 * once, at setup, over the signature set sigs (borrowed: it must outlive
 * the matcher).  Caller owns *out; free with sl_names_destroy().  Returns
 * 0 or -ENOMEM.
 */
int sl_names_create(const struct sl_sigs *sigs, struct sl_names **out);
/** Free a matcher.  Accepts NULL. */
void sl_names_destroy(struct sl_names *n);

/**
 * Match the flow's names and facts and claim its product with
 * sl_app_set_product() (certificate > sni > alpn > user agent > ja4 > dns >
 * address list > port; a stronger claim already made stays).  r is a
 * record of f (borrowed) for the parsers' fields and, when enriched, the
 * remote side's intel lists; dns_name is the name a DNS answer gave the
 * server (NULL or "": none).  At flow end it runs after every parser's
 * flow_end (sl_identify_flow_end()).
 */
void sl_names_claim(const struct sl_names *n, const struct sl_record *r, const char *dns_name,
		    struct sl_flow *f);

/** How many fields the claims read (sl_names_read()). */
#define SL_NAMES_FIELDS 15

/**
 * The values the claims read from r, as they read them (each parser's state
 * found once per pass): field i is names[i] (a catalogue name, borrowed),
 * vals[i] its string or NULL when absent or empty, held in v[i] (the
 * caller's).  For tests that hold these reads to sl_field_get()'s answers.
 */
void sl_names_read(const struct sl_names *n, const struct sl_record *r,
		   const char *names[SL_NAMES_FIELDS], const char *vals[SL_NAMES_FIELDS],
		   struct sl_value v[SL_NAMES_FIELDS]);

/**
 * Product of a host name (SNI, Host, DNS name): case-insensitive, a
 * trailing dot and a ":port" suffix ignored.  On a match *app and
 * *category are set to strings of the signature set (borrowed).  The set
 * keeps its latest answers (and sl_names_match_alpn()'s, and those of
 * sl_names_claim() through them): calls on one set must not run at the
 * same time (the engine identifies under its lock).
 */
bool sl_names_match_host(const struct sl_names *n, const char *name, const char **app,
			 const char **category);

/** Product of a certificate subject (subject true) or issuer (RFC 4514
 * string) by its O, OU and CN attributes. */
bool sl_names_match_cert(const struct sl_names *n, const char *dn, bool subject,
			 const char **app, const char **category);

/**
 * Product of a certificate's subjectAltName DNS names (comma-separated, as
 * tls.cert.san): only when every name, CDN placeholder names such as
 * *.cloudflaressl.com aside, maps to the same product; a shared certificate
 * listing several companies names none.  *app and *category are set to
 * strings of the signature set (borrowed) on a match.
 */
bool sl_names_match_san(const struct sl_names *n, const char *san, const char **app,
			const char **category);

/** Product of a comma-joined ALPN list by the prefix of any of its entries. */
bool sl_names_match_alpn(const struct sl_names *n, const char *alpn, const char **app,
			 const char **category);

/** Whether a server name looks like Tor's random client SNI (www.<base32>.com). */
bool sl_names_tor_sni(const char *name);

/**
 * As sl_names_tor_sni, for a server on Tor's default relay ports (9001,
 * 9030), where shorter random labels (from 4 characters) are accepted.
 */
bool sl_names_tor_sni_on_port(const char *name, uint16_t port);

/**
 * Whether an HTTP request is Tor's directory protocol: GET/POST under
 * /tor/server/, /tor/status-vote/, /tor/micro/, /tor/keys/, /tor/hs/, ...,
 * or a descriptor POST to "/tor/".
 */
bool sl_names_tor_dir_request(const char *method, const char *uri);

/**
 * Whether a certificate looks like a Tor relay's link certificate: subject
 * and issuer each exactly one CN of the form www.<base32>.net|.com, and
 * different from each other.
 */
bool sl_names_tor_cert(const char *subject, const char *issuer);

#endif
