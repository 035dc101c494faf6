/* Helpers shared by the scenario files: default host profiles, conversation runners,
 * and small payload makers (TLS-shaped records, DNS messages, filler datagrams). */
#include "scenarios.h"

#include "bytes.h"
#include "rng.h"

#include <errno.h>
#include <string.h>

static const uint8_t client_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };
static const uint8_t gateway_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t linux_opts[] = { SL_TCPOPT_MSS, SL_TCPOPT_SACKOK, SL_TCPOPT_TS,
                                      SL_TCPOPT_NOP, SL_TCPOPT_WSCALE };

void sl_scen_link_ethernet(struct sl_pb_link *l)
{
	memset(l, 0, sizeof(*l));
	l->linktype = SL_LINKTYPE_ETHERNET;
	memcpy(l->client_mac, client_mac, 6);
	memcpy(l->server_mac, gateway_mac, 6);
}

static void linux_side(struct sl_conv_side *s, uint8_t ttl, uint16_t window)
{
	s->ttl = ttl;
	s->df = true;
	s->ip_id_step = 1;
	s->window = window;
	s->mss = 1460;
	s->wscale = 7;
	memcpy(s->syn_opts, linux_opts, sizeof(linux_opts));
	s->nsyn_opts = sizeof(linux_opts);
}

int sl_scen_cfg(struct sl_conv_cfg *cfg, const char *client, uint16_t cport,
                const char *server, uint16_t sport, uint32_t client_ms, uint32_t server_ms)
{
	memset(cfg, 0, sizeof(*cfg));
	if (sl_pb_addr_parse(&cfg->client.addr, client) || sl_pb_addr_parse(&cfg->server.addr, server))
		return -EINVAL;
	cfg->client.port = cport;
	cfg->server.port = sport;
	linux_side(&cfg->client, 64, 64240);
	linux_side(&cfg->server, 54, 65160);
	/* Fixed, port-derived ISNs, IP IDs and TSvals: distinct per flow yet reproducible. */
	cfg->client.isn = 0x1000000u * (cport % 200u) + 0x1111u;
	cfg->server.isn = 0x2000000u * (sport % 100u) + 0x2222u;
	cfg->client.ip_id = (uint16_t)(cport * 7u);
	cfg->server.ip_id = (uint16_t)(sport * 13u);
	cfg->client.tsval = 100000u + cport;
	cfg->server.tsval = 900000u + sport;
	cfg->client_delay_us = client_ms * SL_MS;
	cfg->server_delay_us = server_ms * SL_MS;
	cfg->gap_us = 50;
	sl_scen_link_ethernet(&cfg->link);
	return 0;
}

int sl_scen_tcp(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t, int flags,
                const struct sl_conv_msg *msgs, size_t n, int close)
{
	struct sl_conv *c;
	int rc = sl_conv_create(&c, cfg, w, *t);

	if (rc)
		return rc;
	if (flags & SL_SCEN_HANDSHAKE)
		rc = sl_conv_tcp_handshake(c);
	for (size_t i = 0; i < n && !rc; i++)
		rc = sl_conv_tcp_exchange(c, &msgs[i]);
	if (!rc && close >= 0)
		rc = sl_conv_tcp_close(c, (enum sl_conv_close)close);
	*t = sl_conv_time(c);
	sl_conv_destroy(c);
	return rc;
}

int sl_scen_udp(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t,
                const struct sl_conv_msg *msgs, size_t n)
{
	struct sl_conv *c;
	int rc = sl_conv_create(&c, cfg, w, *t);

	if (rc)
		return rc;
	for (size_t i = 0; i < n && !rc; i++)
		rc = sl_conv_udp_exchange(c, &msgs[i]);
	*t = sl_conv_time(c);
	sl_conv_destroy(c);
	return rc;
}

void sl_scen_tls_record(uint8_t *out, size_t len, uint8_t type, uint64_t seed)
{
	struct sl_rng r = { seed };

	out[0] = type;
	out[1] = 0x03;
	out[2] = 0x03;
	put16(out + 3, (uint16_t)(len - 5));
	sl_rng_fill(&r, out + 5, len - 5);
}

