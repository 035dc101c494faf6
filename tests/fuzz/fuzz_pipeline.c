/* Fuzz harness of the whole pipeline, fast: the input describes a few flows'
 * packets, which become a tiny pcap (Ethernet, IPv4/IPv6, TCP with its
 * handshake or UDP) replayed through one engine kept for the whole run:
 * capture reader, decode, flow table, every parser, enrichment (a City
 * database with the sensor's city and an intel list), the roster, the
 * bundled rule pack plus |re rules, and the EVE writer.  Building the
 * engine once is what makes it fast (thousands of inputs a second); the
 * flows of each input are ended after it, so inputs barely interact.
 *
 * Input: byte 0 sets up the flow: bits 0-4 pick the server port from
 * ports[], bit 5 UDP instead of TCP, bit 6 a server inside home_networks
 * instead of one the databases know, bit 7 IPv6.  Then records of
 * [ctl:1][len:2 big-endian][bytes:len]: ctl bit 0 server-to-client, bit 1
 * the bytes are a whole Ethernet frame (decoder input, not a payload),
 * bit 2 start the next flow (a new client port), bit 3 FIN after the
 * payload, bits 4-7 k: 2^k - 1 ms pass before the packet (timeouts). */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sightline/capture.h"
#include "sightline/config.h"
#include "sightline/engine.h"
#include "sightline/eve.h"
#include "sightline/mmdb_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Server ports; append, never reorder (seeds name theirs by index). */
static const uint16_t ports[32] = {
	443, 80, 22, 53, 67, 5353, 1194, 51820, 500, 4500, 3389, 5900, 5938, 6568, 21116, 1701,
	1723, 8080, 9001, 3478, 5060, 853, 123, 137, 8443, 1494, 2408, 9993, 655, 4000, 4899, 41641,
};

#define MAX_RECORDS 64
#define FRAME_MAX 1600
#define PCAP_MAX (24 + MAX_RECORDS * 3 * (16 + FRAME_MAX))

/* ---- the engine's world, made once: databases, roster, rules, config ---- */

static char tmpdir[64];

static void write_file(const char *name, const void *p, size_t n)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		abort();
}

static void build_db(const char *name, const char *type, const char *csv)
{
	struct sl_mmdb_source src = { "fuzz", csv, strlen(csv) };
	struct sl_mmdb_build_opts o = { .database_type = type, .build_epoch = 1700000000 };
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[512];
	if (sl_mmdb_build_mem(&src, 1, &o, &buf, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_pipeline: %s\n", err);
		abort();
	}
	write_file(name, buf, len);
	free(buf);
}

static const char city_csv[] =
	"198.51.100.0/24,x,city.names.en=Portland,country.iso_code=US,location.latitude=45.5,"
	"location.longitude=-122.7,location.time_zone=America/Los_Angeles\n"
	"203.0.113.0/24,y,city.names.en=Pyongyang,country.iso_code=KP,location.latitude=39.0,"
	"location.longitude=125.7,location.time_zone=Asia/Pyongyang\n"
	"2001:db8:1::/48,z,city.names.en=Frankfurt,country.iso_code=DE,location.latitude=50.1,"
	"location.longitude=8.7\n";
static const char intel_csv[] = "203.0.113.0/25,dprk\n198.51.100.128/25,vpn\n";
static const char roster[] =
	"people:\n  - name: Ana\n    ip: 10.9.0.2\n    country: US\n    city: Portland\n"
	"    timezone: America/Los_Angeles\n    work_hours: 09:00-17:00\n";
static const char re_rules[] =
	"title: fuzz re 1\nid: fuzz-re-1\nscore: 10\nfamily: fuzz\ndetection:\n"
	"  s: {http.http_user_agent|re: '(?:curl|python)/[0-9.]+'}\n  condition: s\n---\n"
	"title: fuzz re 2\nid: fuzz-re-2\nscore: 10\nfamily: fuzz\ndetection:\n"
	"  s: {tls.sni|re: '^([a-z0-9-]+\\.)*([a-z]+)\\2\\.'}\n  condition: s\n";

/* The rule directory: the bundled pack (symlinked) and the |re rules. */
static void make_rules(void)
{
	char from[512], to[600];
	snprintf(to, sizeof(to), "%s/rules", tmpdir);
	DIR *d = opendir(SL_SOURCE_ROOT "/rules/sigma");
	if (mkdir(to, 0700) != 0 || !d)
		abort();
	for (struct dirent *de; (de = readdir(d));) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".yml") != 0)
			continue;
		snprintf(from, sizeof(from), "%s/rules/sigma/%s", SL_SOURCE_ROOT, de->d_name);
		snprintf(to, sizeof(to), "%s/rules/%s", tmpdir, de->d_name);
		if (symlink(from, to) != 0)
			abort();
	}
	closedir(d);
	write_file("rules/zz-fuzz-re.yml", re_rules, sizeof(re_rules) - 1);
}

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (tmpdir[0] && system(cmd) != 0)
		fprintf(stderr, "fuzz_pipeline: could not remove %s\n", tmpdir);
}

