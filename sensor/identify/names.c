/* Name-based product identification: the flow's names and facts (tls.sni,
 * quic.sni, http.hostname, tls.cert.*, ALPN, JA4, user agent, server port, the
 * remote address's intel lists), read through the field catalogue, and the
 * server's DNS name from the hosts table, looked up in the product
 * signatures (rules/products, sig_index.c); plus Tor's own shapes (random
 * names after Tor's tortls.c, directory requests, link certificates). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "names.h"
#include "sig_priv.h"
#include "sightline/enrich.h"
#include "sightline/identify.h"
#include "sightline/proto.h"

/* A field the claims read, with the base it lies in (index into
 * sl_names.bases; -1: read through sl_field_get()). */
struct nfield {
	const struct sl_field *fd;
	int base;
};

/*
 * The latest answers of the host and ALPN lookups, kept by the set,
 * direct-mapped by the text: a flow's names are looked up when its
 * inspection ends and again at its end, and the same few names recur from
 * flow to flow, while a lookup normalises the name and probes each of its
 * suffixes.  An entry is of one kind of lookup and the text exactly as
 * given; longer texts are not kept.  A hit gives exactly what the lookup
 * would.  The engine identifies under its lock, which serialises the
 * writes (names.h).
 */
#define NAME_MEMO 256    /* entries, a power of two; ~24 kB a set */
#define NAME_MEMO_TEXT 63 /* longest text kept */

struct name_memo {
	char kind;       /* 'h' host, 'a' ALPN list; 0: empty */
	uint8_t len;
	char text[NAME_MEMO_TEXT];
	const char *app, *category; /* app NULL: no product */
};

#define NAMES_BASES 4

struct sl_names {
	const struct sl_sigs *sigs;      /* borrowed from the identification stage */
	struct name_memo *memo;          /* NAME_MEMO latest answers (memo_lookup()) */
	struct nfield sni[3];            /* tls.sni, quic.sni, http.hostname */
	struct nfield cert[2];           /* tls.cert.subject, tls.cert.issuer */
	struct nfield san;               /* tls.cert.san */
	struct nfield alpn[3];           /* tls.alpn, tls.alpn_server, quic.alpn */
	struct nfield http[2];           /* http.http_method, http.url */
	struct nfield ja4[2];            /* tls.ja4, quic.ja4 */
	struct nfield ua[2];             /* http.http_user_agent, quic.ua */
	/* The distinct places those fields lie in -- the TLS session, the QUIC
	 * and HTTP parsers' states -- each found once per pass of claims
	 * instead of once per field (15 fields, twice a flow). */
	unsigned n_bases;
	struct sl_field_at bases[NAMES_BASES]; /* base, proto, base_fn only */
};

/* The field named, and which of n's bases it is read from. */
static struct nfield nfield(struct sl_names *n, const char *name)
{
	struct nfield nf = { sl_catalogue_find(name), -1 };
	const struct sl_field_at *at = nf.fd ? &nf.fd->at : NULL;
	if (!at || (at->base != SL_AT_STATE && at->base != SL_AT_FUNC))
		return nf;
	for (unsigned i = 0; i < n->n_bases && nf.base < 0; i++)
		if (n->bases[i].base == at->base && n->bases[i].proto == at->proto &&
		    n->bases[i].base_fn == at->base_fn)
			nf.base = (int)i;
	if (nf.base < 0 && n->n_bases < NAMES_BASES) {
		n->bases[n->n_bases] = (struct sl_field_at){
			.base = at->base, .proto = at->proto, .base_fn = at->base_fn,
		};
		nf.base = (int)n->n_bases++;
	}
	return nf;
}

int sl_names_create(const struct sl_sigs *sigs, struct sl_names **out)
{
	struct sl_names *n = calloc(1, sizeof(*n));
	if (!n || !(n->memo = calloc(NAME_MEMO, sizeof(*n->memo)))) {
		free(n);
		return -ENOMEM;
	}
	n->sigs = sigs;
	n->sni[0] = nfield(n, "tls.sni");
	n->sni[1] = nfield(n, "quic.sni");
	n->sni[2] = nfield(n, "http.hostname");
	n->cert[0] = nfield(n, "tls.cert.subject");
	n->cert[1] = nfield(n, "tls.cert.issuer");
	n->san = nfield(n, "tls.cert.san");
	n->alpn[0] = nfield(n, "tls.alpn");
	n->alpn[1] = nfield(n, "tls.alpn_server");
	n->alpn[2] = nfield(n, "quic.alpn");
	n->http[0] = nfield(n, "http.http_method");
	n->http[1] = nfield(n, "http.url");
	n->ja4[0] = nfield(n, "tls.ja4");
	n->ja4[1] = nfield(n, "quic.ja4");
	n->ua[0] = nfield(n, "http.http_user_agent");
	n->ua[1] = nfield(n, "quic.ua");
	*out = n;
	return 0;
}

