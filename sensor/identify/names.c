/* Name-based product identification: one table of host-name, certificate
 * and ALPN patterns, plus Tor's random-name rule.  Names come from the
 * parsers' fields (tls.sni, quic.sni, http.host, tls.cert.*, tls/quic
 * ALPN), read through the field catalogue, and from the hosts table (the
 * server's DNS name).
 * Sources: vendor firewall/allow-list documentation, published detection
 * lists (nDPI's host_match table, Emerging Threats, Sigma/KQL hunts of
 * remote-access relays), and Tor's tortls.c for the random names. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "names.h"
#include "sightline/identify.h"

enum nm_kind {
	NM_HOST, /* "*.x.com": x.com's subdomains; "a*b.x.com": '*' within one label; else exact */
	NM_CERT, /* substring of the certificate subject or issuer */
	NM_ALPN, /* prefix of one offered/chosen ALPN protocol */
};

struct nm_rule {
	uint8_t kind;
	const char *pattern; /* lowercase (NM_HOST), as on the wire otherwise */
	const char *app;
	const char *category;
};

#define RA "remote-access"
#define VPN "vpn"

/* THE product table.  Only names with a public source are listed; brand
 * web sites count (visiting nordvpn.com from a company laptop is itself
 * worth a look), but generic hosting names never do. */
