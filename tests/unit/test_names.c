/* Name-based identification: the product table's matching rules (suffix
 * boundaries, case, trailing dot, ports, globs), Tor's random names, and
 * whole flows through the dispatcher (SNI, ALPN, certificate, precedence). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "protohelp.h"
#include "sensor/identify/names.h"
#include "sightline/signatures.h"
#include "testhelp.h"

/* The bundled product signatures of the source tree, and a matcher over them. */
static struct sl_sigs *SIGS;
static struct sl_names *N;

static void load_signatures(void)
{
	const char *path = SL_SOURCE_ROOT "/rules/products";
	struct sl_rule_error e;
	if (sl_sigs_load(&path, 1, NULL, NULL, &SIGS, &e) < 0 || sl_names_create(SIGS, &N) < 0) {
		fprintf(stderr, "%s:%u:%u: %s\n", e.file, e.line, e.col, e.msg);
		abort();
	}
}

struct buf {
	uint8_t b[8192];
	size_t n;
};

static void put8(struct buf *b, unsigned v) { b->b[b->n++] = (uint8_t)v; }
static void put16(struct buf *b, unsigned v) { put8(b, v >> 8); put8(b, v & 0xff); }
static void put24(struct buf *b, unsigned v) { put8(b, v >> 16); put16(b, v & 0xffff); }
static void putn(struct buf *b, const void *p, size_t n) { if (n) memcpy(b->b + b->n, p, n); b->n += n; }
static size_t open_len(struct buf *b, int w) { size_t at = b->n; b->n += (size_t)w; return at; }
static void close_len(struct buf *b, size_t at, int w)
{
	size_t len = b->n - at - (size_t)w;
	for (int i = w - 1; i >= 0; i--, len >>= 8)
		b->b[at + (size_t)i] = (uint8_t)(len & 0xff);
}

/* One TLS record holding a ClientHello (RFC 8446 §4.1.2) with server_name
 * (RFC 6066 §3) and, when alpn is set, one ALPN protocol (RFC 7301). */
static void client_hello(struct buf *b, const char *sni, const char *alpn)
{
	b->n = 0;
	put8(b, 22);
	put16(b, 0x0301);
	size_t rec = open_len(b, 2);
	put8(b, 1);
	size_t hs = open_len(b, 3);
	put16(b, 0x0303);
	for (int i = 0; i < 32; i++)
		put8(b, (unsigned)i);
	put8(b, 0);
	put16(b, 4);
	put16(b, 0x1301);
	put16(b, 0xc02f);
	put8(b, 1);
	put8(b, 0);
	size_t exts = open_len(b, 2);
	put16(b, 0);
	size_t e = open_len(b, 2), l = open_len(b, 2);
	put8(b, 0);
	put16(b, (unsigned)strlen(sni));
	putn(b, sni, strlen(sni));
	close_len(b, l, 2);
	close_len(b, e, 2);
	if (alpn) {
		put16(b, 16);
		e = open_len(b, 2);
		l = open_len(b, 2);
		put8(b, (unsigned)strlen(alpn));
		putn(b, alpn, strlen(alpn));
		close_len(b, l, 2);
		close_len(b, e, 2);
	}
	close_len(b, exts, 2);
	close_len(b, hs, 3);
	close_len(b, rec, 2);
}

/* subjectAltName of the next make_cert ("DNS:a,DNS:b"), or NULL for none. */
static const char *cert_san;

/* DER certificate with subject "O=org, CN=cn" (org may be NULL) issued by
 * issuer_cn, with cert_san's names when set. */
static size_t make_cert(uint8_t *out, const char *org, const char *cn, const char *issuer_cn)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *subj = X509_NAME_new(), *iss = X509_NAME_new();
	if (org)
		X509_NAME_add_entry_by_txt(subj, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
	X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_UTF8, (const unsigned char *)issuer_cn, -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 9);
	X509_set_subject_name(x, subj);
	X509_set_issuer_name(x, iss);
	ASN1_TIME_set_string_X509(X509_getm_notBefore(x), "20250101000000Z");
	ASN1_TIME_set_string_X509(X509_getm_notAfter(x), "20350101000000Z");
	X509_set_pubkey(x, key);
	if (cert_san) {
		X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, cert_san);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, key, EVP_sha256());
	unsigned char *p = out;
	int n = i2d_X509(x, &p);
	X509_NAME_free(subj);
	X509_NAME_free(iss);
	X509_free(x);
	EVP_PKEY_free(key);
	return n > 0 ? (size_t)n : 0;
}

