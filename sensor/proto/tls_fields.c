/* The tls.* fields of the flow record, read from the TLS session of the
 * flow (tls_session.c), whichever transport carried it: TCP (tls.c) or
 * OpenVPN's control channel (openvpn_ctl.c), so a VPN's TLS peers are
 * fingerprinted like any other.  Names follow Suricata's EVE tls object
 * where it has one (sni, ja3, ja3s, ja4, version). */
#include <stdio.h>

#include "sightline/proto.h"
#include "openvpn_ctl.h"
#include "tls_priv.h"

/* The TLS session of the flow, whichever transport carried it (a flow
 * has at most one with a hello read: TLS over TCP starts with a record
 * header, OpenVPN over TCP with a length and a reset opcode). */
static const struct sl_tls_session *get_state(const struct sl_record *r)
{
	const struct sl_tls_session *s = sl_tls_tcp_session(r->flow);
	if (s && s->identified)
		return s;
	const struct sl_tls_session *o = sl_openvpn_tls_session(r->flow);
	return o && o->identified ? o : s;
}

/* Why computed: the server's version once it answered, else the client's,
 * named (with drafts and unknown versions written out). */
static bool g_version(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_tls_session *s = get_state(r);
	uint16_t ver = !s ? 0 : s->sh_done ? s->server_version : s->client_version;
	if (!ver)
		return false;
	v->s = sl_tls_version_name(ver, v->buf, sizeof(v->buf));
	return true;
}

static const void *session_of(const struct sl_record *r)
{
	return get_state(r);
}

/* Declared fields: the texts of the session kept as offsets into its text
 * buffer (tls_session.c). */
#define AT_TLS SL_IN_FUNC(session_of)

static const struct sl_field fields[] = {
	{ "tls.version", SL_FT_STRING,
	  "negotiated version from the ServerHello (\"TLS 1.2\", \"TLS 1.3 draft 28\"), else the client's highest", g_version },
	SL_FIELD_TEXT("tls.sni", "server_name the client asked for",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_SNI], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.alpn", "ALPN protocols the client offered, comma-joined (\"h2,http/1.1\"); a comma or NUL inside a name is written '?'",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_ALPN], text, SL_NONZERO),
	SL_FIELD_BOOL("tls.alpn_truncated", "present (true) when the client offered more ALPN names than the 2 KiB of tls.alpn hold: the names kept are whole, the rest left out",
		      AT_TLS, struct sl_tls_session, alpn_cut, SL_NONZERO),
	SL_FIELD_TEXT("tls.alpn_server", "ALPN protocol the server chose (visible up to TLS 1.2)",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_ALPN_SERVER], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.ciphers", "client's cipher suites in wire order (first 512), 4-digit hex, comma-joined, GREASE kept",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_CIPHERS], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.extensions", "client's extension types in wire order, 4-digit hex, comma-joined",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_EXTS], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.sig_algs", "client's signature_algorithms in wire order, 4-digit hex, comma-joined",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_SIGALGS], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.supported_versions", "client's supported_versions list, 4-digit hex, comma-joined",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_SVERS], text, SL_NONZERO),
	/* The TLS client sent the flow's second packet, not its first: the
	 * capture began after the client's first flight. */
	SL_FIELD_EQ("tls.client_is_dest", "present (true) when the handshake shows the TLS client is dest_ip (the capture began after the client's first flight); tls.* facts still belong to their TLS roles",
		    AT_TLS, struct sl_tls_session, client_side, 1 + SL_DIR_TOCLIENT, SL_NONZERO),
	SL_FIELD_BOOL("tls.ech", "the ClientHello carries encrypted_client_hello (or draft ESNI): the real SNI is hidden",
		      AT_TLS, struct sl_tls_session, ech, SL_IF(struct sl_tls_session, ch_done)),
	SL_FIELD_TEXT("tls.ja3.hash", "JA3 of the ClientHello (MD5 of tls.ja3.string); absent when a list exceeds 512 entries",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_JA3], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.ja3.string", "JA3 text: version,ciphers,extensions,groups,point formats (decimal, GREASE removed)",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_JA3_STRING], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.ja3s.hash", "JA3S of the ServerHello (MD5 of tls.ja3s.string)",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_JA3S], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.ja3s.string", "JA3S text: version,cipher,extensions (decimal)",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_JA3S_STRING], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.ja4", "JA4 client fingerprint of the ClientHello (FoxIO JA4 specification)",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_JA4], text, SL_NONZERO),
	SL_FIELD_HEXNUM("tls.cipher", "cipher suite the server chose, 4-digit hex",
			AT_TLS, struct sl_tls_session, cipher, 4, NULL, SL_IF(struct sl_tls_session, sh_done)),
	SL_FIELD_U("tls.buffer_overflows", "times a reassembly cap was hit (64 KiB handshake message, 16 KiB out-of-order window): facts after it may be missing",
		      AT_TLS, struct sl_tls_session, overflows, SL_NONZERO),
	SL_FIELD_TEXT("tls.cert.subject", "server certificate subject (TLS <= 1.2), RFC 4514 order: most specific first",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_SUBJECT], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.cert.issuer", "server certificate issuer, RFC 4514 order",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_ISSUER], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.cert.san", "server certificate subjectAltName DNS names, comma-separated (up to 255 bytes of whole names)",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_SAN], text, SL_NONZERO),
	SL_FIELD_BOOL("tls.cert.self_signed", "subject and issuer names are equal (a name comparison; the signature is not checked)",
		      AT_TLS, struct sl_tls_session, self_signed, SL_IF(struct sl_tls_session, off[SL_TLS_T_SUBJECT])),
	SL_FIELD_TEXT("tls.cert.sha1", "SHA-1 of the server certificate, lowercase hex without colons",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_SHA1], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.cert.not_before", "certificate validity start, ISO-8601 UTC",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_NOT_BEFORE], text, SL_NONZERO),
	SL_FIELD_TEXT("tls.cert.not_after", "certificate validity end, ISO-8601 UTC",
		      AT_TLS, struct sl_tls_session, off[SL_TLS_T_NOT_AFTER], text, SL_NONZERO),
};

/* from_state false: the fields are also read from the OpenVPN parser's state. */
const struct sl_field_table sl_tls_fields = { "tls", fields, ARRAY_SIZE(fields), false };

