/* TLS ClientHello parsing and the client fingerprints computed from it
 * (JA3, JA4; private to sensor/proto and its tests), shared by TLS over TCP (sensor/proto/tls.c), QUIC Initial
 * packets (sensor/proto/quic.c) and DTLS.  Spec: RFC 8446 §4.1.2 (and RFC
 * 5246 for earlier versions); JA3: salesforce/ja3 README; JA4 (BSD-3):
 * FoxIO-LLC/ja4 technical details.  JA4+ variants other than JA4 are under
 * a non-commercial licence: sightline leaves them out on purpose. */
#ifndef SIGHTLINE_PROTO_TLS_HELLO_H
#define SIGHTLINE_PROTO_TLS_HELLO_H

#include "sightline/common.h"

#define SL_TLS_LIST_MAX 512  /* ciphers, extensions, groups, sig algs kept (real hellos carry up to ~350) */
#define SL_TLS_ALPN_TEXT 2048 /* bytes of the comma-joined ALPN list kept (whole names; real lists use < 100) */

/* Facts of one ClientHello, in wire order, GREASE values included (the
 * fingerprint functions skip them as their specs say). */
struct sl_tls_client_hello {
	uint16_t legacy_version;        /* ClientHello.legacy_version */
	uint16_t supported_version_max; /* highest non-GREASE supported_versions entry; 0 if absent */
	uint16_t ciphers[SL_TLS_LIST_MAX];
	uint16_t n_ciphers;
	uint16_t extensions[SL_TLS_LIST_MAX];
	uint16_t n_extensions;
	uint16_t groups[SL_TLS_LIST_MAX];      /* supported_groups */
	uint16_t n_groups;
	uint8_t ec_point_formats[16];
	uint16_t n_ec_point_formats;
	uint16_t sig_algs[SL_TLS_LIST_MAX];    /* signature_algorithms */
	uint16_t n_sig_algs;
	char sni[256];                         /* server_name host_name, "" if absent */
	/* ALPN protocol names in wire order, comma-joined, each NUL or comma
	 * byte inside a name written as '?'.  Whole names
	 * only: when the list does not fit, alpn_cut is set and the names
	 * that fit are kept. */
	char alpn[SL_TLS_ALPN_TEXT];
	uint16_t n_alpn;                       /* names offered (all, also those not kept) */
	bool alpn_cut;
	uint8_t alpn_first[255];               /* the first name's raw bytes (JA4 reads its ends) */
	uint8_t alpn_first_len;
	bool has_sni;
	bool ech;                              /* encrypted_client_hello (0xfe0d) present */
	bool esni;                             /* draft ESNI (0xffce) present */
	bool truncated_lists;                  /* a fingerprinted list had more entries than kept */
};

/**
 * Parse a ClientHello handshake message body (after the 4-byte handshake
 * header: starting at legacy_version) of len bytes into *out.  Returns 0, or
 * -EINVAL when the bytes are not a well-formed ClientHello (every read is
 * bounds-checked).  *out is fully overwritten; no allocation.
 */
int sl_tls_parse_client_hello(const uint8_t *body, size_t len, struct sl_tls_client_hello *out);

/**
 * Copy the comma-joined ALPN names of ch into dst (cap bytes, NUL-terminated,
 * "" when none), whole names only.  Returns false when names were left out
 * (here, or already by the parser: ch->alpn_cut).
 */
bool sl_tls_alpn_copy(const struct sl_tls_client_hello *ch, char *dst, size_t cap);

/* "t13d1516h2_8daaf6152771_02713d6af862" and its NUL. */
#define SL_JA4_LEN 37

/**
 * JA4 of a ClientHello.  transport is 't' (TLS over TCP), 'q' (QUIC) or
 * 'd' (DTLS).  Writes out.
 */
void sl_tls_ja4(const struct sl_tls_client_hello *ch, char transport, char out[SL_JA4_LEN]);

/**
 * JA3: the decimal string "version,ciphers,extensions,groups,formats"
 * (GREASE removed) into str (strlen bytes, truncated safely), and its MD5 in
 * lowercase hex into md5hex.
 */
void sl_tls_ja3(const struct sl_tls_client_hello *ch, char *str, size_t strlen,
		char md5hex[33]);

/** True for a GREASE value (RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa). */
static inline bool sl_tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

#endif