static const struct nm_rule rules[] = {
	/* AnyDesk: relays *.net.anydesk.com, relay certificate and ALPN
	 * (AnyDesk firewall documentation; DESIGN.md; nDPI anydesk). */
	{ NM_HOST, "*.net.anydesk.com", "anydesk", RA },
	{ NM_HOST, "*.anydesk.com", "anydesk", RA },
	{ NM_HOST, "anydesk.com", "anydesk", RA },
	{ NM_CERT, "O=philandro Software GmbH", "anydesk", RA },
	{ NM_CERT, "CN=AnyNet Relay", "anydesk", RA },
	{ NM_CERT, "CN=AnyDesk Client", "anydesk", RA },
	{ NM_ALPN, "anydesk/", "anydesk", RA },
	/* TeamViewer: master and router brokers (TeamViewer KB "which ports
	 * are used"; nDPI host_match teamviewer.com). */
	{ NM_HOST, "*.teamviewer.com", "teamviewer", RA },
	{ NM_HOST, "teamviewer.com", "teamviewer", RA },
	{ NM_HOST, "*.dyngate.com", "teamviewer", RA },
	/* Chrome Remote Desktop (Google's Chrome Enterprise firewall list). */
	{ NM_HOST, "remotedesktop-pa.googleapis.com", "chrome-remote-desktop", RA },
	{ NM_HOST, "remotedesktop.google.com", "chrome-remote-desktop", RA },
	{ NM_HOST, "instantmessaging-pa.googleapis.com", "chrome-remote-desktop", RA },
	/* RustDesk public servers rs-ny/rs-sg/rs-cn.rustdesk.com (RustDesk docs). */
	{ NM_HOST, "rs-*.rustdesk.com", "rustdesk", RA },
	{ NM_HOST, "rustdesk.com", "rustdesk", RA },
	{ NM_HOST, "*.rustdesk.com", "rustdesk", RA },
	/* Splashtop relays (Splashtop firewall article: *.relay.splashtop.com). */
	{ NM_HOST, "*.splashtop.com", "splashtop", RA },
	/* Zoho Assist (Zoho Assist network requirements). */
	{ NM_HOST, "*.zohoassist.com", "zoho-assist", RA },
	{ NM_HOST, "zohoassist.com", "zoho-assist", RA },
	/* GoTo/LogMeIn (LogMeIn allow-list article; ET/Sigma RMM hunts). */
	{ NM_HOST, "*.logmein.com", "gotoassist", RA },
	{ NM_HOST, "*.logmeininc.com", "gotoassist", RA },
	{ NM_HOST, "*.logmein-gateway.com", "gotoassist", RA },
	{ NM_HOST, "*.gotoassist.com", "gotoassist", RA },
	/* ConnectWise ScreenConnect cloud instances and relays. */
	{ NM_HOST, "*.screenconnect.com", "screenconnect", RA },
	/* Consumer VPN brands (nDPI host_match entries of the same names). */
	{ NM_HOST, "*.nordvpn.com", "nordvpn", VPN },
	{ NM_HOST, "nordvpn.com", "nordvpn", VPN },
	{ NM_HOST, "*.nordvpn.net", "nordvpn", VPN },  /* API and server names */
	/* Proton VPN's API lives under proton.me beside Mail and Drive, so
	 * only its VPN hosts are listed (vpn-api.proton.me). */
	{ NM_HOST, "vpn-api.proton.me", "protonvpn", VPN },
	{ NM_HOST, "*.protonvpn.ch", "protonvpn", VPN },
	{ NM_HOST, "*.protonvpn.net", "protonvpn", VPN },
	{ NM_HOST, "*.protonvpn.com", "protonvpn", VPN },
	{ NM_HOST, "protonvpn.com", "protonvpn", VPN },
	{ NM_HOST, "*.mullvad.net", "mullvad", VPN },
	{ NM_HOST, "mullvad.net", "mullvad", VPN },
	{ NM_HOST, "*.surfshark.com", "surfshark", VPN },
	{ NM_HOST, "surfshark.com", "surfshark", VPN },
	{ NM_HOST, "*.astrill.com", "astrill", VPN },
	{ NM_HOST, "astrill.com", "astrill", VPN },
	{ NM_HOST, "*.privateinternetaccess.com", "pia", VPN },
	/* PIA's own CA (published with its OpenVPN configurations, pia-foss
	 * manual-connections ca.rsa.4096.crt) signs its servers' certificates. */
	{ NM_CERT, "O=Private Internet Access", "pia", VPN },
	{ NM_HOST, "privateinternetaccess.com", "pia", VPN },
	{ NM_HOST, "*.windscribe.com", "windscribe", VPN },
	{ NM_HOST, "windscribe.com", "windscribe", VPN },
	{ NM_HOST, "*.tunnelbear.com", "tunnelbear", VPN },
	{ NM_HOST, "tunnelbear.com", "tunnelbear", VPN },
	{ NM_HOST, "*.hotspotshield.com", "hotspot-shield", VPN },
	{ NM_HOST, "hotspotshield.com", "hotspot-shield", VPN },
	{ NM_HOST, "*.hsselite.com", "hotspot-shield", VPN },  /* Hotspot Shield Elite API */
	{ NM_HOST, "*.anchorfree.com", "hotspot-shield", VPN }, /* AnchorFree, its maker */
	{ NM_HOST, "*.anchorfree.net", "hotspot-shield", VPN },
	/* Opera's built-in browser VPN: its proxies are *.sec-tunnel.com
	 * (e.g. eu0.sec-tunnel.com; Opera VPN support pages, nDPI OperaVPN). */
	{ NM_HOST, "*.sec-tunnel.com", "opera-vpn", VPN },
	{ NM_HOST, "*.windscribe.net", "windscribe", VPN },
	{ NM_HOST, "*.expressvpn.com", "expressvpn", VPN },
	{ NM_HOST, "expressvpn.com", "expressvpn", VPN },
	{ NM_HOST, "*.cyberghostvpn.com", "cyberghost", VPN },
	/* Censorship-circumvention tools are "anonymizer": they exist to hide
	 * where the user is, not to join a private network. */
	{ NM_HOST, "*.psiphon.ca", "psiphon", "anonymizer" },
	{ NM_HOST, "psiphon.ca", "psiphon", "anonymizer" },
	{ NM_HOST, "*.psiphon3.net", "psiphon", "anonymizer" },
	{ NM_HOST, "psiphon3.net", "psiphon", "anonymizer" },
	{ NM_HOST, "*.psiphon3.com", "psiphon", "anonymizer" },
	{ NM_HOST, "psiphon3.com", "psiphon", "anonymizer" },
	{ NM_HOST, "*.ultrasurf.us", "ultrasurf", "anonymizer" },
	{ NM_HOST, "ultrasurf.us", "ultrasurf", "anonymizer" },
	/* iCloud Private Relay ingress (Apple "Prepare your network for iCloud
	 * Private Relay": mask.icloud.com, mask-h2.icloud.com).  Category
	 * "proxy", not "anonymizer": Apple's egress keeps the user's region
	 * (the "maintain general location" default), so it hides the address
	 * but not, coarsely, where the user is. */
	{ NM_HOST, "mask.icloud.com", "icloud-private-relay", "proxy" },
	{ NM_HOST, "mask-h2.icloud.com", "icloud-private-relay", "proxy" },
	/* Cloudflare WARP (Cloudflare One firewall docs; nDPI CloudflareWarp). */
	{ NM_HOST, "engage.cloudflareclient.com", "cloudflare-warp", VPN },
	{ NM_HOST, "*.cloudflareclient.com", "cloudflare-warp", VPN },
	{ NM_HOST, "cloudflareclient.com", "cloudflare-warp", VPN },
	/* FortiGate SSL-VPN (FortiClient's server): the appliance's factory
	 * certificate, subject "CN=<serial>,OU=FortiGate,O=Fortinet" (Fortinet
	 * "Fortinet_Factory" certificate docs).  Fortinet's inspection CA is
	 * "OU=Certificate Authority", so re-signed web sites do not match. */
	{ NM_CERT, "OU=FortiGate,O=Fortinet", "forticlient", VPN },
	/* SoftEther VPN: its DDNS and NAT-traversal service names
	 * (<name>.softether.net; *.servers.ddns.softether-network.net). */
	{ NM_HOST, "*.softether-network.net", "softether", VPN },
	{ NM_HOST, "*.softether.net", "softether", VPN },
	/* Tor Project web sites (bridges.torproject.org hands out bridges). */
	{ NM_HOST, "*.torproject.org", "tor", "anonymizer" },
};

