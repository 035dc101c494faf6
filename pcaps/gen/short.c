/* sl-pcapgen short: the flows an Internet edge sees, for the benchmark's short-flow mix.
 * Mostly DNS lookups (RFC 1035; AAAA RFC 3596) and brief TLS 1.3 and QUIC visits, then
 * refused and unanswered connection attempts (RFC 9293 §3.10.7.1), NTP (RFC 5905), pings,
 * brief HTTP and SSH, WireGuard handshakes (WireGuard paper §5.4), TeamViewer, and the
 * sessions of bulk.c at full length: most flows carry a handful of packets and a few
 * carry most of them. A quarter of the DNS, TLS and QUIC flows run over IPv6. */
#include "short.h"

#include "bulk_priv.h"
#include "bytes.h"
#include "scenarios.h"
#include "wr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_FLOWS 1000u
#define MAX_FLOWS 1400u             /* keeps one file under SL_PCAPW_MAX_BYTES */
#define SPAN_US (20ull * SL_SEC)    /* flows start within 20 s */
#define FLOWS_PER_CLIENT 16u

/* Flow kinds and their shares of 1000 flows. */
static const struct kind {
	char k;
	unsigned per_mille;
} mix[] = {
	{ 'D', 420 },                  /* DNS: A, AAAA, both on one socket, NXDOMAIN, lost */
	{ 'T', 200 },                  /* brief TLS 1.3 visit: a page or two */
	{ 'Q', 70 },                   /* brief QUIC visit */
	{ 'R', 60 },                   /* connection refused: SYN, RST */
	{ 'Y', 20 },                   /* SYN nobody answers, retried */
	{ 'N', 20 },                   /* NTP */
	{ 'A', 20 },                   /* TLS given up after the server's hello: client RST */
	{ 'H', 25 },                   /* brief HTTP */
	{ 'S', 15 },                   /* SSH: login, a few commands */
	{ 'I', 10 },                   /* ping */
	{ 'V', 10 },                   /* WireGuard handshake and keepalive */
	{ 'W', 5 },                    /* TeamViewer */
	{ 'L', 125 },                  /* a bulk.c session: TLS, QUIC, SSH or HTTP at length */
};

static const char *const prefixes[] = {
	"www", "api", "cdn", "img", "static", "login", "mail", "app", "edge", "files",
	"updates", "telemetry", "ocsp", "push", "assets",
};
static const char *const domains[] = {
	"example.com", "example.net", "example.org", "shop.example", "news.example",
	"video.example", "cloud.example", "corp.example", "social.example", "games.example",
};
#define NPREFIXES (sizeof(prefixes) / sizeof(prefixes[0]))
#define NNAMES (NPREFIXES * (sizeof(domains) / sizeof(domains[0])))

struct edge {
	struct bulk b;
	unsigned clients;
	unsigned offset;               /* of the kind slots, drawn from the seed */
};

/* One flow: what it is, who talks, which name it concerns. */
struct flow {
	char kind;
	unsigned i;                    /* flow number: the client port */
	unsigned name;                 /* index into the name space */
	bool v6;
	char client[48], server[48];
	char sni[64];
};

static uint32_t pick(struct edge *e, uint32_t lo, uint32_t hi)
{
	return sl_bulk_pick(&e->b, lo, hi);
}

/* Flow i's kind: slot (i * 619 + offset) mod 1000 of the table laid out in 1000 slots.
 * 619 is prime to 1000, so any 1000 consecutive flows hold each kind in its exact share
 * (a random draw per flow would move the median from one seed to the next). */
static char kind_of(const struct edge *e, unsigned i)
{
	unsigned slot = (i * 619u + e->offset) % 1000u, at = 0;
	for (size_t k = 0; k < sizeof(mix) / sizeof(mix[0]); k++) {
		at += mix[k].per_mille;
		if (slot < at)
			return mix[k].k;
	}
	return 'D';
}

/* A name index, popular names far more often than rare ones (product of two draws). */
static unsigned name_of(struct edge *e)
{
	return (unsigned)(pick(e, 0, NNAMES - 1) * pick(e, 0, NNAMES - 1) / (NNAMES - 1));
}

static void name_text(char *out, size_t cap, unsigned n)
{
	snprintf(out, cap, "%s.%s", prefixes[n % NPREFIXES], domains[n / NPREFIXES]);
}

