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

#define TLS_TEXT(fn, id)                                               \
	static bool fn(const struct sl_record *r, struct sl_value *v)  \
	{                                                              \
		v->s = sl_tls_session_text(get_state(r), id);                     \
		return v->s != NULL;                                   \
	}
TLS_TEXT(g_sni, SL_TLS_T_SNI)
TLS_TEXT(g_alpn, SL_TLS_T_ALPN)
TLS_TEXT(g_alpn_server, SL_TLS_T_ALPN_SERVER)
TLS_TEXT(g_ciphers, SL_TLS_T_CIPHERS)
TLS_TEXT(g_exts, SL_TLS_T_EXTS)
TLS_TEXT(g_sigalgs, SL_TLS_T_SIGALGS)
TLS_TEXT(g_svers, SL_TLS_T_SVERS)
TLS_TEXT(g_ja3, SL_TLS_T_JA3)
TLS_TEXT(g_ja3_string, SL_TLS_T_JA3_STRING)
TLS_TEXT(g_ja3s, SL_TLS_T_JA3S)
TLS_TEXT(g_ja3s_string, SL_TLS_T_JA3S_STRING)
TLS_TEXT(g_ja4, SL_TLS_T_JA4)
TLS_TEXT(g_subject, SL_TLS_T_SUBJECT)
TLS_TEXT(g_issuer, SL_TLS_T_ISSUER)
TLS_TEXT(g_san, SL_TLS_T_SAN)
TLS_TEXT(g_sha1, SL_TLS_T_SHA1)
TLS_TEXT(g_not_before, SL_TLS_T_NOT_BEFORE)
TLS_TEXT(g_not_after, SL_TLS_T_NOT_AFTER)

static bool g_version(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_tls_session *s = get_state(r);
	uint16_t ver = !s ? 0 : s->sh_done ? s->server_version : s->client_version;
	if (!ver)
		return false;
	v->s = sl_tls_version_name(ver, v->buf, sizeof(v->buf));
	return true;
}

static bool g_cipher(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_tls_session *s = get_state(r);
	if (!s || !s->sh_done)
		return false;
	snprintf(v->buf, sizeof(v->buf), "%04x", s->cipher);
	v->s = v->buf;
	return true;
}

static bool g_ech(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_tls_session *s = get_state(r);
	v->b = s && s->ech;
	return s && s->ch_done;
}

static bool g_overflows(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_tls_session *s = get_state(r);
	v->u = s ? s->overflows : 0;
	return s && s->overflows;
}

static bool g_alpn_cut(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_tls_session *s = get_state(r);
	v->b = true;
	return s && s->alpn_cut;
}

/* The TLS client sent the flow's second packet, not its first: the
 * capture began after the client's first flight. */
static bool g_client_is_dest(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_tls_session *s = get_state(r);
	v->b = true;
	return s && s->client_side == 1 + SL_DIR_TOCLIENT;
}

static bool g_self_signed(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_tls_session *s = get_state(r);
	v->b = s && s->self_signed;
	return s && s->off[SL_TLS_T_SUBJECT];
}

static const struct sl_field fields[] = {
	{ "tls.version", SL_FT_STRING,
	  "negotiated version from the ServerHello (\"TLS 1.2\", \"TLS 1.3 draft 28\"), else the client's highest", g_version },
	{ "tls.sni", SL_FT_STRING, "server_name the client asked for", g_sni },
	{ "tls.alpn", SL_FT_STRING, "ALPN protocols the client offered, comma-joined (\"h2,http/1.1\"); a comma or NUL inside a name is written '?'", g_alpn },
	{ "tls.alpn_truncated", SL_FT_BOOL, "present (true) when the client offered more ALPN names than the 2 KiB of tls.alpn hold: the names kept are whole, the rest left out", g_alpn_cut },
	{ "tls.alpn_server", SL_FT_STRING, "ALPN protocol the server chose (visible up to TLS 1.2)", g_alpn_server },
	{ "tls.ciphers", SL_FT_STRING, "client's cipher suites in wire order (first 512), 4-digit hex, comma-joined, GREASE kept", g_ciphers },
	{ "tls.extensions", SL_FT_STRING, "client's extension types in wire order, 4-digit hex, comma-joined", g_exts },
	{ "tls.sig_algs", SL_FT_STRING, "client's signature_algorithms in wire order, 4-digit hex, comma-joined", g_sigalgs },
	{ "tls.supported_versions", SL_FT_STRING, "client's supported_versions list, 4-digit hex, comma-joined", g_svers },
	{ "tls.client_is_dest", SL_FT_BOOL,
	  "present (true) when the handshake shows the TLS client is dest_ip (the capture began after the client's first flight); tls.* facts still belong to their TLS roles", g_client_is_dest },
	{ "tls.ech", SL_FT_BOOL, "the ClientHello carries encrypted_client_hello (or draft ESNI): the real SNI is hidden", g_ech },
	{ "tls.ja3", SL_FT_STRING, "JA3 of the ClientHello (MD5 of tls.ja3_string); absent when a list exceeds 512 entries", g_ja3 },
	{ "tls.ja3_string", SL_FT_STRING, "JA3 text: version,ciphers,extensions,groups,point formats (decimal, GREASE removed)", g_ja3_string },
	{ "tls.ja3s", SL_FT_STRING, "JA3S of the ServerHello (MD5 of tls.ja3s_string)", g_ja3s },
	{ "tls.ja3s_string", SL_FT_STRING, "JA3S text: version,cipher,extensions (decimal)", g_ja3s_string },
	{ "tls.ja4", SL_FT_STRING, "JA4 client fingerprint of the ClientHello (FoxIO JA4 specification)", g_ja4 },
	{ "tls.cipher", SL_FT_STRING, "cipher suite the server chose, 4-digit hex", g_cipher },
	{ "tls.buffer_overflows", SL_FT_UINT,
	  "times a reassembly cap was hit (64 KiB handshake message, 16 KiB out-of-order window): facts after it may be missing", g_overflows },
	{ "tls.cert.subject", SL_FT_STRING, "server certificate subject (TLS <= 1.2), RFC 4514 order: most specific first", g_subject },
	{ "tls.cert.issuer", SL_FT_STRING, "server certificate issuer, RFC 4514 order", g_issuer },
	{ "tls.cert.san", SL_FT_STRING, "server certificate subjectAltName DNS names, comma-separated (up to 255 bytes of whole names)", g_san },
	{ "tls.cert.self_signed", SL_FT_BOOL,
	  "subject and issuer names are equal (a name comparison; the signature is not checked)", g_self_signed },
	{ "tls.cert.sha1", SL_FT_STRING, "SHA-1 of the server certificate, lowercase hex without colons", g_sha1 },
	{ "tls.cert.not_before", SL_FT_STRING, "certificate validity start, ISO-8601 UTC", g_not_before },
	{ "tls.cert.not_after", SL_FT_STRING, "certificate validity end, ISO-8601 UTC", g_not_after },
};

/* from_state false: the fields are also read from the OpenVPN parser's state. */
const struct sl_field_table sl_tls_fields = { "tls", fields, ARRAY_SIZE(fields), false };

