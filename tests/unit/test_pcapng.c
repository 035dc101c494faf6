/* The pcapng reader of sensor/capture/pcapng.c: against libpcap (packet
 * count, stamps, lengths, bytes) on files written here in both byte orders
 * with every packet block type, several time resolutions and offsets, and
 * on the project's and the shared corpus's pcapng captures; then what
 * libpcap 1.10 refuses (interfaces of different link types and snap
 * lengths, several sections) and damaged files. */
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sensor/capture/capture_priv.h"
#include "testhelp.h"

/* A file being written: blocks in one byte order. */
struct w {
	FILE *f;
	bool swap;
};

static void u8s(struct w *w, const void *p, size_t n)
{
	fwrite(p, 1, n, w->f);
}

static void u16(struct w *w, uint16_t v)
{
	v = w->swap ? __builtin_bswap16(v) : v;
	u8s(w, &v, 2);
}

static void u32(struct w *w, uint32_t v)
{
	v = w->swap ? __builtin_bswap32(v) : v;
	u8s(w, &v, 4);
}

static void u64(struct w *w, uint64_t v)
{
	v = w->swap ? __builtin_bswap64(v) : v;
	u8s(w, &v, 8);
}

static void pad(struct w *w, size_t n)
{
	static const uint8_t z[4];
	u8s(w, z, (4 - n % 4) % 4);
}

static void shb(struct w *w, uint16_t major)
{
	u32(w, 0x0A0D0D0A), u32(w, 28), u32(w, 0x1A2B3C4D), u16(w, major), u16(w, 0);
	u64(w, UINT64_MAX), u32(w, 28);
}

/* An IDB with if_name, if_tsresol and if_tsoffset when given (-1: none). */
static void idb(struct w *w, uint16_t dlt, uint32_t snaplen, const char *name, int tsresol,
		int64_t tsoffset)
{
	size_t nl = name ? strlen(name) : 0;
	uint32_t len = 20 + (name ? 4 + ((uint32_t)nl + 3) / 4 * 4 : 0) + (tsresol >= 0 ? 8 : 0) +
		       (tsoffset ? 12 : 0) + 4;
	u32(w, 1), u32(w, len), u16(w, dlt), u16(w, 0), u32(w, snaplen);
	if (name)
		u16(w, 2), u16(w, (uint16_t)nl), u8s(w, name, nl), pad(w, nl);
	if (tsresol >= 0) {
		uint8_t r[4] = { (uint8_t)tsresol };
		u16(w, 9), u16(w, 1), u8s(w, r, 4);
	}
	if (tsoffset)
		u16(w, 14), u16(w, 8), u64(w, (uint64_t)tsoffset);
	u32(w, 0), u32(w, len);
}

static void epb(struct w *w, uint32_t ifid, uint64_t t, const uint8_t *d, uint32_t caplen,
		uint32_t len)
{
	uint32_t blen = 32 + (caplen + 3) / 4 * 4;
	u32(w, 6), u32(w, blen), u32(w, ifid), u32(w, (uint32_t)(t >> 32)), u32(w, (uint32_t)t);
	u32(w, caplen), u32(w, len), u8s(w, d, caplen), pad(w, caplen), u32(w, blen);
}

static void spb(struct w *w, const uint8_t *d, uint32_t len)
{
	uint32_t blen = 16 + (len + 3) / 4 * 4;
	u32(w, 3), u32(w, blen), u32(w, len), u8s(w, d, len), pad(w, len), u32(w, blen);
}

static void pb(struct w *w, uint16_t ifid, uint64_t t, const uint8_t *d, uint32_t len)
{
	uint32_t blen = 32 + (len + 3) / 4 * 4;
	u32(w, 2), u32(w, blen), u16(w, ifid), u16(w, 0), u32(w, (uint32_t)(t >> 32));
	u32(w, (uint32_t)t), u32(w, len), u32(w, len), u8s(w, d, len), pad(w, len), u32(w, blen);
}

/* A block the reader must skip (NRB, ISB, custom...). */
static void other(struct w *w, uint32_t type, size_t body)
{
	uint8_t z[64] = { 0 };
	u32(w, type), u32(w, 12 + (uint32_t)body), u8s(w, z, body), u32(w, 12 + (uint32_t)body);
}

static uint8_t data[300000];

/* The file libpcap reads too: one interface (or two alike), every packet
 * block type, skipped blocks between them, records straddling the 1 MB
 * buffer. */
