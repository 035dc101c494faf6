/* The shape of a benchmark capture, independent of the sensor it measures: packets, flows
 * (both directions of an address/port pair and IP protocol are one flow), packets per flow
 * (median, p90, p99, max), and flows and packets by service, told by well-known port.
 *   mixstat CAPTURE
 * Prints one JSON object.  Ethernet (with 802.1Q/802.1ad tags) carrying IPv4 or IPv6;
 * the outer header decides (tunnels are not opened), later IP fragments belong to no
 * flow, other frames (ARP...) are counted as non-IP. */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Services by IP protocol and server port range (IANA registry; vendors' documented ports
 * for the remote-access tools), first match wins.  Port 0..0 entries match the protocol. */
static const struct service {
	uint8_t proto;
	uint16_t lo, hi;
	const char *name;
} services[] = {
	{ 17, 53, 53, "dns" }, { 6, 53, 53, "dns" }, { 17, 5353, 5353, "mdns" },
	{ 17, 67, 68, "dhcp" }, { 17, 123, 123, "ntp" },
	{ 6, 443, 443, "tls" }, { 6, 8443, 8443, "tls" }, { 17, 443, 443, "quic" },
	{ 6, 22, 22, "ssh" }, { 6, 80, 80, "http" }, { 6, 8080, 8080, "http" },
	{ 6, 3389, 3389, "rdp" }, { 17, 3389, 3389, "rdp" }, { 6, 5900, 5909, "vnc" },
	{ 6, 5938, 5938, "teamviewer" }, { 17, 5938, 5938, "teamviewer" },
	{ 6, 7070, 7070, "anydesk" }, { 17, 50001, 50003, "anydesk" },
	{ 6, 21115, 21119, "rustdesk" }, { 17, 21115, 21119, "rustdesk" },
	{ 17, 1194, 1194, "openvpn" }, { 6, 1194, 1194, "openvpn" },
	{ 17, 51820, 51820, "wireguard" }, { 17, 500, 500, "ike" }, { 17, 4500, 4500, "ike" },
	{ 17, 1701, 1701, "l2tp" }, { 6, 1723, 1723, "pptp" }, { 17, 3478, 3478, "stun" },
	{ 1, 0, 0, "icmp" }, { 58, 0, 0, "icmp" }, { 47, 0, 0, "gre" }, { 50, 0, 0, "esp" },
	{ 132, 0, 0, "sctp" }, { 6, 0, 65535, "other-tcp" }, { 17, 0, 65535, "other-udp" },
	{ 0, 0, 0, "other" },
};
#define NSERVICES (sizeof(services) / sizeof(services[0]))

struct key {
	uint8_t family, proto;
	uint16_t port[2];
	uint8_t addr[2][16];
};

struct slot {
	struct key k;
	uint32_t pkts;                /* 0: empty slot */
	uint8_t service;
};

struct table {
	struct slot *s;
	size_t cap, used;
};

struct totals {
	unsigned long long pkts, bytes, non_ip, fragments;
};

static uint64_t key_hash(const struct key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint8_t service_of(uint8_t proto, uint16_t a, uint16_t b)
{
	for (size_t i = 0; i < NSERVICES; i++) {
		const struct service *s = &services[i];
		if (s->proto && s->proto != proto)
			continue;
		if (!s->proto || (!s->lo && !s->hi) || (a >= s->lo && a <= s->hi) ||
		    (b >= s->lo && b <= s->hi))
			return (uint8_t)i;
	}
	return (uint8_t)(NSERVICES - 1);
}

/* Doubles the table (open addressing, linear probing); false when out of memory. */
static bool grow(struct table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1 << 16;
	struct slot *s = calloc(cap, sizeof(*s));
	if (!s)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->s[i].pkts)
			continue;
		size_t j = key_hash(&t->s[i].k) & (cap - 1);
		while (s[j].pkts)
			j = (j + 1) & (cap - 1);
		s[j] = t->s[i];
	}
	free(t->s);
	t->s = s;
	t->cap = cap;
	return true;
}

static bool count(struct table *t, const struct key *k)
{
	if ((t->used + 1) * 2 > t->cap && !grow(t))
		return false;
	size_t j = key_hash(k) & (t->cap - 1);
	while (t->s[j].pkts && memcmp(&t->s[j].k, k, sizeof(*k)))
		j = (j + 1) & (t->cap - 1);
	if (!t->s[j].pkts) {
		t->s[j].k = *k;
		t->s[j].service = service_of(k->proto, k->port[0], k->port[1]);
		t->used++;
	}
	t->s[j].pkts++;
	return true;
}

/* Orders the two endpoints so that both directions give one key. */
static void canonical(struct key *k, size_t alen)
{
	int c = memcmp(k->addr[0], k->addr[1], alen);
	if (c > 0 || (c == 0 && k->port[0] > k->port[1])) {
		uint8_t a[16];
		memcpy(a, k->addr[0], 16);
		memcpy(k->addr[0], k->addr[1], 16);
		memcpy(k->addr[1], a, 16);
		uint16_t p = k->port[0];
		k->port[0] = k->port[1];
		k->port[1] = p;
	}
}