/* The server of name n in the documentation ranges (RFC 5737, RFC 3849). */
static void server_of(char *out, size_t cap, unsigned n, bool v6)
{
	static const char *const nets[] = { "192.0.2", "198.51.100", "203.0.113" };
	if (v6)
		snprintf(out, cap, "2001:db8:%x::%x", 100 + n % 3, 1 + n);
	else
		snprintf(out, cap, "%s.%u", nets[n % 3], 1 + n % 250);
}

/* Client c of the edge: 10.20.0.0/16 and 2001:db8:20::/64. */
static void client_of(char *out, size_t cap, unsigned c, bool v6)
{
	if (v6)
		snprintf(out, cap, "2001:db8:20::%x", 10 + c);
	else
		snprintf(out, cap, "10.20.%u.%u", (c / 200) % 256, 10 + c % 200);
}

static void flow_draw(struct edge *e, struct flow *f, unsigned i)
{
	f->i = i;
	f->kind = kind_of(e, i);
	f->name = name_of(e);
	f->v6 = strchr("DTQ", f->kind) && pick(e, 0, 3) == 0;
	client_of(f->client, sizeof(f->client), pick(e, 0, e->clients - 1), f->v6);
	server_of(f->server, sizeof(f->server), f->name, f->v6);
	name_text(f->sni, sizeof(f->sni), f->name);
}

static uint16_t client_port(const struct flow *f)
{
	return (uint16_t)(32768 + (f->i * 2731u) % 28000);
}

/* A conversation of flow f to `server` (f's own when NULL) on sport, the server 2..80 ms
 * away. */
static int flow_cfg(struct edge *e, struct sl_conv_cfg *cfg, const struct flow *f,
                    const char *server, uint16_t sport)
{
	int rc = sl_scen_cfg(cfg, f->client, client_port(f), server ? server : f->server, sport,
	                     pick(e, 0, 2), pick(e, 2, 80));
	cfg->gap_us = 30;
	return rc;
}

/* ---- DNS ---- */

/* The dotted name as labels (RFC 1035 §3.1). */
static void dns_name(struct wr *w, const char *name)
{
	while (*name) {
		size_t n = strcspn(name, ".");
		w8(w, (uint8_t)n);
		w_bytes(w, name, n);
		name += n + (name[n] == '.');
	}
	w8(w, 0);
}

struct dns_q {
	uint16_t id, type;             /* 1 A, 28 AAAA */
	const char *name;
	unsigned answers;              /* records of `type` in the response */
	bool cname;                    /* the answer starts with a CNAME to a CDN name */
	bool nx;                       /* NXDOMAIN */
};

/* One answer record owned by the name at `owner` (a compression pointer, RFC 1035 §4.1.4). */
static void dns_rr(struct wr *w, struct sl_rng *r, uint16_t owner, uint16_t type)
{
	w16(w, (uint16_t)(0xc000 | owner));
	w16(w, type);
	w16(w, 1);
	w_bytes(w, "\0\0\x0e\x10", 4);                  /* TTL 3600 */
	if (type == 28) {
		w16(w, 16);
		w_bytes(w, "\x20\x01\x0d\xb8", 4);
		w_rand(w, r, 12);
	} else {
		uint8_t a[4] = { 198, 51, 100, (uint8_t)(1 + sl_rng_next(r) % 250) };
		w16(w, 4);
		w_bytes(w, a, 4);
	}
}

/* The query (RD set) or, when `response`, the resolver's answer to it. */
static size_t dns_msg(uint8_t *out, size_t cap, const struct dns_q *q, bool response,
                      struct sl_rng *r)
{
	struct wr w = { out, 0, cap, false };
	bool answered = response && !q->nx;

	w16(&w, q->id);
	w16(&w, response ? (q->nx ? 0x8183 : 0x8180) : 0x0100);
	w16(&w, 1);
	w16(&w, answered ? (uint16_t)(q->answers + q->cname) : 0);
	w16(&w, 0);
	w16(&w, 0);
	dns_name(&w, q->name);
	w16(&w, q->type);
	w16(&w, 1);
	uint16_t owner = 12;
	if (answered && q->cname) {
		w_bytes(&w, "\xc0\x0c\x00\x05\x00\x01\x00\x00\x01\x2c", 10);
		size_t len = w_open(&w, 2);
		owner = (uint16_t)w.n;
		dns_name(&w, "edge.cdn.example");
		w_close(&w, len, 2);
	}
	for (unsigned k = 0; answered && k < q->answers; k++)
		dns_rr(&w, r, owner, q->type);
	return w.bad ? 0 : w.n;
}