static void write_alike(const char *path, bool swap, int tsresol, int64_t off)
{
	struct w w = { fopen(path, "wb"), swap };
	uint64_t units = tsresol < 0 ? 1000000 : tsresol & 0x80 ? 1ull << (tsresol & 0x7f) : 1;
	for (int i = 0; tsresol >= 0 && !(tsresol & 0x80) && i < tsresol; i++)
		units *= 10;
	shb(&w, 1);
	idb(&w, 1, 262144, "eth0", tsresol, off);
	other(&w, 4, 16); /* NRB */
	idb(&w, 1, 262144, NULL, tsresol, off);
	for (uint32_t i = 0; i < 300; i++) {
		uint32_t len = i % 9 == 0 ? 150000 : 60 + i * 7 % 1400;
		memset(data, (int)i, len);
		uint64_t t = (1700000000ull + i) * units + units / 3 + i;
		if (i % 10 == 3)
			spb(&w, data, len);
		else if (i % 10 == 5)
			pb(&w, (uint16_t)(i & 1), t, data, len);
		else
			epb(&w, i & 1, t, data, len, len + 4);
		if (i % 50 == 0)
			other(&w, 5, 20); /* ISB */
		if (i % 70 == 0)
			other(&w, 0x40000BAD, 8); /* custom, copiable */
	}
	fclose(w.f);
}

/* Both readers over path: returns packets compared, -1 on a difference,
 * -2 when libpcap cannot read it (it refuses several snap lengths or link
 * types after the first packet). */
static long compare(const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!p)
		return -2;
	struct sl_pcapng g;
	struct sl_pcapng_if *ifc;
	struct pcap_pkthdr h, *lh;
	const uint8_t *d, *ld;
	long n = 0;
	int got, lgot;
	bool bad = sl_pcapng_open(path, &g) != 0;
	while (!bad && (got = sl_pcapng_next(&g, &h, &d, &ifc)) == 1) {
		lgot = pcap_next_ex(p, &lh, &ld);
		if (lgot == PCAP_ERROR && strstr(pcap_geterr(p), "of the first interface")) {
			n = -2;
			break;
		}
		if (lgot != 1 || lh->caplen != h.caplen || lh->len != h.len ||
		    lh->ts.tv_sec != h.ts.tv_sec || lh->ts.tv_usec != h.ts.tv_usec ||
		    memcmp(ld, d, h.caplen) != 0 || ifc->dlt != pcap_datalink(p)) {
			fprintf(stderr, "%s: packet %ld differs\n", path, n + 1);
			bad = true;
		}
		n++;
	}
	if (!bad && n >= 0 && (got != 0 || pcap_next_ex(p, &lh, &ld) != PCAP_ERROR_BREAK)) {
		fprintf(stderr, "%s: ends differ (%d, %s)\n", path, got, g.err);
		bad = true;
	}
	sl_pcapng_close(&g);
	pcap_close(p);
	if (n == -2)
		fprintf(stderr, "%s: libpcap refuses it after %s\n", path, "its first packets");
	return bad ? -1 : n;
}

static void test_against_libpcap(const char *path)
{
	static const struct { int tsresol; int64_t off; } res[] = {
		{ -1, 0 }, { 6, 0 }, { 9, 0 }, { 3, 0 }, { 0x80 | 20, 0 }, { 9, 3600 }, { 6, -100 },
	};
	for (int swap = 0; swap < 2; swap++)
		for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
			TEST("written here: as libpcap reads it (byte order, resolution, offset)");
			write_alike(path, swap, res[i].tsresol, res[i].off);
			CHECK_EQ_INT(compare(path), 300);
		}
}

/* Every pcapng capture under dir (recursively) that libpcap reads. */
static void compare_dir(const char *dir, int *files)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char p[4096];
		uint8_t m[4];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			compare_dir(p, files);
			continue;
		}
		FILE *f = fopen(p, "rb");
		bool ng = f && fread(m, 1, 4, f) == 4 && sl_pcapng_magic(m, 4);
		if (f)
			fclose(f);
		long n = ng && !strstr(p, "malformed") ? compare(p) : -2;
		if (n != -2) {
			TEST(p);
			CHECK(n > 0);
			++*files;
		}
	}
	if (d)
		closedir(d);
}