struct sl_names {
	const struct sl_field *sni[3];   /* tls.sni, quic.sni, http.host */
	const struct sl_field *cert[2];  /* tls.cert.subject, tls.cert.issuer */
	const struct sl_field *san;      /* tls.cert.san */
	const struct sl_field *alpn[3];  /* tls.alpn, tls.alpn_server, quic.alpn */
	const struct sl_field *http[2];  /* http.method, http.uri */
};

int sl_names_create(struct sl_names **out)
{
	struct sl_names *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->sni[0] = sl_catalogue_find("tls.sni");
	n->sni[1] = sl_catalogue_find("quic.sni");
	n->sni[2] = sl_catalogue_find("http.host");
	n->cert[0] = sl_catalogue_find("tls.cert.subject");
	n->cert[1] = sl_catalogue_find("tls.cert.issuer");
	n->san = sl_catalogue_find("tls.cert.san");
	n->alpn[0] = sl_catalogue_find("tls.alpn");
	n->alpn[1] = sl_catalogue_find("tls.alpn_server");
	n->alpn[2] = sl_catalogue_find("quic.alpn");
	n->http[0] = sl_catalogue_find("http.method");
	n->http[1] = sl_catalogue_find("http.uri");
	*out = n;
	return 0;
}

void sl_names_destroy(struct sl_names *n)
{
	free(n);
}

/* Lowercase copy without a ":port" and trailing dots; false when empty or
 * too long to be a DNS name. */
static bool normalise(const char *in, char *out, size_t cap)
{
	size_t len = 0;
	for (; in[len] && in[len] != ':' && in[len] != '/'; len++) {
		if (len + 1 >= cap)
			return false;
		out[len] = (char)tolower((unsigned char)in[len]);
	}
	while (len && out[len - 1] == '.')
		len--;
	out[len] = '\0';
	return len > 0;
}

/* '*' matches a run of characters within one label. */
static bool glob_label(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			for (const char *t = s;; t++) {
				if (glob_label(p + 1, t))
					return true;
				if (!*t || *t == '.')
					return false;
			}
		}
		if (*p != *s)
			return false;
	}
	return !*s;
}

static bool host_matches(const char *pat, const char *name)
{
	if (pat[0] == '*' && pat[1] == '.') {
		size_t pl = strlen(pat + 1), nl = strlen(name); /* ".x.com" */
		return nl > pl && strcmp(name + nl - pl, pat + 1) == 0;
	}
	return strchr(pat, '*') ? glob_label(pat, name) : strcmp(pat, name) == 0;
}

static bool find_rule(enum nm_kind kind, const char *s, const char **app, const char **category)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		const struct nm_rule *r = &rules[i];
		bool hit = r->kind == kind &&
			   (kind == NM_HOST   ? host_matches(r->pattern, s)
			    : kind == NM_CERT ? strstr(s, r->pattern) != NULL
					      : strncmp(s, r->pattern, strlen(r->pattern)) == 0);
		if (hit) {
			*app = r->app;
			*category = r->category;
			return true;
		}
	}
	return false;
}

bool sl_names_match_host(const char *name, const char **app, const char **category)
{
	char buf[256];
	return name && normalise(name, buf, sizeof(buf)) && find_rule(NM_HOST, buf, app, category);
}

bool sl_names_match_cert(const char *dn, const char **app, const char **category)
{
	return dn && find_rule(NM_CERT, dn, app, category);
}

bool sl_names_match_alpn(const char *alpn, const char **app, const char **category)
{
	char one[256];
	for (const char *p = alpn; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len < sizeof(one)) {
			memcpy(one, p, len);
			one[len] = '\0';
			if (find_rule(NM_ALPN, one, app, category))
				return true;
		}
		p += len + (p[len] == ',');
	}
	return false;
}