/* TLS 1.2 server flight: ServerHello, Certificate, ServerHelloDone. */
static void server_flight(struct buf *b, const char *org, const char *cn, const char *issuer_cn)
{
	uint8_t der[2048];
	size_t n = make_cert(der, org, cn, issuer_cn);
	b->n = 0;
	put8(b, 22);
	put16(b, 0x0303);
	size_t rec = open_len(b, 2);
	put8(b, 2);
	size_t hs = open_len(b, 3);
	put16(b, 0x0303);
	for (int i = 0; i < 32; i++)
		put8(b, 0x40u + (unsigned)i);
	put8(b, 0);
	put16(b, 0xc02f);
	put8(b, 0);
	put16(b, 0);
	close_len(b, hs, 3);
	put8(b, 11);
	put24(b, (unsigned)n + 6);
	put24(b, (unsigned)n + 3);
	put24(b, (unsigned)n);
	putn(b, der, n);
	put8(b, 14);
	put24(b, 0);
	close_len(b, rec, 2);
}

static void test_host_rules(void)
{
	const char *app = NULL, *cat = NULL;
	CHECK(sl_names_match_host(N, "relay-01.net.anydesk.com", &app, &cat));
	CHECK_EQ_STR(app, "anydesk");
	CHECK_EQ_STR(cat, "remote-access");
	CHECK(!sl_names_match_host(N, "evilanydesk.com", &app, &cat));
	CHECK(!sl_names_match_host(N, "anydesk.com.evil.org", &app, &cat));
	CHECK(!sl_names_match_host(N, "xnet.anydesk.co", &app, &cat));
	CHECK(sl_names_match_host(N, "Relay-01.NET.AnyDesk.COM.", &app, &cat));
	CHECK_EQ_STR(app, "anydesk");
	CHECK(sl_names_match_host(N, "anydesk.com:443", &app, &cat));
	CHECK(sl_names_match_host(N, "master7.teamviewer.com", &app, &cat));
	CHECK_EQ_STR(app, "teamviewer");
	CHECK(sl_names_match_host(N, "rs-ny.rustdesk.com", &app, &cat));
	CHECK_EQ_STR(app, "rustdesk");
	CHECK(sl_names_match_host(N, "remotedesktop-pa.googleapis.com", &app, &cat));
	CHECK_EQ_STR(app, "chrome-remote-desktop");
	CHECK(!sl_names_match_host(N, "www.googleapis.com", &app, &cat));
	CHECK(!sl_names_match_host(N, "xremotedesktop-pa.googleapis.com", &app, &cat));
	CHECK(sl_names_match_host(N, "nl123.nordvpn.com", &app, &cat));
	CHECK_EQ_STR(app, "nordvpn");
	CHECK_EQ_STR(cat, "vpn");
	CHECK(sl_names_match_host(N, "api.cloudflareclient.com", &app, &cat));
	CHECK_EQ_STR(app, "cloudflare-warp");
	CHECK(sl_names_match_host(N, "mask.icloud.com", &app, &cat));
	CHECK_EQ_STR(cat, "proxy");
	CHECK(!sl_names_match_host(N, "www.icloud.com", &app, &cat));
	CHECK(!sl_names_match_host(N, "", &app, &cat));
	CHECK(!sl_names_match_host(N, ".", &app, &cat));
	CHECK(!sl_names_match_host(N, NULL, &app, &cat));
	CHECK(!sl_names_match_host(N, "teams.microsoft.com", &app, &cat));
}

/* Every VPN brand and anonymiser the table knows, by one public name each,
 * and benign neighbours of the same companies that must stay unclaimed. */