/* A lookup of f's name from its client's resolver: A, A and AAAA on one socket (as
 * glibc asks), AAAA, NXDOMAIN, or a query never answered and retried. */
static int dns_flow(struct edge *e, const struct flow *f, uint64_t t)
{
	static const char *const resolvers[2][2] = { { "192.0.2.53", "198.51.100.53" },
	                                             { "2001:db8:53::53", "2001:db8:53::35" } };
	uint8_t q[2][160], a[2][256];
	struct sl_conv_msg m[2];
	struct sl_conv_cfg cfg;
	uint32_t v = pick(e, 0, 99);
	size_t n = v >= 55 && v < 75 ? 2 : 1;

	if (flow_cfg(e, &cfg, f, resolvers[f->v6][f->i % 2], 53))
		return -EINVAL;
	for (size_t k = 0; k < n; k++) {
		struct dns_q d = { (uint16_t)sl_rng_next(&e->b.rng), k || (v >= 75 && v < 88) ? 28 : 1,
		                   f->sni, pick(e, 1, 3), pick(e, 0, 2) == 0, v >= 88 && v < 95 };
		size_t qn = dns_msg(q[k], sizeof(q[k]), &d, false, &e->b.rng);
		size_t an = v >= 95 ? 0 : dns_msg(a[k], sizeof(a[k]), &d, true, &e->b.rng);
		if (!qn || (v < 95 && !an))
			return -EINVAL;
		m[k] = (struct sl_conv_msg){ q[k], qn, a[k], an, 0, pick(e, 100, 20000) };
	}
	if (v >= 95) {                                  /* lost: the stub retries after 1 s */
		m[1] = m[0];
		m[1].client_think_us = SL_SEC;
		n = 2;
	}
	return sl_scen_udp(e->b.w, &cfg, &t, m, n);
}

/* ---- connection attempts ---- */

/* The SYN and the server's RST+ACK of a closed port. */
static int refused_flow(struct edge *e, const struct flow *f, uint64_t t)
{
	static const uint16_t ports[] = { 23, 25, 445, 3389, 8080, 5900 };
	struct sl_conv_cfg cfg;
	struct sl_conv *c;
	int rc = flow_cfg(e, &cfg, f, NULL, ports[pick(e, 0, 5)]);

	rc = rc ? rc : sl_conv_create(&c, &cfg, e->b.w, t);
	if (rc)
		return rc;
	rc = sl_conv_tcp_syn_unanswered(c, 0);
	uint64_t at = sl_conv_time(c) + 2ull * cfg.server_delay_us;
	sl_conv_destroy(c);
	struct sl_pb_ip ip = { .src = cfg.server.addr, .dst = cfg.client.addr,
	                       .ttl = cfg.server.ttl, .df = true, .id = cfg.server.ip_id };
	struct sl_pb_tcp tcp = { .sport = cfg.server.port, .dport = cfg.client.port, .seq = 0,
	                         .ack = cfg.client.isn + 1, .flags = SL_TCP_RST | SL_TCP_ACK };
	struct sl_pb *pb = &e->b.pb;
	sl_pb_init(pb);
	rc = rc ? rc : sl_pb_tcp(pb, &ip, &tcp);
	rc = rc ? rc : sl_pb_ip(pb, &ip, 6);
	return rc ? rc : sl_scen_emit(e->b.w, pb, &cfg.link, false, at);
}

/* A SYN to a host that never answers, retried once or twice. */
static int unanswered_flow(struct edge *e, const struct flow *f, uint64_t t)
{
	struct sl_conv_cfg cfg;
	struct sl_conv *c;
	int rc = flow_cfg(e, &cfg, f, NULL, pick(e, 0, 1) ? 443 : 22);

	rc = rc ? rc : sl_conv_create(&c, &cfg, e->b.w, t);
	if (rc)
		return rc;
	rc = sl_conv_tcp_syn_unanswered(c, pick(e, 0, 2));
	sl_conv_destroy(c);
	return rc;
}

