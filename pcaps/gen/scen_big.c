/* A flow event over 8 KiB (10.7 kB of JSON), for collectors that cut long messages (rsyslog
 * keeps 8 KiB by default): one TLS ClientHello (RFC 8446 §4.1.2) with long lists, as a
 * scanner probing a server's support might send: 512 cipher suites (as many as sightline
 * keeps), 256 supported groups (RFC 8446 §4.2.7), 256 signature schemes (§4.2.3) and ALPN
 * names (RFC 7301) just under the 2 KiB of tls.alpn; answered by a TLS 1.2
 * ServerHello. The hello spans three TCP segments. */
#include "scenarios.h"

#include "bytes.h"
#include "rng.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define BIG_SUITES 512
#define BIG_GROUPS 256
#define BIG_SIGALGS 256
#define BIG_ALPN_NAMES 170        /* "probe-000" .. : 170 * 10 bytes of tls.alpn, under 2 KiB */

/* Appends one extension header (type, length) at b + *n; returns where its body starts. */
static size_t ext_hdr(uint8_t *b, size_t *n, uint16_t type, size_t len)
{
	put16(b + *n, type);
	put16(b + *n + 2, (uint16_t)len);
	*n += 4;
	return *n;
}

/* A list of 16-bit values first, first+step, ... with its 2-byte length, as an extension. */
static void u16_list_ext(uint8_t *b, size_t *n, uint16_t type, uint16_t first, size_t count)
{
	ext_hdr(b, n, type, 2 + 2 * count);
	put16(b + *n, (uint16_t)(2 * count)), *n += 2;
	for (size_t i = 0; i < count; i++)
		put16(b + *n, (uint16_t)(first + i)), *n += 2;
}

/* ALPN: the IANA-registered names a probe tries first, then numbered probe names. */
static void alpn_ext(uint8_t *b, size_t *n)
{
	static const char *const known[] = { "h2", "http/1.1", "h3", "spdy/3", "stun.turn",
	                                     "webrtc", "c-webrtc", "ftp", "imap", "pop3",
	                                     "xmpp-client", "acme-tls/1", "mqtt", "dot" };
	size_t at = ext_hdr(b, n, 0x0010, 0), list = *n;
	*n += 2;
	size_t nk = sizeof(known) / sizeof(known[0]);
	for (size_t i = 0; i < nk + BIG_ALPN_NAMES; i++) {
		char name[16];
		if (i < nk)
			snprintf(name, sizeof(name), "%s", known[i]);
		else
			snprintf(name, sizeof(name), "probe-%03zu", i - nk);
		size_t k = strlen(name);
		b[(*n)++] = (uint8_t)k;
		memcpy(b + *n, name, k), *n += k;
	}
	put16(b + at - 2, (uint16_t)(*n - at));
	put16(b + list, (uint16_t)(*n - list - 2));
}

/* The ClientHello record: suites 0x0000-0x00ff and 0xc000-0xc0ff, SNI, groups from 1,
 * point formats, signature schemes from 0x0401, ALPN, supported_versions 1.3/1.2. */
static size_t big_client_hello(uint8_t *out, size_t cap)
{
	static const char sni[] = "scan-target.corp.example";
	uint8_t hs[8192], *b = hs + 4;
	size_t n = 0;
	struct sl_rng r = { 0xb16 };
	if (cap < sizeof(hs) + 5)
		return 0;
	put16(b, 0x0303), n += 2;
	sl_rng_fill(&r, b + n, 32), n += 32;
	b[n++] = 0;                                     /* session id */
	put16(b + n, 2 * BIG_SUITES), n += 2;
	for (unsigned i = 0; i < BIG_SUITES; i++)
		put16(b + n, (uint16_t)(i < 256 ? i : 0xc000 + i - 256)), n += 2;
	b[n++] = 1, b[n++] = 0;                         /* null compression */
	size_t ext = n;
	n += 2;
	ext_hdr(b, &n, 0x0000, 5 + strlen(sni));
	put16(b + n, (uint16_t)(3 + strlen(sni))), b[n + 2] = 0;
	put16(b + n + 3, (uint16_t)strlen(sni)), memcpy(b + n + 5, sni, strlen(sni));
	n += 5 + strlen(sni);
	u16_list_ext(b, &n, 0x000a, 1, BIG_GROUPS);
	ext_hdr(b, &n, 0x000b, 4), b[n] = 3, b[n + 1] = 0, b[n + 2] = 1, b[n + 3] = 2, n += 4;
	u16_list_ext(b, &n, 0x000d, 0x0401, BIG_SIGALGS);
	alpn_ext(b, &n);
	ext_hdr(b, &n, 0x002b, 5), b[n] = 4, put16(b + n + 1, 0x0304), put16(b + n + 3, 0x0303);
	n += 5;
	put16(b + ext, (uint16_t)(n - ext - 2));
	hs[0] = 1, hs[1] = (uint8_t)(n >> 16), put16(hs + 2, (uint16_t)n);
	out[0] = 22;
	put16(out + 1, 0x0301);
	put16(out + 3, (uint16_t)(4 + n));
	memcpy(out + 5, hs, 4 + n);
	return 5 + 4 + n;
}

/* 10.77.0.2:44201 -> 198.51.100.140:443: handshake, the big ClientHello answered by a
 * TLS 1.2 ServerHello, client FIN close. */
int sl_scen_tls_big_hello(struct sl_pcapw *w, uint64_t t0)
{
	static uint8_t q[8192 + 16], s[64];
	struct sl_conv_cfg cfg;
	uint64_t t = t0;
	size_t qn = big_client_hello(q, sizeof(q));

	if (!qn || sl_scen_cfg(&cfg, "10.77.0.2", 44201, "198.51.100.140", 443, 5, 20))
		return -EINVAL;
	struct sl_conv_msg m[] = { { q, qn, s, sl_scen_server_hello(s), 0, 200 } };
	return sl_scen_tcp(w, &cfg, &t, SL_SCEN_HANDSHAKE, m, 1, SL_CLOSE_FIN_CLIENT);
}