static void test_brands(void)
{
	static const struct { const char *host, *app, *cat; } brands[] = {
		{ "nl123.nordvpn.com", "nordvpn", "vpn" },
		{ "api.nordvpn.net", "nordvpn", "vpn" },
		{ "api.protonvpn.ch", "protonvpn", "vpn" },
		{ "vpn-api.proton.me", "protonvpn", "vpn" },
		{ "api.mullvad.net", "mullvad", "vpn" },
		{ "api.surfshark.com", "surfshark", "vpn" },
		{ "www.astrill.com", "astrill", "vpn" },
		{ "www.privateinternetaccess.com", "pia", "vpn" },
		{ "assets.windscribe.com", "windscribe", "vpn" },
		{ "api.tunnelbear.com", "tunnelbear", "vpn" },
		{ "eu0.sec-tunnel.com", "opera-vpn", "vpn" },
		{ "api.hsselite.com", "hotspot-shield", "vpn" },
		{ "hotspotshield.com", "hotspot-shield", "vpn" },
		{ "x.anchorfree.net", "hotspot-shield", "vpn" },
		{ "psiphon3.com", "psiphon", "anonymizer" },
		{ "s3.psiphon.ca", "psiphon", "anonymizer" },
		{ "ultrasurf.us", "ultrasurf", "anonymizer" },
		{ "mask-h2.icloud.com", "icloud-private-relay", "proxy" },
		{ "engage.cloudflareclient.com", "cloudflare-warp", "vpn" },
		{ "bridges.torproject.org", "tor", "anonymizer" },
		{ "x0.x0.dev.open.servers.ddns.softether-network.net", "softether", "vpn" },
		{ "moishele.softether.net", "softether", "vpn" },
	};
	static const char *const benign[] = {
		"mail.proton.me", "account.proton.me", "www.opera.com", "www.icloud.com",
		"www.fortinet.com", "www.cloudflare.com", "tunnel.example.com",
		"sec-tunnel.com.example.org", "softether.org.example.net",
	};
	const char *app = NULL, *cat = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(brands); i++) {
		app = cat = NULL;
		CHECK(sl_names_match_host(N, brands[i].host, &app, &cat));
		CHECK_EQ_STR(app, brands[i].app);
		CHECK_EQ_STR(cat, brands[i].cat);
	}
	for (size_t i = 0; i < ARRAY_SIZE(benign); i++)
		CHECK(!sl_names_match_host(N, benign[i], &app, &cat));
}

static void test_cert_and_alpn_rules(void)
{
	const char *app = NULL, *cat = NULL;
	CHECK(sl_names_match_cert(N, "CN=AnyNet Relay,O=philandro Software GmbH", true, &app, &cat));
	CHECK_EQ_STR(app, "anydesk");
	CHECK(sl_names_match_cert(N, "CN=AnyDesk Client", true, &app, &cat));
	CHECK(!sl_names_match_cert(N, "CN=example.org,O=Example", true, &app, &cat));
	CHECK(sl_names_match_cert(N, "CN=newjersey402,OU=Private Internet Access,O=Private Internet Access,C=US", true, &app, &cat));
	CHECK_EQ_STR(app, "pia");
	CHECK_EQ_STR(cat, "vpn");
	/* A FortiGate's factory certificate; its inspection CA is not one. */
	CHECK(sl_names_match_cert(N, "emailAddress=support@fortinet.com,CN=FWF60E4Q16012050,"
				  "OU=FortiGate,O=Fortinet,L=Sunnyvale,ST=California,C=US", true, &app, &cat));
	CHECK_EQ_STR(app, "forticlient");
	CHECK_EQ_STR(cat, "vpn");
	CHECK(!sl_names_match_cert(N, "emailAddress=support@fortinet.com,CN=FortiGate CA,"
				   "OU=Certificate Authority,O=Fortinet,L=Sunnyvale,ST=California,C=US", true,
				   &app, &cat));
	CHECK(sl_names_match_alpn(N, "h2,anydesk/6.2.0/linux", &app, &cat));
	CHECK_EQ_STR(app, "anydesk");
	CHECK(!sl_names_match_alpn(N, "h2,http/1.1", &app, &cat));
	CHECK(!sl_names_match_alpn(N, "xanydesk/", &app, &cat));
}

static void test_san_rule(void)
{
	const char *app = NULL, *cat = NULL;
	CHECK(sl_names_match_san(N, "sni.cloudflaressl.com,psiphon3.net,*.psiphon3.net", &app, &cat));
	CHECK_EQ_STR(app, "psiphon");
	CHECK_EQ_STR(cat, "anonymizer");
	CHECK(sl_names_match_san(N, "api.nordvpn.com", &app, &cat));
	CHECK_EQ_STR(app, "nordvpn");
	/* a shared certificate: one unrelated name, or two brands, name none */
	CHECK(!sl_names_match_san(N, "sni.cloudflaressl.com,psiphon3.net,shop.example.com", &app, &cat));
	CHECK(!sl_names_match_san(N, "nordvpn.com,mullvad.net", &app, &cat));
	CHECK(!sl_names_match_san(N, "sni.cloudflaressl.com", &app, &cat));
	CHECK(!sl_names_match_san(N, "", &app, &cat));
	CHECK(!sl_names_match_san(N, NULL, &app, &cat));
}