static uint16_t be16(const u_char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ports of a TCP, UDP or SCTP header at l4 when the capture holds them. */
static void ports(struct key *k, const u_char *d, uint32_t caplen, uint32_t l4)
{
	if ((k->proto == 6 || k->proto == 17 || k->proto == 132) && caplen >= l4 + 4) {
		k->port[0] = be16(d + l4);
		k->port[1] = be16(d + l4 + 2);
	}
}

/* IPv6: walks hop-by-hop, routing, destination options and fragment headers (RFC 8200
 * §4) to the upper layer; false for a later fragment or a chain cut short. */
static bool ipv6_key(struct key *k, const u_char *d, uint32_t caplen, uint32_t off)
{
	uint8_t nh = d[off + 6];
	uint32_t at = off + 40;
	memcpy(k->addr[0], d + off + 8, 16);
	memcpy(k->addr[1], d + off + 24, 16);
	while (nh == 0 || nh == 43 || nh == 60 || nh == 44) {
		if (caplen < at + 8)
			return false;
		if (nh == 44 && (be16(d + at + 2) & 0xfff8))
			return false;
		uint32_t len = nh == 44 ? 8 : (uint32_t)(d[at + 1] + 1) * 8;
		nh = d[at];
		at += len;
	}
	k->proto = nh;
	ports(k, d, caplen, at);
	return true;
}

/* The flow key of an Ethernet frame: 1 for a flow packet, 0 for a non-IP frame, -1 for a
 * later IP fragment. */
static int frame_key(struct key *k, const u_char *d, uint32_t caplen)
{
	uint32_t off = 14;
	uint16_t et = caplen >= 14 ? be16(d + 12) : 0;
	while ((et == 0x8100 || et == 0x88a8) && caplen >= off + 4) {
		et = be16(d + off + 2);
		off += 4;
	}
	memset(k, 0, sizeof(*k));
	if (et == 0x0800 && caplen >= off + 20) {
		if (be16(d + off + 6) & 0x1fff)
			return -1;
		k->family = 4;
		k->proto = d[off + 9];
		memcpy(k->addr[0], d + off + 12, 4);
		memcpy(k->addr[1], d + off + 16, 4);
		ports(k, d, caplen, off + (d[off] & 0x0fu) * 4);
		canonical(k, 4);
		return 1;
	}
	if (et == 0x86dd && caplen >= off + 40) {
		k->family = 6;
		if (!ipv6_key(k, d, caplen, off))
			return -1;
		canonical(k, 16);
		return 1;
	}
	return 0;
}

static int read_capture(const char *path, struct table *t, struct totals *tot)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "mixstat: %s\n", err);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "mixstat: %s: link type %d, only Ethernet is read\n", path,
		        pcap_datalink(p));
		pcap_close(p);
		return -1;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	struct key k;
	while (pcap_next_ex(p, &h, &d) == 1) {
		tot->pkts++;
		tot->bytes += h->len;
		int r = frame_key(&k, d, h->caplen);
		tot->non_ip += r == 0;
		tot->fragments += r < 0;
		if (r > 0 && !count(t, &k)) {
			fprintf(stderr, "mixstat: out of memory\n");
			pcap_close(p);
			return -1;
		}
	}
	pcap_close(p);
	return 0;
}

static int by_value(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of n sorted values. */
static uint32_t quantile(const uint32_t *v, size_t n, double q)
{
	size_t r = (size_t)(q * (double)n + 0.999999);
	return n ? v[r ? r - 1 : 0] : 0;
}

/* Index of the first service named like services[i]: ports listed apart, one line. */
static size_t first_named(size_t i)
{
	size_t j = 0;
	while (strcmp(services[j].name, services[i].name))
		j++;
	return j;
}

static void print_services(const struct table *t)
{
	unsigned long long flows[NSERVICES] = { 0 }, pkts[NSERVICES] = { 0 };
	for (size_t i = 0; i < t->cap; i++) {
		if (t->s[i].pkts) {
			size_t j = first_named(t->s[i].service);
			flows[j]++;
			pkts[j] += t->s[i].pkts;
		}
	}
	printf("\"services\":{");
	const char *sep = "";
	for (size_t i = 0; i < NSERVICES; i++) {
		if (!flows[i])
			continue;
		printf("%s\"%s\":{\"flows\":%llu,\"packets\":%llu}", sep, services[i].name,
		       flows[i], pkts[i]);
		sep = ",";
	}
	printf("}");
}

static int report(const struct table *t, const struct totals *tot)
{
	uint32_t *v = malloc((t->used ? t->used : 1) * sizeof(*v));
	if (!v) {
		fprintf(stderr, "mixstat: out of memory\n");
		return -1;
	}
	size_t n = 0;
	unsigned long long long_pkts = 0, long_flows = 0;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->s[i].pkts)
			continue;
		v[n++] = t->s[i].pkts;
		long_flows += t->s[i].pkts >= 100;
		long_pkts += t->s[i].pkts >= 100 ? t->s[i].pkts : 0;
	}
	qsort(v, n, sizeof(*v), by_value);
	printf("{\"packets\":%llu,\"bytes\":%llu,\"non_ip\":%llu,\"fragments\":%llu,"
	       "\"flows\":%zu,\"median\":%u,\"p90\":%u,\"p99\":%u,\"max\":%u,"
	       "\"flows_100plus\":%llu,\"packets_in_100plus\":%llu,",
	       tot->pkts, tot->bytes, tot->non_ip, tot->fragments, n, quantile(v, n, 0.5),
	       quantile(v, n, 0.9), quantile(v, n, 0.99), n ? v[n - 1] : 0, long_flows, long_pkts);
	print_services(t);
	printf("}\n");
	free(v);
	return 0;
}

int main(int argc, char **argv);

int main(int argc, char **argv)
{
	struct table t = { NULL, 0, 0 };
	struct totals tot = { 0, 0, 0, 0 };

	if (argc != 2) {
		fprintf(stderr, "usage: mixstat CAPTURE\n");
		return 2;
	}
	int rc = read_capture(argv[1], &t, &tot);
	rc = rc ? rc : report(&t, &tot);
	free(t.s);
	return rc ? 1 : 0;
}