/* Tor names come from crypto_random_hostname() in Tor's tortls.c: "www." +
 * a base32 string (a-z, 2-7) of random length + ".net" or ".com" (client
 * SNI: 4-25 characters, ".com"; link and identity certificates: 8-20). */
static bool tor_name(const char *name, size_t lo, size_t hi, bool com_only, size_t *label_len)
{
	if (strncmp(name, "www.", 4) != 0)
		return false;
	const char *label = name + 4, *dot = strchr(label, '.');
	if (!dot || (strcmp(dot, ".com") != 0 && (com_only || strcmp(dot, ".net") != 0)))
		return false;
	size_t len = (size_t)(dot - label);
	for (size_t i = 0; i < len; i++)
		if (!((label[i] >= 'a' && label[i] <= 'z') || (label[i] >= '2' && label[i] <= '7')))
			return false;
	*label_len = len;
	return len >= lo && len <= hi;
}

/* A base32 label looks random rather than a word when it holds a digit
 * or five consonants in a row (words rarely do; 8+ random base32
 * characters nearly always do). */
static bool looks_random(const char *label, size_t len)
{
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		if (label[i] >= '2' && label[i] <= '7')
			return true;
		run = strchr("aeiouy", label[i]) ? 0 : run + 1;
		if (run >= 5)
			return true;
	}
	return false;
}

/* Tor's SNI can be as short as 4 characters; below 8 it cannot be told
 * from a real name, so only 8-25 are claimed. */
bool sl_names_tor_sni(const char *name)
{
	char buf[64];
	size_t len;
	return name && normalise(name, buf, sizeof(buf)) && tor_name(buf, 8, 25, true, &len) &&
	       looks_random(buf + 4, len);
}

/* On Tor's relay ports (ORPort 9001, DirPort 9030: torrc defaults in
 * Tor's manual) the shape alone is enough down to 4 characters, still with
 * a digit or a consonant run. */
bool sl_names_tor_sni_on_port(const char *name, uint16_t port)
{
	char buf[64];
	size_t len;
	return (port == 9001 || port == 9030) && name && normalise(name, buf, sizeof(buf)) &&
	       tor_name(buf, 4, 25, true, &len) && looks_random(buf + 4, len);
}

/* Tor's directory protocol (dir-spec.txt §4-6, rend-spec v3 §2.5): HTTP
 * requests under /tor/ -- descriptors, consensuses and votes, microdescs,
 * keys, onion-service descriptors -- and POSTs of descriptors to "/tor/". */
bool sl_names_tor_dir_request(const char *method, const char *uri)
{
	static const char *const paths[] = {
		"/tor/server/", "/tor/extra/", "/tor/status-vote/", "/tor/micro/",
		"/tor/keys/", "/tor/hs/", "/tor/rendezvous2/", "/tor/post/",
	};
	if (!method || !uri)
		return false;
	if (strcmp(method, "POST") == 0 && strcmp(uri, "/tor/") == 0)
		return true;
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (strncmp(uri, paths[i], strlen(paths[i])) == 0)
			return true;
	return false;
}

/* "CN=www.x.net" and nothing else (no O=, no second attribute). */
static bool tor_dn(const char *dn, size_t *len)
{
	return strncmp(dn, "CN=", 3) == 0 && !strchr(dn, ',') && !strchr(dn, '+') &&
	       tor_name(dn + 3, 8, 20, false, len);
}

bool sl_names_tor_cert(const char *subject, const char *issuer)
{
	size_t a, b;
	return subject && issuer && tor_dn(subject, &a) && tor_dn(issuer, &b) &&
	       strcmp(subject, issuer) != 0;
}

/* A string field of the ended flow, or NULL. */
static const char *field_str(const struct sl_field *fd, const struct sl_record *r,
			     struct sl_value *v)
{
	memset(v, 0, sizeof(*v));
	return fd && sl_field_get(fd, r, v) && v->s && v->s[0] ? v->s : NULL;
}

/* The CN value of an RFC 4514 string, as a host name to match. */
static bool dn_common_name(const char *dn, char *out, size_t cap)
{
	const char *cn = strncmp(dn, "CN=", 3) == 0 ? dn : strstr(dn, ",CN=");
	if (!cn)
		return false;
	cn += cn[0] == ',' ? 4 : 3;
	size_t len = strcspn(cn, ",+");
	if (!len || len >= cap)
		return false;
	memcpy(out, cn, len);
	out[len] = '\0';
	return true;
}