/* What libpcap 1.10 refuses: two link types, two snap lengths, names. */
static void test_multi_interface(const char *path)
{
	TEST("interfaces of different link types and snap lengths, names kept");
	struct w w = { fopen(path, "wb"), false };
	uint8_t ip[40] = { 0x45 };
	shb(&w, 1);
	idb(&w, 1, 262144, "veth-a", 9, 0);
	idb(&w, 101, 96, "veth-b", -1, 0);
	epb(&w, 0, 1700000000123456789ull, data, 60, 60);
	epb(&w, 1, 1700000001654321ull, ip, 40, 40);
	spb(&w, data, 100); /* interface 0: no snap length cut at 262144 */
	fclose(w.f);
	struct sl_pcapng g;
	struct sl_pcapng_if *ifc;
	struct pcap_pkthdr h;
	const uint8_t *d;
	CHECK_EQ_INT(sl_pcapng_open(path, &g), 0);
	CHECK_EQ_INT(sl_pcapng_next(&g, &h, &d, &ifc), 1);
	CHECK_EQ_INT(ifc->dlt, 1);
	CHECK_EQ_STR(ifc->name, "veth-a");
	CHECK_EQ_INT(h.ts.tv_sec, 1700000000);
	CHECK_EQ_INT(h.ts.tv_usec, 123456);
	CHECK_EQ_INT(sl_pcapng_next(&g, &h, &d, &ifc), 1);
	CHECK_EQ_INT(ifc->dlt, DLT_RAW); /* LINKTYPE_RAW 101 in the file */
	CHECK_EQ_INT(ifc->snaplen, 96);
	CHECK_EQ_STR(ifc->name, "veth-b");
	CHECK_EQ_INT(h.ts.tv_sec, 1700000001);
	CHECK_EQ_INT(h.ts.tv_usec, 654321);
	CHECK_EQ_INT(h.caplen, 40);
	CHECK(d[0] == 0x45);
	CHECK_EQ_INT(sl_pcapng_next(&g, &h, &d, &ifc), 1);
	CHECK_EQ_INT(ifc->seq, 0);
	CHECK_EQ_INT(h.caplen, 100);
	CHECK_EQ_INT(sl_pcapng_next(&g, &h, &d, &ifc), 0);
	sl_pcapng_close(&g);
}

/* A second section in the other byte order with its own interfaces, and a
 * section of major version 2, which is skipped. */
static void test_sections(const char *path)
{
	TEST("sections: byte order and interfaces per section; other versions skipped");
	struct w w = { fopen(path, "wb"), false };
	shb(&w, 1);
	idb(&w, 1, 0, "a", -1, 0);
	epb(&w, 0, 1, data, 60, 60);
	w.swap = true;
	shb(&w, 1);
	idb(&w, 113, 0, "b", -1, 0);
	epb(&w, 0, 2000000, data, 70, 70);
	shb(&w, 2);
	idb(&w, 1, 0, "c", -1, 0);
	epb(&w, 0, 3000000, data, 80, 80);
	w.swap = false;
	shb(&w, 1);
	idb(&w, 1, 0, "d", -1, 0);
	epb(&w, 0, 4000000, data, 90, 90);
	fclose(w.f);
	struct sl_pcapng g;
	struct sl_pcapng_if *ifc;
	struct pcap_pkthdr h;
	const uint8_t *d;
	CHECK_EQ_INT(sl_pcapng_open(path, &g), 0);
	CHECK_EQ_INT(sl_pcapng_next(&g, &h, &d, &ifc), 1);
	CHECK_EQ_STR(ifc->name, "a");
	CHECK_EQ_INT(sl_pcapng_next(&g, &h, &d, &ifc), 1);
	CHECK_EQ_STR(ifc->name, "b");
	CHECK_EQ_INT(ifc->dlt, 113);
	CHECK_EQ_INT(ifc->seq, 1);
	CHECK_EQ_INT(h.caplen, 70);
	CHECK_EQ_INT(h.ts.tv_sec, 2);
	CHECK_EQ_INT(sl_pcapng_next(&g, &h, &d, &ifc), 1);
	CHECK_EQ_STR(ifc->name, "d");
	CHECK_EQ_INT(h.caplen, 90);
	CHECK_EQ_INT(sl_pcapng_next(&g, &h, &d, &ifc), 0);
	CHECK_EQ_INT(g.sections_skipped, 1);
	sl_pcapng_close(&g);
}

/* NFLOG TLV headers of a file in the other byte order come out in ours. */
static void test_nflog_swap(const char *path)
{
	TEST("NFLOG TLVs of a byte-swapped section are swapped, as libpcap does");
	struct w w = { fopen(path, "wb"), true };
	uint8_t nf[16] = { 2, 0, 0, 5, 0, 8, 0, 9, 0x45, 0, 0, 1, 0, 4, 0, 1 };
	shb(&w, 1);
	idb(&w, 239, 0, NULL, -1, 0);
	epb(&w, 0, 1, nf, 16, 16);
	fclose(w.f);
	struct sl_pcapng g;
	struct sl_pcapng_if *ifc;
	struct pcap_pkthdr h;
	const uint8_t *d;
	uint16_t len, type;
	CHECK_EQ_INT(sl_pcapng_open(path, &g), 0);
	CHECK_EQ_INT(sl_pcapng_next(&g, &h, &d, &ifc), 1);
	memcpy(&len, d + 4, 2);
	memcpy(&type, d + 6, 2);
	CHECK_EQ_INT(len, 8);
	CHECK_EQ_INT(type, 9);
	memcpy(&len, d + 12, 2);
	CHECK_EQ_INT(len, 4);
	sl_pcapng_close(&g);
}