/* A TLS 1.2 client that gives up after the server's hello and certificate (an untrusted
 * certificate, or the losing connection of a happy-eyeballs race): client RST. */
static int aborted_tls_flow(struct edge *e, const struct flow *f, uint64_t t)
{
	uint8_t hello[600], resp[47 + 4000];
	struct sl_conv_cfg cfg;
	size_t hn = sl_scen_client_hello(hello, sizeof(hello), f->sni, "h2");
	size_t rn = sl_scen_server_hello(resp);
	uint32_t cert = pick(e, 1500, 4000);

	if (!hn || flow_cfg(e, &cfg, f, NULL, 443))
		return -EINVAL;
	sl_scen_tls_record(resp + rn, cert, 0x16, sl_rng_next(&e->b.rng));
	struct sl_conv_msg m = { hello, hn, resp, rn + cert, 0, pick(e, 200, 3000) };
	return sl_scen_tcp(e->b.w, &cfg, &t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_RST_CLIENT);
}

/* ---- small UDP and ICMP exchanges ---- */

/* An SNTP client request (mode 3, version 4) and the server's reply (mode 4, stratum 2). */
static int ntp_flow(struct edge *e, const struct flow *f, uint64_t t)
{
	uint8_t q[48] = { 0x23 }, a[48] = { 0x24, 2, 6, 0xe9 };
	struct sl_conv_cfg cfg;

	if (flow_cfg(e, &cfg, f, "203.0.113.123", 123))
		return -EINVAL;
	sl_rng_fill(&e->b.rng, q + 40, 8);              /* transmit timestamp */
	sl_rng_fill(&e->b.rng, a + 4, 12);              /* root delay, dispersion, reference */
	sl_rng_fill(&e->b.rng, a + 16, 16);
	memcpy(a + 24, q + 40, 8);                      /* origin = the client's transmit */
	sl_rng_fill(&e->b.rng, a + 32, 16);
	struct sl_conv_msg m = { q, sizeof(q), a, sizeof(a), 0, 50 };
	return sl_scen_udp(e->b.w, &cfg, &t, &m, 1);
}

