/* Helpers shared inside sensor/proto by the ClientHello code (tls_hello.c),
 * the TLS session layer (tls_session.c) and the transports that carry a TLS
 * byte stream (tls.c over TCP); not part of the public API. */
#ifndef SIGHTLINE_PROTO_TLS_PRIV_H
#define SIGHTLINE_PROTO_TLS_PRIV_H

#include "sightline/cursor.h"
#include "sightline/proto.h"
#include "tls_hello.h"

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

/* ---- TLS session: records and handshake over any in-order byte stream --- */

/* Strings kept for the flow event, found by id in the session's arena. */
enum sl_tls_text {
	SL_TLS_T_SNI, SL_TLS_T_ALPN, SL_TLS_T_ALPN_SERVER, SL_TLS_T_CIPHERS, SL_TLS_T_EXTS,
	SL_TLS_T_SIGALGS, SL_TLS_T_SVERS, SL_TLS_T_JA3, SL_TLS_T_JA3_STRING, SL_TLS_T_JA3S,
	SL_TLS_T_JA3S_STRING, SL_TLS_T_JA4, SL_TLS_T_SUBJECT, SL_TLS_T_ISSUER, SL_TLS_T_SHA1,
	SL_TLS_T_NOT_BEFORE, SL_TLS_T_NOT_AFTER, SL_TLS_T_SAN,
	SL_TLS_T__COUNT
};

/* One direction's record layer and handshake layer. */
struct sl_tls_dir {
	bool dead;               /* not TLS records (after identification) or lost: ignored */
	bool encrypted;          /* handshake records are no longer plaintext */
	bool any_record;
	uint8_t hdr[5], hdr_len; /* record header being read; 5 = reading the body */
	uint8_t rec_type;
	uint16_t rec_left;       /* body bytes left in the current record */
	uint32_t skip_left;      /* bytes of the current handshake message passed over */
	uint8_t *hs;             /* a partial handshake message, or NULL */
	uint32_t hs_len, hs_cap;
};

/* A TLS handshake seen from the side: its facts and the parsing state of
 * both directions.  Zeroed is ready; the carrier sets owner. */
struct sl_tls_session {
	/* The parser a well-formed hello identifies the flow as (app_proto),
	 * or NULL when TLS is carried inside another protocol that names the
	 * flow itself (OpenVPN's control channel). */
	const struct sl_proto *owner;
	struct sl_tls_dir d[2];  /* indexed by enum sl_dir */
	char *text;
	uint16_t text_len, text_cap;
	uint16_t off[SL_TLS_T__COUNT]; /* 1 + offset into text; 0 = absent */
	uint16_t client_version; /* highest the client offered */
	uint16_t server_version; /* negotiated (ServerHello) */
	uint16_t cipher;
	uint16_t overflows;      /* reassembly caps hit (the carrier's too) */
	uint8_t client_side;     /* 0 unknown, else 1 + the enum sl_dir the TLS client sends in */
	bool identified, ch_done, sh_done, shd_seen, cert_done, self_signed, ech, hrr_seen;
	bool alpn_cut;           /* the client offered more ALPN names than tls.alpn holds */
	bool rtt_armed, rtt_follow, rtt_done;
	sl_time_us rtt_from;
};

/**
 * In-order stream bytes of direction dir (p, n borrowed for the call).
 * Returns -EINVAL when they are not TLS records, or a hello does not parse.
 */
int sl_tls_session_feed(struct sl_tls_session *s, enum sl_dir dir, const uint8_t *p, size_t n,
			const struct sl_proto_pkt *pp);

/** Whether direction dir still holds handshake facts the session wants. */
bool sl_tls_session_wants(const struct sl_tls_session *s, enum sl_dir dir);

/**
 * Every packet of the flow, after its bytes were fed (new_data: it carried
 * stream bytes not seen before): frees the direction's partial message once
 * it is no longer wanted, and times the application round trip.
 */
void sl_tls_session_packet(struct sl_tls_session *s, const struct sl_proto_pkt *pp, bool new_data);

/** Both directions are done with and the round trip is measured. */
bool sl_tls_session_finished(const struct sl_tls_session *s);

/** Drop direction dir's partial message and ignore its further bytes. */
void sl_tls_session_drop(struct sl_tls_session *s, enum sl_dir dir);

/** Free the partial-message buffers (the facts stay).  Accepts a zeroed s. */
void sl_tls_session_free_buffers(struct sl_tls_session *s);

/** Free everything s points to.  Accepts a zeroed s. */
void sl_tls_session_release(struct sl_tls_session *s);

/** A kept string, or NULL.  Borrowed: valid while s is. */
const char *sl_tls_session_text(const struct sl_tls_session *s, enum sl_tls_text id);

/**
 * The TLS session of flow f's TCP TLS parser, or NULL.  Borrowed: valid
 * while the flow's parser state is.  (tls.c)
 */
const struct sl_tls_session *sl_tls_tcp_session(const struct sl_flow *f);

/** The "tls" field table (tls_fields.c): reads the session of either carrier. */
extern const struct sl_field_table sl_tls_fields;

#endif