/* Read path to its end: packets read, and the last result. */
static int read_all(const char *path, uint64_t *n, bool *truncated)
{
	struct sl_pcapng g;
	struct sl_pcapng_if *ifc;
	struct pcap_pkthdr h;
	const uint8_t *d;
	int rc = sl_pcapng_open(path, &g);
	if (rc == 0)
		while ((rc = sl_pcapng_next(&g, &h, &d, &ifc)) == 1)
			;
	*n = g.index;
	*truncated = g.truncated;
	if (rc < 0)
		fprintf(stderr, "   (%s)\n", g.err);
	sl_pcapng_close(&g);
	return rc;
}

static void test_damage(const char *path)
{
	uint64_t n;
	bool cut;
	struct w w;
	TEST("cut short inside the last block: truncated after the packets before it");
	write_alike(path, false, -1, 0);
	FILE *f = fopen(path, "r+");
	fseek(f, 0, SEEK_END);
	CHECK(ftruncate(fileno(f), ftell(f) - 50) == 0);
	fclose(f);
	CHECK_EQ_INT(read_all(path, &n, &cut), -1);
	CHECK(cut);
	CHECK_EQ_INT(n, 299);
	TEST("a block claiming 2 GiB: damaged, not truncated");
	w = (struct w){ fopen(path, "wb"), false };
	shb(&w, 1);
	idb(&w, 1, 0, NULL, -1, 0);
	epb(&w, 0, 1, data, 60, 60);
	u32(&w, 6), u32(&w, 0x7ffffff0), u8s(&w, data, 40);
	fclose(w.f);
	CHECK_EQ_INT(read_all(path, &n, &cut), -1);
	CHECK(!cut);
	CHECK_EQ_INT(n, 1);
	TEST("trailing length differs, packet for an undescribed interface, caplen past the block");
	for (int k = 0; k < 3; k++) {
		w = (struct w){ fopen(path, "wb"), false };
		shb(&w, 1);
		idb(&w, 1, 0, NULL, -1, 0);
		if (k == 0)
			u32(&w, 6), u32(&w, 92), u32(&w, 0), u64(&w, 0), u32(&w, 60), u32(&w, 60),
				u8s(&w, data, 60), u32(&w, 100);
		else if (k == 1)
			epb(&w, 3, 1, data, 60, 60);
		else
			u32(&w, 6), u32(&w, 92), u32(&w, 0), u64(&w, 0), u32(&w, 61), u32(&w, 61),
				u8s(&w, data, 60), u32(&w, 92);
		fclose(w.f);
		CHECK_EQ_INT(read_all(path, &n, &cut), -1);
		CHECK(!cut);
		CHECK_EQ_INT(n, 0);
	}
	TEST("garbage: no section header; not pcapng at all");
	f = fopen(path, "wb");
	fwrite("\x0a\x0d\x0d\x0a\x10\x00\x00\x00\x11\x22\x33\x44\x10\x00\x00\x00", 1, 16, f);
	fclose(f);
	struct sl_pcapng g;
	CHECK_EQ_INT(sl_pcapng_open(path, &g), -2);
	CHECK(strstr(g.err, "byte-order magic") != NULL);
	sl_pcapng_close(&g);
	f = fopen(path, "wb");
	fwrite("\xd4\xc3\xb2\xa1 classic pcap", 1, 17, f);
	fclose(f);
	CHECK_EQ_INT(sl_pcapng_open(path, &g), -1);
	sl_pcapng_close(&g);
}

int main(void)
{
	char path[] = "/tmp/sl-pcapng-XXXXXX";
	close(mkstemp(path));
	test_against_libpcap(path);
	int files = 0;
	compare_dir(SL_SOURCE_ROOT "/pcaps", &files);
	TEST("the project's pcapng captures compared");
	CHECK(files >= 10);
	files = 0;
	compare_dir(SL_SOURCE_ROOT "/../shared/corpus", &files);
	fprintf(stderr, "%d pcapng files of ../shared/corpus compared (0: corpus absent)\n", files);
	test_multi_interface(path);
	test_sections(path);
	test_nflog_swap(path);
	test_damage(path);
	unlink(path);
	return TEST_REPORT();
}
