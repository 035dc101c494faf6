/* sl-pcapgen flood: millions of one-packet flows (TCP SYNs to one server, UDP datagrams
 * from distinct sources) written on the fly, never held in memory or committed, with two
 * real conversations interleaved at known times, for the flow table's memory bound, and a
 * long SSH session through the whole flood, for what a full table gives up first. */
#include "flood.h"

#include "scenarios.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct flood {
	uint64_t syn, udp;          /* packets of each kind */
	uint64_t sent_syn, sent_udp, k; /* k: packets produced */
	uint64_t t0, gap_us;
	uint64_t ssh_ms;            /* --ssh: keystroke interval of the long session (0: none) */
	struct sl_pb_link link;
	struct sl_pb b;
};

/* Address base + n (IPv4, n below 2^22) into a. */
static void v4(struct sl_pb_addr *a, uint32_t base, uint32_t n)
{
	uint32_t x = base + n;
	a->family = 4;
	a->a[0] = (uint8_t)(x >> 24), a->a[1] = (uint8_t)(x >> 16);
	a->a[2] = (uint8_t)(x >> 8), a->a[3] = (uint8_t)x;
}

/* SYN number n: 10.128.0.0/10 + n:1024+n%60000 -> 192.0.2.80:80, MSS 1460. */
static int build_syn(struct flood *f, uint64_t n)
{
	static const struct sl_pb_tcpopt mss = { .kind = SL_TCPOPT_MSS, .v1 = 1460 };
	struct sl_pb_ip ip = { .ttl = 64, .df = true, .id = (uint16_t)n };
	v4(&ip.src, 0x0a800000u, (uint32_t)(n & 0x3fffff));
	v4(&ip.dst, 0xc0000250u, 0);
	struct sl_pb_tcp t = { .sport = (uint16_t)(1024 + n % 60000), .dport = 80,
	                       .seq = (uint32_t)(n * 2654435761u), .flags = SL_TCP_SYN,
	                       .window = 64240, .opts = &mss, .nopts = 1 };
	sl_pb_init(&f->b);
	int rc = sl_pb_tcp(&f->b, &ip, &t);
	return rc ? rc : sl_pb_ip(&f->b, &ip, 6);
}

/* UDP number n: 100.64.0.0/10 + n:20000+n%40000 -> 198.51.100.99:5000+n%1000, 8 bytes. */
static int build_udp(struct flood *f, uint64_t n)
{
	uint8_t payload[8];
	struct sl_pb_ip ip = { .ttl = 64, .id = (uint16_t)n };
	v4(&ip.src, 0x64400000u, (uint32_t)(n & 0x3fffff));
	v4(&ip.dst, 0xc6336463u, 0);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(n >> (8 * i));
	sl_pb_init(&f->b);
	int rc = sl_pb_append(&f->b, payload, sizeof(payload));
	if (!rc)
		rc = sl_pb_udp(&f->b, &ip, (uint16_t)(20000 + n % 40000), (uint16_t)(5000 + n % 1000));
	return rc ? rc : sl_pb_ip(&f->b, &ip, 17);
}

/* sl_pcapw_source: the next flood packet, UDP spread evenly among the SYNs. */
static int next_packet(void *ctx, uint64_t *ts_us, const uint8_t **frame, size_t *len)
{
	struct flood *f = ctx;
	uint64_t total = f->syn + f->udp;

	if (f->k == total)
		return 0;
	/* after k + 1 packets, (k + 1) * udp / total of them are UDP */
	bool udp = f->sent_udp < (f->k + 1) * f->udp / total;
	int rc = udp ? build_udp(f, f->sent_udp++) : build_syn(f, f->sent_syn++);
	if (!rc)
		rc = sl_pb_frame(&f->b, &f->link, true);
	if (rc)
		return rc;
	*ts_us = f->t0 + f->k++ * f->gap_us;
	*frame = sl_pb_data(&f->b);
	*len = f->b.len;
	return 1;
}

/* The real conversations: at t0 + 1 s a TCP session 10.77.0.5:45000 -> 203.0.113.10:443
 * (handshake, 517 bytes up, 1800 down, client FIN; 1 ms each way), at t0 + 2 s a DNS A
 * query 10.77.0.5:53001 -> 192.0.2.53:53 for portal.example.com answered 192.0.2.44. */
static int real_flows(struct sl_pcapw *w, uint64_t t0)
{
	static const uint8_t addr[4] = { 192, 0, 2, 44 };
	struct sl_conv_cfg cfg;
	uint8_t req[517], resp[1800], q[64], r[96];
	uint64_t t = t0 + SL_SEC;

	if (sl_scen_cfg(&cfg, "10.77.0.5", 45000, "203.0.113.10", 443, 1, 1))
		return -EINVAL;
	sl_scen_tls_record(req, sizeof(req), 0x17, 11);
	sl_scen_tls_record(resp, sizeof(resp), 0x17, 12);
	struct sl_conv_msg m = { req, sizeof(req), resp, sizeof(resp), 0, 200 };
	int rc = sl_scen_tcp(w, &cfg, &t, SL_SCEN_HANDSHAKE, &m, 1, SL_CLOSE_FIN_CLIENT);
	size_t qn = sl_scen_dns(q, sizeof(q), 0x2f11, "portal.example.com", NULL);
	size_t rn = sl_scen_dns(r, sizeof(r), 0x2f11, "portal.example.com", addr);
	if (rc || !qn || !rn || sl_scen_cfg(&cfg, "10.77.0.5", 53001, "192.0.2.53", 53, 1, 1))
		return rc ? rc : -EINVAL;
	t = t0 + 2 * SL_SEC;
	struct sl_conv_msg d = { q, qn, r, rn, 0, 300 };
	return sl_scen_udp(w, &cfg, &t, &d, 1);
}