static void set(struct sl_config *cfg, const char *kv)
{
	char err[512];
	if (sl_config_set(cfg, kv, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_pipeline: %s: %s\n", kv, err);
		abort();
	}
}

static void configure(struct sl_config *cfg)
{
	char yaml[1024], err[512];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl_fuzz_pipelineXXXXXX");
	if (!mkdtemp(tmpdir))
		abort();
	atexit(cleanup);
	build_db("city.mmdb", "GeoLite2-City", city_csv);
	build_db("intel.mmdb", "sightline-intel", intel_csv);
	write_file("roster.yaml", roster, sizeof(roster) - 1);
	make_rules();
	snprintf(yaml, sizeof(yaml),
		 "databases:\n  - {path: %s/city.mmdb, schema: maxmind}\n"
		 "  - {path: %s/intel.mmdb, schema: intel}\n"
		 "home_networks: [10.0.0.0/8, fd00::/8]\n"
		 "sensor: {location: {city: \"Portland, US\"}}\n"
		 "rules: {path: %s/rules, max_groups: 64}\n"
		 "scoring: {roster: %s/roster.yaml, max_subjects: 16}\n",
		 tmpdir, tmpdir, tmpdir, tmpdir);
	if (sl_config_init_defaults(cfg) < 0 ||
	    sl_config_load_string(cfg, yaml, strlen(yaml), "fuzz.yaml", err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_pipeline: %s\n", err);
		abort();
	}
	set(cfg, "intel.builtin=false");
	set(cfg, "identify.signatures=" SL_SOURCE_ROOT "/rules/products");
	set(cfg, "flow.max_flows=1024");
	set(cfg, "dns.cache_entries=64");
	set(cfg, "dhcp.max_hosts=16");
	set(cfg, "decode.fragments.max_datagrams=8");
	set(cfg, "output.progress=false");
	set(cfg, "output.summary=false");
}

/* ---- one input as a pcap ---- */

struct pcap_buf {
	uint8_t *p;
	size_t n;
	uint64_t t_us; /* packet time */
};

static void put(struct pcap_buf *b, const void *p, size_t n)
{
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put_record(struct pcap_buf *b, const uint8_t *frame, size_t len)
{
	uint32_t h[4] = { (uint32_t)(b->t_us / 1000000), (uint32_t)(b->t_us % 1000000),
			  (uint32_t)len, (uint32_t)len };
	put(b, h, sizeof(h));
	put(b, frame, len);
	b->t_us += 100;
}

/* One flow's endpoints and TCP sequence state. */
struct flow {
	bool v6, udp;
	uint8_t cli[16], srv[16];
	uint16_t cport, sport;
	uint32_t seq[2];  /* next sequence number: [0] client, [1] server */
	bool open;        /* handshake written */
};

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

/* Ethernet + IP header for l4len bytes of protocol proto, from side dir. */
static size_t ip_header(const struct flow *f, int dir, uint8_t proto, size_t l4len, uint8_t *w)
{
	static const uint8_t macs[12] = { 0, 0x11, 0x22, 0x33, 0x44, 0x55,
					  0xb8, 0x27, 0xeb, 1, 2, 3 };
	const uint8_t *src = dir ? f->srv : f->cli, *dst = dir ? f->cli : f->srv;
	memcpy(w, macs + (dir ? 6 : 0), 6);
	memcpy(w + 6, macs + (dir ? 0 : 6), 6);
	if (f->v6) {
		be16(w + 12, 0x86dd);
		memset(w + 14, 0, 8);
		w[14] = 0x60;
		be16(w + 18, (uint16_t)l4len);
		w[20] = proto;
		w[21] = 64;
		memcpy(w + 22, src, 16);
		memcpy(w + 38, dst, 16);
		return 54;
	}
	be16(w + 12, 0x0800);
	memset(w + 14, 0, 20);
	w[14] = 0x45;
	be16(w + 16, (uint16_t)(20 + l4len));
	w[20] = 0x40; /* DF */
	w[22] = 64;
	w[23] = proto;
	memcpy(w + 26, src, 4);
	memcpy(w + 30, dst, 4);
	return 34;
}

/* A TCP segment from side dir with flags and payload (SYNs carry options). */
static void tcp_segment(struct pcap_buf *b, struct flow *f, int dir, uint8_t flags,
			const uint8_t *pl, size_t n)
{
	static const uint8_t syn_opts[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0 };
	uint8_t frame[FRAME_MAX];
	size_t olen = (flags & 0x02) ? sizeof(syn_opts) : 0;
	size_t h = ip_header(f, dir, 6, 20 + olen + n, frame);
	uint8_t *t = frame + h;
	memset(t, 0, 20);
	be16(t, dir ? f->sport : f->cport);
	be16(t + 2, dir ? f->cport : f->sport);
	be32(t + 4, f->seq[dir]);
	be32(t + 8, (flags & 0x10) ? f->seq[!dir] : 0);
	t[12] = (uint8_t)((20 + olen) / 4) << 4;
	t[13] = flags;
	be16(t + 14, 64240);
	memcpy(t + 20, syn_opts, olen);
	if (n)
		memcpy(t + 20 + olen, pl, n);
	f->seq[dir] += (uint32_t)n + ((flags & 0x03) ? 1 : 0); /* SYN and FIN count one */
	put_record(b, frame, h + 20 + olen + n);
}

static void udp_datagram(struct pcap_buf *b, const struct flow *f, int dir, const uint8_t *pl,
			 size_t n)
{
	uint8_t frame[FRAME_MAX];
	size_t h = ip_header(f, dir, 17, 8 + n, frame);
	uint8_t *u = frame + h;
	be16(u, dir ? f->sport : f->cport);
	be16(u + 2, dir ? f->cport : f->sport);
	be16(u + 4, (uint16_t)(8 + n));
	be16(u + 6, 0);
	memcpy(u + 8, pl, n);
	put_record(b, frame, h + 8 + n);
}

static void flow_init(struct flow *f, uint8_t setup, uint16_t cport)
{
	static const uint8_t known4[4] = { 203, 0, 113, 7 }, inside4[4] = { 10, 9, 0, 20 };
	static const uint8_t cli4[4] = { 10, 9, 0, 2 };
	static const uint8_t known6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 7 };
	static const uint8_t inside6[16] = { 0xfd, [15] = 0x20 }, cli6[16] = { 0xfd, [15] = 2 };
	memset(f, 0, sizeof(*f));
	f->v6 = setup & 0x80;
	f->udp = setup & 0x20;
	f->sport = ports[setup & 0x1f];
	f->cport = cport;
	f->seq[0] = 1000;
	f->seq[1] = 5000;
	memcpy(f->cli, f->v6 ? cli6 : cli4, f->v6 ? 16 : 4);
	memcpy(f->srv, (setup & 0x40) ? (f->v6 ? inside6 : inside4) : (f->v6 ? known6 : known4),
	       f->v6 ? 16 : 4);
}

/* One record: a raw frame, or a payload in the current flow. */
static void record(struct pcap_buf *b, struct flow *f, uint8_t ctl, const uint8_t *p, size_t n)
{
	int dir = ctl & 1;
	b->t_us += ((1ull << (ctl >> 4)) - 1) * 1000;
	if (ctl & 0x02) {
		put_record(b, p, n < FRAME_MAX ? n : FRAME_MAX);
		return;
	}
	if (n > FRAME_MAX - 100)
		n = FRAME_MAX - 100;
	if (f->udp) {
		udp_datagram(b, f, dir, p, n);
		return;
	}
	if (!f->open) {
		tcp_segment(b, f, 0, 0x02, NULL, 0);
		tcp_segment(b, f, 1, 0x12, NULL, 0);
		tcp_segment(b, f, 0, 0x10, NULL, 0);
		f->open = true;
	}
	if (n)
		tcp_segment(b, f, dir, 0x18, p, n);
	if (ctl & 0x08)
		tcp_segment(b, f, dir, 0x11, NULL, 0);
}

static size_t build_pcap(const uint8_t *data, size_t size, uint8_t *out)
{
	static const uint32_t ghdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	struct pcap_buf b = { .p = out, .t_us = 1700000000ull * 1000000 };
	struct flow f;
	uint16_t cport = 40000;
	put(&b, ghdr, sizeof(ghdr));
	if (size == 0)
		return b.n;
	flow_init(&f, data[0], cport);
	size_t i = 1;
	for (unsigned r = 0; r < MAX_RECORDS && i + 3 <= size; r++) {
		uint8_t ctl = data[i];
		size_t n = (size_t)data[i + 1] << 8 | data[i + 2];
		i += 3;
		if (n > size - i)
			n = size - i;
		if (ctl & 0x04)
			flow_init(&f, data[0], ++cport);
		record(&b, &f, ctl, data + i, n);
		i += n;
	}
	return b.n;
}

/* ---- the run ---- */

static const char *memfd_path(const uint8_t *p, size_t n)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("fuzz_pipeline", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, p, n, 0) != (ssize_t)n)
		abort();
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_config cfg;
	static struct sl_eve *eve;
	static struct sl_engine *e;
	static uint8_t pcap[PCAP_MAX];
	char err[1024] = "";
	if (!e) {
		configure(&cfg);
		/* SL_FUZZ_EVE=FILE keeps the events: what do the seeds reach? */
		const char *out = getenv("SL_FUZZ_EVE");
		if (sl_eve_open(out && *out ? out : "/dev/null", &eve, err, sizeof(err)) < 0 ||
		    sl_engine_create(&cfg, eve, &e, err, sizeof(err)) < 0) {
			fprintf(stderr, "fuzz_pipeline: %s\n", err);
			abort();
		}
	}
	const char *path = memfd_path(pcap, build_pcap(data, size, pcap));
	struct sl_capture_list files;
	const char *const inputs[] = { path };
	if (sl_capture_expand(inputs, 1, &files, err, sizeof(err)) < 0)
		abort(); /* the harness writes a valid pcap header */
	struct sl_capture_opts co = { .progress = false };
	if (sl_capture_offline(e, &files, &co, err, sizeof(err)) == SL_CAPTURE_INPUT)
		abort();
	sl_engine_finish(e); /* every flow of this input ends here */
	sl_capture_list_finish(&files);
	return 0;
}