/* One to four echo requests a second apart, each answered. */
static int ping_flow(struct edge *e, const struct flow *f, uint64_t t)
{
	uint8_t data[56];
	struct sl_conv_cfg cfg;
	struct sl_conv *c;
	int rc = flow_cfg(e, &cfg, f, NULL, 0);

	for (size_t k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(0x10 + k);
	rc = rc ? rc : sl_conv_create(&c, &cfg, e->b.w, t);
	if (rc)
		return rc;
	uint16_t id = (uint16_t)pick(e, 1, 65535);
	for (uint16_t seq = 1, n = (uint16_t)pick(e, 1, 4); seq <= n && !rc; seq++) {
		rc = sl_conv_icmp_echo(c, id, seq, data, sizeof(data), true);
		sl_conv_idle(c, SL_SEC);
	}
	sl_conv_destroy(c);
	return rc;
}

/* Handshake initiation (148 bytes) and response (92), then the initiator's keepalive
 * (32-byte transport message with an empty payload). */
static int wireguard_flow(struct edge *e, const struct flow *f, uint64_t t)
{
	uint8_t init[148] = { 1 }, resp[92] = { 2 }, keep[32] = { 4 };
	struct sl_conv_cfg cfg;

	if (flow_cfg(e, &cfg, f, "203.0.113.51", 51820))
		return -EINVAL;
	sl_rng_fill(&e->b.rng, init + 4, sizeof(init) - 4);
	sl_rng_fill(&e->b.rng, resp + 4, sizeof(resp) - 4);
	memcpy(resp + 8, init + 4, 4);                  /* receiver = the initiator's sender */
	memcpy(keep + 4, resp + 4, 4);                  /* receiver = the responder's sender */
	sl_rng_fill(&e->b.rng, keep + 16, 16);          /* counter 0, then the tag */
	const struct sl_conv_msg m[] = {
		{ init, sizeof(init), resp, sizeof(resp), 0, 100 },
		{ keep, sizeof(keep), NULL, 0, 10 * SL_MS, 0 },
	};
	return sl_scen_udp(e->b.w, &cfg, &t, m, 2);
}

/* ---- flows ---- */

/* A bulk.c session for f: brief for T, Q, S and H, at full length for L. */
static int bulk_flow(struct edge *e, const struct flow *f, uint64_t t)
{
	static const char long_kinds[] = "TTQTSTHTQT";
	char kind = f->kind == 'L' ? long_kinds[pick(e, 0, sizeof(long_kinds) - 2)] : f->kind;
	struct sl_bulk_flow b = { kind, f->i, f->client, f->server, client_port(f), 443, f->sni };

	if (kind == 'S')
		b.server = "203.0.113.22", b.sport = 22;
	else if (kind == 'H')
		b.sport = 80;
	e->b.brief = f->kind != 'L';
	return sl_bulk_flow_write(&e->b, &b, t);
}

static int one_flow(struct edge *e, unsigned i, uint64_t t0)
{
	struct flow f;
	flow_draw(e, &f, i);
	uint64_t t = t0 + sl_rng_next(&e->b.rng) % SPAN_US;
	struct sl_conv_cfg cfg;

	switch (f.kind) {
	case 'D': return dns_flow(e, &f, t);
	case 'R': return refused_flow(e, &f, t);
	case 'Y': return unanswered_flow(e, &f, t);
	case 'A': return aborted_tls_flow(e, &f, t);
	case 'N': return ntp_flow(e, &f, t);
	case 'I': return ping_flow(e, &f, t);
	case 'V': return wireguard_flow(e, &f, t);
	case 'W':
		return flow_cfg(e, &cfg, &f, "203.0.113.59", 5938) ? -EINVAL
		                                                   : sl_scen_teamviewer_tcp(e->b.w, &cfg, &t);
	default: return bulk_flow(e, &f, t);
	}
}

/* Options into *flows, *seed; returns the output path or NULL on a usage error. */
static const char *parse_args(int argc, char **argv, unsigned long *flows,
                              unsigned long long *seed)
{
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		char *end = NULL;
		if (!strcmp(argv[i], "--flows") && i + 1 < argc)
			*flows = strtoul(argv[++i], &end, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			*seed = strtoull(argv[++i], &end, 10);
		else if (argv[i][0] == '-' || out)
			return NULL;
		else
			out = argv[i];
		if (end && (*end || end == argv[i]))
			return NULL;
	}
	return out;
}

int sl_short_main(int argc, char **argv)
{
	unsigned long flows = DEFAULT_FLOWS;
	unsigned long long seed = 1;
	const char *out = parse_args(argc, argv, &flows, &seed);
	if (!out || flows == 0 || flows > MAX_FLOWS) {
		fprintf(stderr, "usage: sl-pcapgen short [--flows N] [--seed S] OUT.pcap\n"
		        "  (N from 1 to %u, default %u; default seed 1)\n", MAX_FLOWS, DEFAULT_FLOWS);
		return 2;
	}
	struct edge *e = calloc(1, sizeof(*e));
	int rc = e ? sl_pcapw_create(&e->b.w, SL_LINKTYPE_ETHERNET, 0) : -ENOMEM;
	if (e) {
		struct sl_rng s = { seed };             /* seeds far apart, not one step */
		e->b.rng.state = sl_rng_next(&s);
		e->clients = (unsigned)(flows + FLOWS_PER_CLIENT - 1) / FLOWS_PER_CLIENT;
		e->offset = (unsigned)(sl_rng_next(&e->b.rng) % 1000u);
	}
	for (unsigned i = 0; i < flows && !rc; i++)
		rc = one_flow(e, i, SL_SCEN_EPOCH_US);
	rc = rc ? rc : sl_pcapw_save(e->b.w, out);
	if (rc == -E2BIG)
		fprintf(stderr, "sl-pcapgen: short -> %s: more than %u MiB of packets (the "
		        "writer's bound); ask for fewer --flows\n", out, SL_PCAPW_MAX_BYTES >> 20);
	else if (rc)
		fprintf(stderr, "sl-pcapgen: short -> %s: %s\n", out, strerror(-rc));
	if (e)
		sl_pcapw_destroy(e->b.w);
	free(e);
	return rc ? 1 : 0;
}