static void test_tor_behaviour(void)
{
	CHECK(sl_names_tor_dir_request("GET", "/tor/status-vote/current/consensus-microdesc.z"));
	CHECK(sl_names_tor_dir_request("GET", "/tor/server/authority.z"));
	CHECK(sl_names_tor_dir_request("GET", "/tor/micro/d/abc-def.z"));
	CHECK(sl_names_tor_dir_request("GET", "/tor/keys/all.z"));
	CHECK(sl_names_tor_dir_request("POST", "/tor/"));
	CHECK(!sl_names_tor_dir_request("GET", "/tor/"));
	CHECK(!sl_names_tor_dir_request("GET", "/torrent/ubuntu.iso"));
	CHECK(!sl_names_tor_dir_request("GET", "/tor"));
	CHECK(!sl_names_tor_dir_request("GET", "/docs/tor/server/"));
	CHECK(!sl_names_tor_dir_request("DELETE", "/tor/server/x"));
	CHECK(!sl_names_tor_dir_request(NULL, "/tor/server/x"));
	/* short random names count on the relay ports only */
	CHECK(!sl_names_tor_sni("www.k2fq.com"));
	CHECK(sl_names_tor_sni_on_port("www.k2fq.com", 9001));
	CHECK(sl_names_tor_sni_on_port("www.k2fq.com", 9030));
	CHECK(!sl_names_tor_sni_on_port("www.k2fq.com", 443));
	CHECK(!sl_names_tor_sni_on_port("www.idea.com", 9001)); /* a word */
	CHECK(!sl_names_tor_sni_on_port("www.k2f.com", 9001));  /* under 4 */

	struct ph h;
	static const char req[] = "GET /tor/status-vote/current/consensus.z HTTP/1.0\r\n"
				  "Host: 198.51.100.9\r\n\r\n";
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.9", 9030);
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req) - 1);
	CHECK_EQ_STR(ph_str(&h, "http.url"), "/tor/status-vote/current/consensus.z");
	CHECK_EQ_STR(ph_str(&h, "app"), "tor");
	CHECK_EQ_STR(ph_str(&h, "category"), "anonymizer");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	ph_finish(&h);
	static const char other[] = "GET /torrent/ HTTP/1.1\r\nHost: example.org\r\n\r\n";
	ph_init(&h, 6, "10.0.0.2", 40000, "198.51.100.9", 80);
	ph_feed(&h, SL_DIR_TOSERVER, other, sizeof(other) - 1);
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);
}

static void test_tor_names(void)
{
	CHECK(sl_names_tor_sni("www.jq3vgsfe7xbk2.com"));
	CHECK(sl_names_tor_sni("www.mxbqtrkzwlpv.com")); /* no digit, long consonant run */
	CHECK(!sl_names_tor_sni("www.google.com"));
	CHECK(!sl_names_tor_sni("www.facebook.com"));
	CHECK(!sl_names_tor_sni("www.microsoft.com"));
	CHECK(!sl_names_tor_sni("www.stackoverflow.com"));
	CHECK(!sl_names_tor_sni("www.jq3vgsfe7xbk2.net")); /* the client SNI is .com */
	CHECK(!sl_names_tor_sni("www.jq3vgsfe9xbk1.com")); /* 9 and 1 are not base32 */
	CHECK(!sl_names_tor_sni("mail.jq3vgsfe7xbk2.com"));
	CHECK(!sl_names_tor_sni("www.ab2.com"));            /* too short to tell */
	CHECK(!sl_names_tor_sni("www.a.b.jq3vgsfe7xbk2.com"));
	CHECK(sl_names_tor_cert("CN=www.ke4xwqz7mvrb.net", "CN=www.p2dlkx6oqa3n5.com"));
	CHECK(!sl_names_tor_cert("CN=www.ke4xwqz7mvrb.net", "CN=www.ke4xwqz7mvrb.net"));
	CHECK(!sl_names_tor_cert("CN=www.ke4xwqz7mvrb.net,O=Acme", "CN=www.p2dlkx6oqa3n5.com"));
	CHECK(!sl_names_tor_cert("CN=www.example.org", "CN=www.p2dlkx6oqa3n5.com"));
	CHECK(!sl_names_tor_cert("CN=www.google.com", "CN=GTS CA 1C3,O=Google Trust Services,C=US"));
	CHECK(!sl_names_tor_cert(NULL, "CN=www.p2dlkx6oqa3n5.com"));
}