static void claim_cert(const char *dn, struct sl_flow *f)
{
	const char *app, *cat;
	char cn[256];
	if (sl_names_match_cert(dn, &app, &cat) ||
	    (dn_common_name(dn, cn, sizeof(cn)) && sl_names_match_host(cn, &app, &cat)))
		sl_app_set_product(f, app, cat, SL_SRC_CERTIFICATE);
}

/* CDN placeholder names that sit beside a customer's own names in the
 * certificates a CDN issues for it (Cloudflare's "sni.cloudflaressl.com"). */
static bool cdn_placeholder(const char *name)
{
	return host_matches("*.cloudflaressl.com", name);
}

/*
 * The certificate's DNS names name a product only when every one of them
 * (CDN placeholders aside) belongs to that same product: shared CDN
 * certificates list unrelated customers side by side, and one brand among
 * them must not name a benign site's flow.
 */
bool sl_names_match_san(const char *san, const char **app, const char **category)
{
	const char *found_app = NULL, *found_cat = NULL;
	char one[256];
	for (const char *p = san; p && *p;) {
		size_t len = strcspn(p, ",");
		const char *a, *c;
		if (len >= sizeof(one))
			return false;
		memcpy(one, p, len);
		one[len] = '\0';
		p += len + (p[len] == ',');
		if (!normalise(one, one, sizeof(one)) || cdn_placeholder(one))
			continue;
		if (!find_rule(NM_HOST, one, &a, &c) || (found_app && strcmp(a, found_app) != 0))
			return false;
		found_app = a;
		found_cat = c;
	}
	if (!found_app)
		return false;
	*app = found_app;
	*category = found_cat;
	return true;
}

/* Server names: a product name, else Tor's random SNI unless DNS resolved
 * that very name for this server (Tor clients never resolve theirs). */
static void claim_sni(const char *name, const char *dns_name, struct sl_flow *f)
{
	const char *app, *cat;
	if (sl_names_match_host(name, &app, &cat))
		sl_app_set_product(f, app, cat, SL_SRC_SNI);
	else if ((sl_names_tor_sni(name) || sl_names_tor_sni_on_port(name, f->sport)) &&
		 !(dns_name && strcasecmp(dns_name, name) == 0))
		sl_app_set_product(f, "tor", "anonymizer", SL_SRC_SNI);
}

/* A Tor directory request is Tor's own protocol on the wire. */
static void claim_http(const struct sl_names *n, const struct sl_record *r, struct sl_flow *f)
{
	struct sl_value v1, v2;
	const char *method = field_str(n->http[0], r, &v1), *uri = field_str(n->http[1], r, &v2);
	if (sl_names_tor_dir_request(method, uri))
		sl_app_set_product(f, "tor", "anonymizer", SL_SRC_WIRE);
}

/*
 * Every claim is offered; sl_app_set_product keeps the strongest, so the
 * order here only decides between claims of equal strength (first wins).
 */
void sl_names_claim(const struct sl_names *n, const struct sl_record *r, const char *dns_name,
		    struct sl_flow *f)
{
	struct sl_value v1, v2;
	const char *app, *cat;
	const char *subject = field_str(n->cert[0], r, &v1), *issuer = field_str(n->cert[1], r, &v2);
	if (sl_names_tor_cert(subject, issuer))
		sl_app_set_product(f, "tor", "anonymizer", SL_SRC_CERTIFICATE);
	claim_http(n, r, f);
	if (subject)
		claim_cert(subject, f);
	if (issuer)
		claim_cert(issuer, f);
	const char *san = field_str(n->san, r, &v1);
	if (san && sl_names_match_san(san, &app, &cat))
		sl_app_set_product(f, app, cat, SL_SRC_CERTIFICATE);
	if (dns_name && !dns_name[0])
		dns_name = NULL;
	if (dns_name && sl_names_match_host(dns_name, &app, &cat))
		sl_app_set_product(f, app, cat, SL_SRC_DNS);
	for (size_t i = 0; i < ARRAY_SIZE(n->sni); i++) {
		const char *name = field_str(n->sni[i], r, &v2);
		if (name)
			claim_sni(name, dns_name, f);
	}
	for (size_t i = 0; i < ARRAY_SIZE(n->alpn); i++) {
		const char *alpn = field_str(n->alpn[i], r, &v2);
		if (alpn && sl_names_match_alpn(alpn, &app, &cat))
			sl_app_set_product(f, app, cat, SL_SRC_ALPN);
	}
}