/* Encodes a dotted name as DNS labels (RFC 1035 3.1); returns bytes written or 0. */
static size_t dns_name(uint8_t *out, size_t cap, const char *name)
{
	size_t n = 0;

	while (*name) {
		size_t l = strcspn(name, ".");
		if (l == 0 || l > 63 || n + l + 2 > cap)
			return 0;
		out[n++] = (uint8_t)l;
		memcpy(out + n, name, l);
		n += l;
		name += l + (name[l] == '.');
	}
	out[n++] = 0;
	return n;
}

size_t sl_scen_dns(uint8_t *out, size_t cap, uint16_t id, const char *qname,
                   const uint8_t *answer)
{
	if (cap < 12 + 4 + 16)
		return 0;
	memset(out, 0, 12);
	put16(out, id);
	put16(out + 2, answer ? 0x8180 : 0x0100);   /* response+RD+RA, or query+RD */
	put16(out + 4, 1);
	put16(out + 6, answer ? 1 : 0);
	size_t n = dns_name(out + 12, cap - 12 - 4, qname);
	if (n == 0)
		return 0;
	n += 12;
	put16(out + n, 1);          /* QTYPE A */
	put16(out + n + 2, 1);      /* QCLASS IN */
	n += 4;
	if (!answer)
		return n;
	if (n + 16 > cap)
		return 0;
	put16(out + n, 0xc00c);     /* pointer to the question name */
	put16(out + n + 2, 1);
	put16(out + n + 4, 1);
	put32(out + n + 6, 300);    /* TTL */
	put16(out + n + 10, 4);
	memcpy(out + n + 12, answer, 4);
	return n + 16;
}

int sl_scen_udp_datagram(struct sl_pb *b, const struct sl_pb_ip *ip, uint16_t sport,
                         uint16_t dport, size_t n, uint64_t seed)
{
	struct sl_rng r = { seed };
	uint8_t chunk[256];

	sl_pb_init(b);
	for (size_t done = 0; done < n;) {
		size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
		sl_rng_fill(&r, chunk, k);
		int rc = sl_pb_append(b, chunk, k);
		if (rc)
			return rc;
		done += k;
	}
	int rc = sl_pb_udp(b, ip, sport, dport);
	return rc ? rc : sl_pb_ip(b, ip, 17);
}

int sl_scen_emit(struct sl_pcapw *w, struct sl_pb *b, const struct sl_pb_link *link,
                 bool from_client, uint64_t t)
{
	int rc = link ? sl_pb_frame(b, link, from_client) : 0;

	return rc ? rc : sl_pcapw_add(w, t, sl_pb_data(b), b->len);
}

/* ClientHello (RFC 8446 §4.1.2) in one handshake record: legacy version 0x0303, fixed
 * random, empty session id, three suites, null compression, then server_name (RFC 6066 §3),
 * ALPN when given (RFC 7301 §3.1) and supported_versions (TLS 1.3, 1.2). Fixed bytes keep
 * every capture that uses it reproducible; without ALPN the bytes are those names-relays
 * has always carried. */
size_t sl_scen_client_hello(uint8_t *p, size_t cap, const char *sni, const char *alpn)
{
	static const uint8_t head[] = {
		0x03, 0x03,                                     /* legacy_version */
		0x5e, 0x11, 0x9a, 0x40, 0x27, 0xc3, 0x81, 0x0d, 0x64, 0x2b, 0xf0, 0x39,
		0x12, 0x7e, 0xa5, 0x58, 0x0c, 0xd6, 0x33, 0x4f, 0x91, 0xe8, 0x2a, 0x75,
		0xbc, 0x06, 0x4d, 0x19, 0xf2, 0x83, 0x60, 0xa7, /* random */
		0x00,                                           /* session id */
		0x00, 0x06, 0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f, /* cipher suites */
		0x01, 0x00,                                     /* compression */
	};
	static const uint8_t versions[] = { 0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03 };
	size_t n = strlen(sni), an = alpn ? strlen(alpn) : 0;
	size_t alpn_ext = alpn ? 7 + an : 0;
	size_t ext = 9 + n + alpn_ext + sizeof(versions), body = sizeof(head) + 2 + ext;

	if (n > 255 || an > 255 || 5 + 4 + body > cap)
		return 0;
	p[0] = 0x16;
	put16(p + 1, 0x0301);
	put16(p + 3, (uint16_t)(4 + body));
	p[5] = 1;
	p[6] = 0;
	put16(p + 7, (uint16_t)body);
	memcpy(p + 9, head, sizeof(head));
	uint8_t *e = p + 9 + sizeof(head);
	put16(e, (uint16_t)ext);
	put16(e + 2, 0x0000);                  /* server_name */
	put16(e + 4, (uint16_t)(5 + n));
	put16(e + 6, (uint16_t)(3 + n));
	e[8] = 0;                              /* host_name */
	put16(e + 9, (uint16_t)n);
	memcpy(e + 11, sni, n);
	e += 11 + n;
	if (alpn) {
		put16(e, 0x0010);              /* application_layer_protocol_negotiation */
		put16(e + 2, (uint16_t)(3 + an));
		put16(e + 4, (uint16_t)(1 + an));
		e[6] = (uint8_t)an;
		memcpy(e + 7, alpn, an);
		e += alpn_ext;
	}
	memcpy(e, versions, sizeof(versions));
	return 9 + body;
}