/* The Tor name rules as first written (normal form, then shape), to hold
 * the quick "www." test in sl_names_tor_sni*() to the same answers. */
static bool ref_tor(const char *name, size_t lo, size_t hi)
{
	char buf[64];
	size_t len = 0;
	for (; name[len] && name[len] != ':' && name[len] != '/'; len++) {
		if (len + 1 >= sizeof(buf))
			return false;
		buf[len] = (char)tolower((unsigned char)name[len]);
	}
	while (len && buf[len - 1] == '.')
		len--;
	buf[len] = '\0';
	if (!len || strncmp(buf, "www.", 4) != 0)
		return false;
	const char *label = buf + 4, *dot = strchr(label, '.');
	if (!dot || strcmp(dot, ".com") != 0)
		return false;
	size_t n = (size_t)(dot - label), run = 0;
	bool random = false;
	for (size_t i = 0; i < n; i++) {
		if (!((label[i] >= 'a' && label[i] <= 'z') || (label[i] >= '2' && label[i] <= '7')))
			return false;
		if (label[i] >= '2' && label[i] <= '7')
			random = true;
		run = strchr("aeiouy", label[i]) ? 0 : run + 1;
		random |= run >= 5;
	}
	return n >= lo && n <= hi && random;
}

static void test_tor_names_random(void)
{
	static const char *const pre[] = { "www.", "WWW.", "wWw.", "ww.", "www", "www:", "", "mail.",
					   "www..", "wwwx." };
	static const char *const post[] = { ".com", ".net", ".COM", ".com.", ".com..", ".com:443",
					    ".org", ".com/x", "", ".Com" };
	static const char alpha[] = "abcdefgxyzAEIQZ2345671:/.";
	uint64_t seed = 14;
	unsigned differ = 0, yes = 0;
	for (unsigned i = 0; i < 300000; i++) {
		char name[96];
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t x = seed >> 11;
		size_t n = (size_t)snprintf(name, sizeof(name), "%s", pre[x % ARRAY_SIZE(pre)]);
		x /= ARRAY_SIZE(pre);
		size_t label = x % 30;
		x /= 30;
		for (size_t k = 0; k < label; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			/* mostly letters and base32 digits, sometimes a separator */
			name[n++] = alpha[(seed >> 33) % ((seed >> 60) ? 22 : sizeof(alpha) - 1)];
		}
		snprintf(name + n, sizeof(name) - n, "%s", post[x % ARRAY_SIZE(post)]);
		bool want = ref_tor(name, 8, 25), want_port = ref_tor(name, 4, 25);
		differ += sl_names_tor_sni(name) != want;
		differ += sl_names_tor_sni_on_port(name, 9001) != want_port;
		differ += sl_names_tor_sni_on_port(name, 443);
		yes += want;
	}
	CHECK_EQ_INT(differ, 0);
	CHECK(yes > 1000); /* the inputs reach the accepting shapes */
	CHECK(sl_names_tor_sni("WWW.JQ3VGSFE7XBK2.COM") && sl_names_tor_sni("wWw.jq3vgsfe7xbk2.com."));
	CHECK(!sl_names_tor_sni(NULL) && !sl_names_tor_sni_on_port(NULL, 9001));
}

/* A flow with the given ClientHello (and server flight when cn is set). */
static void run_flow(struct ph *h, const char *sni, const char *alpn, const char *org,
		     const char *cn, const char *issuer)
{
	static struct buf ch, sf;
	ph_init(h, 6, "10.0.0.2", 40000, "198.51.100.1", 443);
	client_hello(&ch, sni, alpn);
	ph_feed(h, SL_DIR_TOSERVER, ch.b, ch.n);
	if (cn) {
		server_flight(&sf, org, cn, issuer);
		ph_feed(h, SL_DIR_TOCLIENT, sf.b, sf.n);
	}
}

/* The claims' reads (each parser's state found once per pass) against
 * sl_field_get() field by field, over flows that hold a TLS session, an
 * HTTP request, both, a server flight with certificates, or nothing
 * known, at each step of the flow. */
static unsigned reads_present; /* values the reads found, over the test */