void sl_names_destroy(struct sl_names *n)
{
	if (n)
		free(n->memo);
	free(n);
}

static bool found(const struct sl_sig_product *p, const char **app, const char **category)
{
	if (!p)
		return false;
	*app = p->app;
	*category = p->category;
	return true;
}

/* The entry text of this kind would take (NULL: too long to keep). */
static struct name_memo *memo_slot(const struct sl_names *n, char kind, const char *text,
				    size_t *len)
{
	uint32_t h = 2166136261u ^ (uint8_t)kind; /* FNV-1a */
	size_t i = 0;
	for (; text[i] && i <= NAME_MEMO_TEXT; i++) {
		h ^= (uint8_t)text[i];
		h *= 16777619u;
	}
	*len = i;
	return i <= NAME_MEMO_TEXT ? &n->memo[h & (NAME_MEMO - 1)] : NULL;
}

typedef bool (*lookup_fn)(const struct sl_names *n, const char *text, const char **app,
			  const char **category);

/* lookup(n, text), or its answer kept in the memo. */
static bool memo_lookup(const struct sl_names *n, char kind, const char *text, lookup_fn lookup,
			const char **app, const char **category)
{
	size_t len;
	struct name_memo *m = memo_slot(n, kind, text, &len);
	if (m && m->kind == kind && m->len == len &&
	    memcmp(m->text, text, len) == 0) {
		if (!m->app)
			return false;
		*app = m->app;
		*category = m->category;
		return true;
	}
	const char *a = NULL, *c = NULL;
	bool ok = lookup(n, text, &a, &c);
	if (m) {
		*m = (struct name_memo){ .kind = kind, .len = (uint8_t)len,
					 .app = ok ? a : NULL, .category = ok ? c : NULL };
		memcpy(m->text, text, len);
	}
	if (ok) {
		*app = a;
		*category = c;
	}
	return ok;
}

static bool match_host(const struct sl_names *n, const char *name, const char **app,
		       const char **category)
{
	char buf[256];
	return sig_normalise_host(name, buf, sizeof(buf)) &&
	       found(sl_sigs_host(n->sigs, buf), app, category);
}

bool sl_names_match_host(const struct sl_names *n, const char *name, const char **app,
			 const char **category)
{
	return name && memo_lookup(n, 'h', name, match_host, app, category);
}

bool sl_names_match_cert(const struct sl_names *n, const char *dn, bool subject,
			 const char **app, const char **category)
{
	return dn && found(sl_sigs_cert(n->sigs, dn, subject), app, category);
}

static bool match_alpn(const struct sl_names *n, const char *alpn, const char **app,
		       const char **category)
{
	char one[256];
	for (const char *p = alpn; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len < sizeof(one)) {
			memcpy(one, p, len);
			one[len] = '\0';
			if (found(sl_sigs_alpn(n->sigs, one), app, category))
				return true;
		}
		p += len + (p[len] == ',');
	}
	return false;
}