size_t sl_scen_server_hello(uint8_t *p)
{
	static const uint8_t sh[] = {
		0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03,
		0x7a, 0x02, 0x4c, 0x9e, 0x31, 0xd0, 0x68, 0xb5, 0x1f, 0x83, 0x2e, 0xc7,
		0x55, 0x0a, 0xe4, 0x96, 0x3b, 0x70, 0x1d, 0xa8, 0x42, 0xf9, 0x06, 0x6c,
		0xb1, 0x27, 0x8d, 0x53, 0xe0, 0x14, 0x9a, 0x3f,
		0x00, 0xc0, 0x2f, 0x00,
	};
	memcpy(p, sh, sizeof(sh));
	return sizeof(sh);
}

void sl_scen_windows_side(struct sl_conv_side *s, uint8_t ttl, uint16_t mss)
{
	static const uint8_t win_opts[] = { SL_TCPOPT_MSS, SL_TCPOPT_NOP, SL_TCPOPT_WSCALE,
	                                    SL_TCPOPT_NOP, SL_TCPOPT_NOP, SL_TCPOPT_SACKOK };
	s->ttl = ttl;
	s->df = true;
	s->ip_id_step = 1;
	s->window = 64240;
	s->mss = mss;
	s->wscale = 8;
	memcpy(s->syn_opts, win_opts, sizeof(win_opts));
	s->nsyn_opts = sizeof(win_opts);
}

/* A TLS session as a sensor sees it: the client's hello answered by the server's, the
 * client's second flight (ChangeCipherSpec and an encrypted record, so the application
 * handshake round trip is measurable), then `records` request/answer pairs of application
 * data a second apart, and a client FIN. Filler is seeded from the client port. */
int sl_scen_tls_session(struct sl_pcapw *w, const struct sl_conv_cfg *cfg, uint64_t *t,
                        const char *sni, const char *alpn, unsigned records)
{
	uint8_t hello[512], sh[64], flight[6 + 69], req[420], resp[640];
	size_t qn = sl_scen_client_hello(hello, sizeof(hello), sni, alpn);
	size_t sn = sl_scen_server_hello(sh);
	uint64_t seed = cfg->client.port * 1000003ull + cfg->server.port;
	struct sl_conv_msg m[1 + 1 + 8];

	if (!qn || records > 8)
		return -EINVAL;
	memcpy(flight, "\x14\x03\x03\x00\x01\x01", 6);
	sl_scen_tls_record(flight + 6, sizeof(flight) - 6, 0x17, seed);
	sl_scen_tls_record(req, sizeof(req), 0x17, seed + 1);
	sl_scen_tls_record(resp, sizeof(resp), 0x17, seed + 2);
	m[0] = (struct sl_conv_msg){ hello, qn, sh, sn, 0, 200 };
	m[1] = (struct sl_conv_msg){ flight, sizeof(flight), resp, 300, 0, 300 };
	for (unsigned i = 0; i < records; i++)
		m[2 + i] = (struct sl_conv_msg){ req, sizeof(req), resp, sizeof(resp), SL_SEC, 2000 };
	return sl_scen_tcp(w, cfg, t, SL_SCEN_HANDSHAKE, m, 2 + records, SL_CLOSE_FIN_CLIENT);
}