static unsigned reads_differ(struct ph *h)
{
	const char *names[SL_NAMES_FIELDS], *vals[SL_NAMES_FIELDS];
	static struct sl_value v[SL_NAMES_FIELDS];
	struct sl_record r = ph_record(h);
	unsigned bad = 0;
	sl_names_read(N, &r, names, vals, v);
	for (size_t i = 0; i < SL_NAMES_FIELDS; i++) {
		const struct sl_field *fd = names[i] ? sl_catalogue_find(names[i]) : NULL;
		struct sl_value w = { 0 };
		const char *want = fd && sl_field_get(fd, &r, &w) && w.s && w.s[0] ? w.s : NULL;
		reads_present += vals[i] != NULL;
		if (!names[i] || (want ? !vals[i] || strcmp(want, vals[i]) != 0 : vals[i] != NULL)) {
			fprintf(stderr, "%s: claims read \"%s\", the catalogue \"%s\"\n",
				names[i] ? names[i] : "(missing field)", vals[i] ? vals[i] : "(none)",
				want ? want : "(none)");
			bad++;
		}
	}
	return bad;
}

static void test_reads(void)
{
	static const char *const snis[] = { "www.example.com", "teamviewer.com", "", "a.b" };
	static const char *const alpns[] = { "h2,http/1.1", "anydesk", NULL };
	static const char req[] = "GET /x HTTP/1.1\r\nHost: files.example\r\n"
				  "User-Agent: curl/8.0\r\n\r\n";
	static struct buf ch, sf;
	unsigned bad = 0, reads = 0;
	for (unsigned i = 0; i < 48; i++) {
		struct ph h;
		const char *sni = snis[i % 4], *alpn = alpns[(i / 4) % 3];
		bool http_first = i & 16, flight = i & 32;
		ph_init(&h, 6, "10.0.0.2", (uint16_t)(40000 + i), "198.51.100.1", i & 1 ? 443 : 8443);
		bad += reads_differ(&h); /* nothing known yet */
		if (http_first) {
			ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req) - 1);
			bad += reads_differ(&h);
		}
		client_hello(&ch, sni, alpn);
		ph_feed(&h, SL_DIR_TOSERVER, ch.b, ch.n);
		bad += reads_differ(&h);
		if (flight) {
			server_flight(&sf, "Example Org", "www.example.com", "CN=Example CA");
			ph_feed(&h, SL_DIR_TOCLIENT, sf.b, sf.n);
			bad += reads_differ(&h);
		}
		ph_end(&h);
		bad += reads_differ(&h);
		reads += 3 + http_first + flight;
		ph_finish(&h);
	}
	struct ph h; /* HTTP alone */
	ph_init(&h, 6, "10.0.0.2", 39999, "198.51.100.9", 80);
	ph_feed(&h, SL_DIR_TOSERVER, req, sizeof(req) - 1);
	bad += reads_differ(&h);
	CHECK_EQ_STR(ph_str(&h, "http.http_user_agent"), "curl/8.0");
	ph_finish(&h);
	CHECK_EQ_INT(bad, 0);
	CHECK(reads > 150 && reads_present > 300); /* TLS, certificate and HTTP values read */
}