bool sl_names_match_alpn(const struct sl_names *n, const char *alpn, const char **app,
			 const char **category)
{
	return alpn && memo_lookup(n, 'a', alpn, match_alpn, app, category);
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

/* Whether name can be Tor's at all: its normal form starts "www.", so the
 * name itself does, in any case.  Most server names fail here, before
 * being copied and lower-cased. */
static bool www_prefix(const char *name)
{
	return name && strncasecmp(name, "www.", 4) == 0;
}

/* Tor's SNI can be as short as 4 characters; below 8 it cannot be told
 * from a real name, so only 8-25 are claimed. */
bool sl_names_tor_sni(const char *name)
{
	char buf[64];
	size_t len;
	return www_prefix(name) && sig_normalise_host(name, buf, sizeof(buf)) &&
	       tor_name(buf, 8, 25, true, &len) && looks_random(buf + 4, len);
}

/* On Tor's relay ports (ORPort 9001, DirPort 9030: torrc defaults in
 * Tor's manual) the shape alone is enough down to 4 characters, still with
 * a digit or a consonant run. */
bool sl_names_tor_sni_on_port(const char *name, uint16_t port)
{
	char buf[64];
	size_t len;
	return (port == 9001 || port == 9030) && www_prefix(name) &&
	       sig_normalise_host(name, buf, sizeof(buf)) && tor_name(buf, 4, 25, true, &len) &&
	       looks_random(buf + 4, len);
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

/*
 * One pass of claims over a record: the bases of n's fields as r finds them
 * (sl_field_get() would find each again for every field).  They depend on
 * the parsers' states alone, which claiming a product does not change.  A
 * record that answers for itself (event_get) is read field by field.
 */
struct pass {
	const struct sl_names *n;
	const struct sl_record *r;
	bool plain;
	const void *base[NAMES_BASES];
};

static void pass_begin(struct pass *ps, const struct sl_names *n, const struct sl_record *r)
{
	ps->n = n;
	ps->r = r;
	ps->plain = r->event_get != NULL;
	for (unsigned i = 0; !ps->plain && i < n->n_bases; i++) {
		const struct sl_field_at *at = &n->bases[i];
		ps->base[i] = at->base == SL_AT_STATE ? sl_record_state(r, at->proto) : at->base_fn(r);
	}
}

/* field_str() for a field that may be present: read it. */
static const char *field_read_str(const struct nfield *nf, const struct pass *ps,
				  struct sl_value *v)
{
	if (nf->base >= 0 && !ps->plain) {
		if (!sl_field_read(nf->fd, ps->base[nf->base], v))
			return NULL;
	} else if (!sl_field_get(nf->fd, ps->r, v)) {
		return NULL;
	}
	return v->s && v->s[0] ? v->s : NULL;
}

/* A string field of the flow, or NULL.  Most of a pass's fields are absent
 * (a TLS flow has no HTTP state): that answer stays inline, with no call. */
static inline const char *field_str(const struct nfield *nf, const struct pass *ps,
				    struct sl_value *v)
{
	v->s = NULL; /* not the whole value: 340 bytes cleared 15 times a flow cost 2 % */
	v->n = 0;
	if (!nf->fd || (nf->base >= 0 && !ps->plain && !ps->base[nf->base]))
		return NULL;
	return field_read_str(nf, ps, v);
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

static void claim_cert(const struct sl_names *n, const char *dn, bool subject, struct sl_flow *f)
{
	const char *app, *cat;
	char cn[256];
	if (sl_names_match_cert(n, dn, subject, &app, &cat) ||
	    (dn_common_name(dn, cn, sizeof(cn)) && sl_names_match_host(n, cn, &app, &cat)))
		sl_app_set_product(f, app, cat, SL_SRC_CERTIFICATE);
}

/* CDN placeholder names that sit beside a customer's own names in the
 * certificates a CDN issues for it (Cloudflare's "sni.cloudflaressl.com"). */
static bool cdn_placeholder(const char *name)
{
	size_t len = strlen(name), sl = strlen(".cloudflaressl.com");
	return len > sl && strcmp(name + len - sl, ".cloudflaressl.com") == 0;
}

/*
 * The certificate's DNS names name a product only when every one of them
 * (CDN placeholders aside) belongs to that same product: shared CDN
 * certificates list unrelated customers side by side, and one brand among
 * them must not name a benign site's flow.
 */
bool sl_names_match_san(const struct sl_names *n, const char *san, const char **app,
			const char **category)
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
		if (!sig_normalise_host(one, one, sizeof(one)) || cdn_placeholder(one))
			continue;
		if (!found(sl_sigs_host(n->sigs, one), &a, &c) ||
		    (found_app && strcmp(a, found_app) != 0))
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
static void claim_sni(const struct sl_names *n, const char *name, const char *dns_name,
		      struct sl_flow *f)
{
	const char *app, *cat;
	if (sl_names_match_host(n, name, &app, &cat))
		sl_app_set_product(f, app, cat, SL_SRC_SNI);
	else if ((sl_names_tor_sni(name) || sl_names_tor_sni_on_port(name, f->sport)) &&
		 !(dns_name && strcasecmp(dns_name, name) == 0))
		sl_app_set_product(f, "tor", "anonymizer", SL_SRC_SNI);
}

/* A Tor directory request is Tor's own protocol on the wire. */
static void claim_http(const struct sl_names *n, const struct pass *ps, struct sl_flow *f)
{
	struct sl_value v1, v2;
	const char *method = field_str(&n->http[0], ps, &v1), *uri = field_str(&n->http[1], ps, &v2);
	if (sl_names_tor_dir_request(method, uri))
		sl_app_set_product(f, "tor", "anonymizer", SL_SRC_WIRE);
}

/* The client's software: JA4 fingerprints and user agents. */
static void claim_client(const struct sl_names *n, const struct pass *ps, struct sl_flow *f)
{
	struct sl_value v;
	const struct sl_sig_product *p;
	for (size_t i = 0; i < ARRAY_SIZE(n->ja4); i++)
		if ((p = sl_sigs_ja4(n->sigs, field_str(&n->ja4[i], ps, &v))))
			sl_app_set_product(f, p->app, p->category, SL_SRC_JA4);
	for (size_t i = 0; i < ARRAY_SIZE(n->ua); i++)
		if ((p = sl_sigs_user_agent(n->sigs, field_str(&n->ua[i], ps, &v))))
			sl_app_set_product(f, p->app, p->category, SL_SRC_USER_AGENT);
}

/* The weakest facts: the server's port, and the intel lists that hold the
 * remote address (only in an enriched record: at flow end). */
static void claim_port_lists(const struct sl_names *n, const struct sl_record *r,
			     struct sl_flow *f)
{
	const struct sl_sig_product *p = NULL;
	if (f->proto == 6 || f->proto == 17)
		p = sl_sigs_port(n->sigs, f->proto == 6 ? "tcp" : "udp", f->sport);
	if (p)
		sl_app_set_product(f, p->app, p->category, SL_SRC_PORT);
	const struct sl_geo_result *g = r->remote >= 0 ? r->geo[r->remote] : NULL;
	for (unsigned i = 0; g && i < g->n_intel; i++)
		if ((p = sl_sigs_list(n->sigs, g->intel[i])))
			sl_app_set_product(f, p->app, p->category, SL_SRC_ADDRESS_LIST);
}

/* Names the flow's certificate carries: Tor's link certificate shape, the
 * subject and issuer attributes, then the subjectAltName list. */
static void claim_certs(const struct sl_names *n, const struct pass *ps, struct sl_flow *f)
{
	struct sl_value v1, v2;
	const char *app, *cat;
	const char *subject = field_str(&n->cert[0], ps, &v1);
	const char *issuer = field_str(&n->cert[1], ps, &v2);
	if (sl_names_tor_cert(subject, issuer))
		sl_app_set_product(f, "tor", "anonymizer", SL_SRC_CERTIFICATE);
	if (subject)
		claim_cert(n, subject, true, f);
	if (issuer)
		claim_cert(n, issuer, false, f);
	const char *san = field_str(&n->san, ps, &v1);
	if (san && sl_names_match_san(n, san, &app, &cat))
		sl_app_set_product(f, app, cat, SL_SRC_CERTIFICATE);
}

/*
 * Every claim is offered; sl_app_set_product keeps the strongest, so the
 * order here only decides between claims of equal strength (first wins).
 */
void sl_names_claim(const struct sl_names *n, const struct sl_record *r, const char *dns_name,
		    struct sl_flow *f)
{
	struct sl_value v2;
	const char *app, *cat;
	struct pass ps;
	pass_begin(&ps, n, r);
	claim_certs(n, &ps, f);
	claim_http(n, &ps, f);
	if (dns_name && !dns_name[0])
		dns_name = NULL;
	if (dns_name && sl_names_match_host(n, dns_name, &app, &cat))
		sl_app_set_product(f, app, cat, SL_SRC_DNS);
	for (size_t i = 0; i < ARRAY_SIZE(n->sni); i++) {
		const char *name = field_str(&n->sni[i], &ps, &v2);
		if (name)
			claim_sni(n, name, dns_name, f);
	}
	for (size_t i = 0; i < ARRAY_SIZE(n->alpn); i++) {
		const char *alpn = field_str(&n->alpn[i], &ps, &v2);
		if (alpn && sl_names_match_alpn(n, alpn, &app, &cat))
			sl_app_set_product(f, app, cat, SL_SRC_ALPN);
	}
	claim_client(n, &ps, f);
	claim_port_lists(n, r, f);
}

void sl_names_read(const struct sl_names *n, const struct sl_record *r,
		   const char *names[SL_NAMES_FIELDS], const char *vals[SL_NAMES_FIELDS],
		   struct sl_value v[SL_NAMES_FIELDS])
{
	const struct nfield *all[SL_NAMES_FIELDS] = {
		&n->sni[0], &n->sni[1], &n->sni[2], &n->cert[0], &n->cert[1], &n->san,
		&n->alpn[0], &n->alpn[1], &n->alpn[2], &n->http[0], &n->http[1],
		&n->ja4[0], &n->ja4[1], &n->ua[0], &n->ua[1],
	};
	struct pass ps;
	pass_begin(&ps, n, r);
	for (size_t i = 0; i < SL_NAMES_FIELDS; i++) {
		names[i] = all[i]->fd ? all[i]->fd->name : NULL;
		vals[i] = field_str(all[i], &ps, &v[i]);
	}
}