/*
 * The long session (--ssh MS): 10.77.0.7:50022 -> 203.0.113.22:22 from t0 + 50 ms, RFC 4253
 * banners both ways, then a 36-byte keystroke packet and its 36-byte echo every MS
 * milliseconds (as encrypted SSH packets look: opaque), to within MS of the flood's end,
 * then a client FIN.  Client 2 ms away, server 20 ms: an interactive shell over the WAN.
 */
static int ssh_session(struct sl_pcapw *w, const struct flood *f)
{
	static const char sb[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n";
	static const char cb[] = "SSH-2.0-OpenSSH_9.6\r\n";
	uint64_t end = f->t0 + (f->syn + f->udp) * f->gap_us, every = f->ssh_ms * SL_MS;
	struct sl_conv_cfg cfg;
	struct sl_conv *c;
	uint8_t key[36], echo[36];

	if (sl_scen_cfg(&cfg, "10.77.0.7", 50022, "203.0.113.22", 22, 2, 20))
		return -EINVAL;
	sl_scen_tls_record(key, sizeof(key), 0x00, 31);
	sl_scen_tls_record(echo, sizeof(echo), 0x00, 32);
	int rc = sl_conv_create(&c, &cfg, w, f->t0 + 50 * SL_MS);
	if (rc)
		return rc;
	const struct sl_conv_msg banners[2] = {
		{ NULL, 0, sb, sizeof(sb) - 1, 0, 0 },
		{ cb, sizeof(cb) - 1, NULL, 0, 0, 0 },
	};
	const struct sl_conv_msg keystroke = { key, sizeof(key), echo, sizeof(echo),
	                                       (uint32_t)every, 0 };
	rc = sl_conv_tcp_handshake(c);
	for (int i = 0; i < 2 && !rc; i++)
		rc = sl_conv_tcp_exchange(c, &banners[i]);
	while (!rc && sl_conv_time(c) + 2 * every < end)
		rc = sl_conv_tcp_exchange(c, &keystroke);
	if (!rc)
		rc = sl_conv_tcp_close(c, SL_CLOSE_FIN_CLIENT);
	sl_conv_destroy(c);
	return rc;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

/* Options into f and *real; returns the output path or NULL on a usage error. */
static const char *parse_args(int argc, char **argv, struct flood *f, bool *real)
{
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		uint64_t *v = !strcmp(argv[i], "--syn") ? &f->syn : !strcmp(argv[i], "--udp") ? &f->udp
		            : !strcmp(argv[i], "--gap-us") ? &f->gap_us
		            : !strcmp(argv[i], "--ssh") ? &f->ssh_ms : NULL;
		if (v && (i + 1 >= argc || parse_u64(argv[++i], v)))
			return NULL;
		else if (!v && !strcmp(argv[i], "--real"))
			*real = true;
		else if (!v && (out || (argv[i][0] == '-' && argv[i][1])))
			return NULL;
		else if (!v)
			out = argv[i];
	}
	return out;
}

int sl_flood_main(int argc, char **argv)
{
	static struct flood f; /* the packet buffer is 66 KiB: not on the stack */
	struct sl_pcapw *w = NULL;
	bool real = false;
	f.gap_us = 5;
	const char *out = parse_args(argc, argv, &f, &real);
	if (!out || f.syn + f.udp == 0 || f.syn > 0x3fffff || f.udp > 0x3fffff ||
	    f.ssh_ms > 3600000) {
		fprintf(stderr, "usage: sl-pcapgen flood [--syn N] [--udp N] [--gap-us US] [--real] "
		        "[--ssh MS] OUT.pcap|-\n  (N up to 4194303 each; default gap 5 us; --ssh: a "
		        "long SSH session, a keystroke every MS ms, up to 3600000)\n");
		return 2;
	}
	f.t0 = SL_SCEN_EPOCH_US;
	sl_scen_link_ethernet(&f.link);
	FILE *fp = strcmp(out, "-") ? fopen(out, "wb") : stdout;
	int rc = fp ? sl_pcapw_create(&w, SL_LINKTYPE_ETHERNET, 0) : -errno;
	if (!rc && real)
		rc = real_flows(w, f.t0);
	if (!rc && f.ssh_ms)
		rc = ssh_session(w, &f);
	if (!rc)
		rc = sl_pcapw_stream(w, fp, next_packet, &f);
	if (fp && fp != stdout && fclose(fp) != 0 && !rc)
		rc = -errno;
	if (fp == stdout && fflush(stdout) != 0 && !rc)
		rc = -EIO;
	sl_pcapw_destroy(w);
	if (rc)
		fprintf(stderr, "sl-pcapgen: flood -> %s: %s\n", out, strerror(-rc));
	return rc ? 1 : 0;
}