static void test_flows(void)
{
	struct ph h;
	run_flow(&h, "relay-01.net.anydesk.com", NULL, NULL, NULL, NULL);
	CHECK_EQ_STR(ph_str(&h, "tls.sni"), "relay-01.net.anydesk.com");
	CHECK_EQ_STR(ph_str(&h, "app"), "anydesk");
	CHECK_EQ_STR(ph_str(&h, "category"), "remote-access");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "sni");
	CHECK_EQ_STR(ph_str(&h, "app_proto"), "tls");
	ph_finish(&h);

	run_flow(&h, "example.org", "anydesk/7.1.0", NULL, NULL, NULL);
	CHECK_EQ_STR(ph_str(&h, "app"), "anydesk");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "alpn");
	ph_finish(&h);

	/* The relay certificate outranks the (misleading) SNI. */
	run_flow(&h, "nl123.nordvpn.com", NULL, "philandro Software GmbH", "AnyNet Relay", "AnyNet Root CA");
	CHECK_EQ_STR(ph_str(&h, "app"), "anydesk");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "certificate");
	ph_finish(&h);

	run_flow(&h, "www.jq3vgsfe7xbk2.com", NULL, NULL, "www.ke4xwqz7mvrb.net", "www.p2dlkx6oqa3n5.com");
	CHECK_EQ_STR(ph_str(&h, "tls.cert.subject"), "CN=www.ke4xwqz7mvrb.net");
	CHECK_EQ_STR(ph_str(&h, "app"), "tor");
	CHECK_EQ_STR(ph_str(&h, "category"), "anonymizer");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "certificate");
	ph_finish(&h);

	run_flow(&h, "www.jq3vgsfe7xbk2.com", NULL, NULL, NULL, NULL);
	CHECK_EQ_STR(ph_str(&h, "app"), "tor");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "sni");
	ph_finish(&h);

	/* A wire claim made while parsing stays. */
	run_flow(&h, "nl123.nordvpn.com", NULL, NULL, NULL, NULL);
	sl_app_set_product(&h.flow, "openvpn", "vpn", SL_SRC_WIRE);
	CHECK_EQ_STR(ph_str(&h, "app"), "openvpn");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "wire");
	ph_finish(&h);

	/* Psiphon behind a CDN: no brand in SNI or subject, only in the SAN */
	cert_san = "DNS:sni.cloudflaressl.com,DNS:psiphon3.net,DNS:*.psiphon3.net";
	run_flow(&h, "front.example.org", "h2", "Cloudflare, Inc.", "sni.cloudflaressl.com",
		 "Cloudflare Inc ECC CA-3");
	CHECK_EQ_STR(ph_str(&h, "tls.cert.san"), "sni.cloudflaressl.com,psiphon3.net,*.psiphon3.net");
	CHECK_EQ_STR(ph_str(&h, "app"), "psiphon");
	CHECK_EQ_STR(ph_str(&h, "category"), "anonymizer");
	CHECK_EQ_STR(ph_str(&h, "app_source"), "certificate");
	ph_finish(&h);
	cert_san = "DNS:sni.cloudflaressl.com,DNS:nordvpn.com,DNS:shop.example.com,IP:192.0.2.1";
	run_flow(&h, "shop.example.com", "h2", "Cloudflare, Inc.", "sni.cloudflaressl.com",
		 "Cloudflare Inc ECC CA-3");
	CHECK_EQ_STR(ph_str(&h, "tls.cert.san"), "sni.cloudflaressl.com,nordvpn.com,shop.example.com");
	CHECK(ph_str(&h, "app") == NULL);
	ph_finish(&h);
	cert_san = NULL;

	run_flow(&h, "www.google.com", "h2", NULL, "www.google.com", "GTS CA 1C3");
	CHECK(ph_str(&h, "app") == NULL);
	CHECK(ph_str(&h, "category") == NULL);
	ph_finish(&h);
}

/* Answers kept per thread (names.c) are the asking set's own: another set
 * asked the same name gives its own answer, and asked again each its own. */
static void test_kept_answers(void)
{
	TEST("names: kept answers belong to the set that asked");
	const char *path = SL_SOURCE_ROOT "/rules/products/anonymizers.yml";
	struct sl_rule_error e;
	struct sl_sigs *sigs = NULL;
	struct sl_names *other = NULL;
	CHECK(sl_sigs_load(&path, 1, NULL, NULL, &sigs, &e) == 0 && sl_names_create(sigs, &other) == 0);
	if (!other)
		return;
	const char *app = NULL, *cat = NULL;
	for (int round = 0; round < 2; round++) {
		app = NULL;
		CHECK(sl_names_match_host(N, "relay-01.net.anydesk.com", &app, &cat));
		CHECK_EQ_STR(app, "anydesk");
		CHECK(!sl_names_match_host(other, "relay-01.net.anydesk.com", &app, &cat));
		CHECK(sl_names_match_host(other, "www.psiphon.ca", &app, &cat));
		CHECK_EQ_STR(app, "psiphon");
		CHECK(sl_names_match_alpn(N, "anydesk/6.2.0/linux", &app, &cat));
		CHECK_EQ_STR(app, "anydesk");
		CHECK(!sl_names_match_alpn(other, "anydesk/6.2.0/linux", &app, &cat));
	}
	sl_names_destroy(other);
	sl_sigs_destroy(sigs);
}

int main(void)
{
	load_signatures();
	test_host_rules();
	test_kept_answers();
	test_brands();
	test_cert_and_alpn_rules();
	test_san_rule();
	test_tor_names();
	test_tor_names_random();
	test_tor_behaviour();
	test_flows();
	test_reads();
	return TEST_REPORT();
}
