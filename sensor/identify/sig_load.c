/* Loading product signature files (rules/products, the user's own):
 * one YAML document per file, `family` and a list of `signatures`, each
 * validated key by key with FILE:LINE:COL errors (unknown keys, malformed
 * patterns, a pattern two products claim) and indexed (sig_index.c). */
#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sightline/yaml_read.h"
#include "sig_priv.h"
#include "sightline/common.h"

struct lctx {
	struct sl_sigs *s;
	const char *file; /* owned by the set */
	void (*report)(void *ctx, const struct sl_rule_error *e);
	void *rctx;
	struct sl_rule_error *first;
	unsigned errors;
	bool oom;
};

__attribute__((format(printf, 4, 5))) static void lerr(struct lctx *c, unsigned line,
							unsigned col, const char *fmt, ...)
{
	struct sl_rule_error e = { .line = line, .col = col };
	snprintf(e.file, sizeof(e.file), "%s", c->file ? c->file : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	if (c->errors++ == 0 && c->first)
		*c->first = e;
	if (c->report)
		c->report(c->rctx, &e);
}

#define LERR_AT(c, n, ...) lerr((c), (n)->line, (n)->col, __VA_ARGS__)

char *sig_strdup(struct sl_sigs *s, const char *str)
{
	if (s->n_strs == s->cap_strs) {
		size_t cap = s->cap_strs ? s->cap_strs * 2 : 128;
		char **n = realloc(s->strs, cap * sizeof(*n));
		if (!n)
			return NULL;
		s->strs = n;
		s->cap_strs = cap;
	}
	char *d = strdup(str);
	if (d)
		s->strs[s->n_strs++] = d;
	return d;
}

static const char *const categories[] = { "remote-access", "vpn", "anonymizer", "proxy",
					   "ip-kvm" };

static bool is_category(const char *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(categories); i++)
		if (strcmp(v, categories[i]) == 0)
			return true;
	return false;
}

static const char *scalar(struct lctx *c, const struct ynode *n, const char *what)
{
	if (n && n->type == YN_SCALAR && n->len && strlen(n->s) == n->len)
		return n->s;
	if (n)
		LERR_AT(c, n, "%s must be a non-empty text", what);
	return NULL;
}

/* A scalar or a list of scalars: calls each(c, item) for every one. */
static void each_scalar(struct lctx *c, const struct ynode *n, const char *what, uint32_t prod,
			void (*each)(struct lctx *, const struct ynode *, uint32_t))
{
	if (n->type == YN_SCALAR) {
		if (scalar(c, n, what))
			each(c, n, prod);
		return;
	}
	if (n->type != YN_SEQ || n->n == 0) {
		LERR_AT(c, n, "%s must be a text or a non-empty list of texts", what);
		return;
	}
	for (size_t i = 0; i < n->n; i++)
		if (scalar(c, n->kids[i], what))
			each(c, n->kids[i], prod);
}

static struct sig_entry entry_at(struct lctx *c, const struct ynode *n, uint32_t prod)
{
	const char *pattern = n->type == YN_SCALAR ? sig_strdup(c->s, n->s) : "certificate";
	return (struct sig_entry){ .product = prod, .pattern = pattern,
				   .file = c->file, .line = n->line, .col = n->col };
}

/* Index e under (ns, key), reporting a pattern some signature has already. */
static void add(struct lctx *c, const struct ynode *n, char ns, const char *key,
		const struct sig_entry *e)
{
	const struct sig_entry *clash;
	if (!e->pattern || sig_index_add(c->s, ns, key, e, &clash) < 0) {
		c->oom = true;
		return;
	}
	if (clash)
		LERR_AT(c, n, "'%s' is already a pattern of %s (%s:%u:%u); a pattern names one "
			"product once: remove one of them", n->s, c->s->products[clash->product].app,
			clash->file, clash->line, clash->col);
}

static bool host_chars(const char *p)
{
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.' || *p == '_' || *p == '*'))
			return false;
	return true;
}

static void host_pattern(struct lctx *c, const struct ynode *n, uint32_t prod)
{
	const char *p = n->s, *dot = strchr(p, '.');
	struct sig_entry e = entry_at(c, n, prod);
	if (!host_chars(p) || p[0] == '.' || p[n->len - 1] == '.' || strstr(p, "..")) {
		LERR_AT(c, n, "host pattern '%s': write a lower-case DNS name (a-z, 0-9, '-', '.') "
			"without leading, trailing or double dots", p);
		return;
	}
	if (!dot || strchr(dot, '*')) {
		LERR_AT(c, n, "host pattern '%s': '*' may stand only in the first label and the "
			"pattern needs a domain after it (\"*.example.com\", \"relay-*.example.com\")",
			p);
		return;
	}
	char label[SIG_NAME_MAX];
	size_t ll = (size_t)(dot - p);
	if (ll >= sizeof(label)) {
		LERR_AT(c, n, "host pattern '%s' is too long", p);
		return;
	}
	memcpy(label, p, ll);
	label[ll] = '\0';
	e.kind = !strchr(label, '*') ? SK_HOST_EXACT : strcmp(label, "*") == 0 ? SK_HOST_SUB
										: SK_HOST_GLOB;
	if (e.kind == SK_HOST_GLOB)
		e.glob = sig_strdup(c->s, label);
	add(c, n, NS_HOST, e.kind == SK_HOST_EXACT ? p : dot + 1, &e);
}

static void alpn_pattern(struct lctx *c, const struct ynode *n, uint32_t prod)
{
	struct sig_entry e = entry_at(c, n, prod);
	const char *star = strchr(n->s, '*');
	if (star && (star[1] || star == n->s)) {
		LERR_AT(c, n, "ALPN '%s': '*' may only end a prefix (\"anydesk/*\")", n->s);
		return;
	}
	if (!star) {
		add(c, n, NS_ALPN, n->s, &e);
		return;
	}
	char prefix[SIG_NAME_MAX];
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(star - n->s), n->s);
	e.kind = SK_PLAIN;
	e.glob = sig_strdup(c->s, prefix);
	if (!e.glob || sig_scan_add(c->s, &c->s->alpn_prefix, &e) < 0)
		c->oom = true;
}

/* JA4 (FoxIO): a_b_c, a 10 characters, b and c 12 lower-case hex digits. */
static void ja4_pattern(struct lctx *c, const struct ynode *n, uint32_t prod)
{
	const char *p = n->s;
	bool ok = n->len == 36 && p[10] == '_' && p[23] == '_' && strchr("tqd", p[0]);
	for (size_t i = 11; ok && i < 36; i++)
		ok = i == 23 || (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f');
	if (!ok) {
		LERR_AT(c, n, "'%s' is not a JA4 fingerprint (t13d1516h2_8daaf6152771_02713d6af862)",
			p);
		return;
	}
	struct sig_entry e = entry_at(c, n, prod);
	add(c, n, NS_JA4, p, &e);
}

static void ua_pattern(struct lctx *c, const struct ynode *n, uint32_t prod)
{
	struct sig_entry e = entry_at(c, n, prod);
	e.kind = SK_PLAIN;
	e.glob = e.pattern;
	if (strspn(n->s, "*") == n->len)
		LERR_AT(c, n, "user agent '%s' would match every request", n->s);
	else if (sig_scan_add(c->s, &c->s->user_agent, &e) < 0)
		c->oom = true;
}

static void port_pattern(struct lctx *c, const struct ynode *n, uint32_t prod)
{
	char l4[4];
	unsigned port;
	int used = 0;
	if (sscanf(n->s, "%3[a-z]/%5u%n", l4, &port, &used) != 2 || (size_t)used != n->len ||
	    (strcmp(l4, "tcp") && strcmp(l4, "udp")) || port == 0 || port > 65535) {
		LERR_AT(c, n, "port '%s': write tcp/PORT or udp/PORT (\"tcp/5938\")", n->s);
		return;
	}
	struct sig_entry e = entry_at(c, n, prod);
	char key[16];
	snprintf(key, sizeof(key), "%s/%u", l4, port);
	add(c, n, NS_PORT, key, &e);
	c->s->port_named[l4[0] == 'u'][port / 64] |= 1ULL << (port % 64);
}

static void list_pattern(struct lctx *c, const struct ynode *n, uint32_t prod)
{
	struct sig_entry e = entry_at(c, n, prod);
	add(c, n, NS_LIST, n->s, &e);
}

static char *lowered(struct lctx *c, const struct ynode *v, const char *what)
{
	const char *s = scalar(c, v, what);
	if (!s)
		return NULL;
	char buf[SIG_NAME_MAX];
	size_t i = 0;
	for (; s[i] && i + 1 < sizeof(buf); i++)
		buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
	buf[i] = '\0';
	return sig_strdup(c->s, buf);
}

/* {o: ..., ou: ..., cn: ..., in: subject|issuer|either}: all given must hold. */
static void cert_pattern(struct lctx *c, const struct ynode *n, uint32_t prod)
{
	struct sig_entry e = entry_at(c, n, prod);
	e.kind = SK_CERT;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];
		if (strcmp(k->s, "o") == 0)
			e.o = lowered(c, v, "o (organisation)");
		else if (strcmp(k->s, "ou") == 0)
			e.ou = lowered(c, v, "ou (organisational unit)");
		else if (strcmp(k->s, "cn") == 0)
			e.cn = lowered(c, v, "cn (common name)");
		else if (strcmp(k->s, "in") == 0 && v->type == YN_SCALAR &&
			 (!strcmp(v->s, "subject") || !strcmp(v->s, "issuer") || !strcmp(v->s, "either")))
			e.where = !strcmp(v->s, "subject") ? SW_SUBJECT
				  : !strcmp(v->s, "issuer") ? SW_ISSUER : SW_EITHER;
		else
			LERR_AT(c, k, "certificate key '%s': use o, ou, cn (attribute values) and in "
				"(subject, issuer or either)", k->s);
	}
	if (!e.o && !e.ou && !e.cn) {
		LERR_AT(c, n, "a certificate pattern needs o, ou or cn");
		return;
	}
	char ns = e.o ? NS_CERT_O : e.cn ? NS_CERT_CN : NS_CERT_OU;
	const char *key = e.o ? e.o : e.cn ? e.cn : e.ou;
	const struct sig_entry *clash;
	if (sig_index_add(c->s, ns, key, &e, &clash) < 0)
		c->oom = true;
	else if (clash)
		LERR_AT(c, n, "this certificate pattern is already one of %s (%s:%u:%u)",
			c->s->products[clash->product].app, clash->file, clash->line, clash->col);
}

static void certificates(struct lctx *c, const struct ynode *n, uint32_t prod)
{
	if (n->type != YN_SEQ || n->n == 0) {
		LERR_AT(c, n, "certificates must be a list of {o, ou, cn, in} maps");
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->kids[i]->type != YN_MAP)
			LERR_AT(c, n->kids[i], "a certificate pattern is a map: {o: Example Ltd}");
		else
			cert_pattern(c, n->kids[i], prod);
	}
}

/* The match keys of a signature and what each compiles. */
static const struct {
	const char *key, *what;
	void (*each)(struct lctx *, const struct ynode *, uint32_t);
} match_keys[] = {
	{ "hosts", "hosts", host_pattern },
	{ "alpn", "alpn", alpn_pattern },
	{ "ja4", "ja4", ja4_pattern },
	{ "user_agents", "user_agents", ua_pattern },
	{ "ports", "ports", port_pattern },
	{ "address_lists", "address_lists", list_pattern },
};

static void sig_examples(struct lctx *c, const struct ynode *tests, uint32_t prod);

static const char *const sig_keys =
	"product, category, reference, note, hosts, certificates, alpn, ja4, user_agents, "
	"ports, address_lists, tests";

/* One key of a signature; false when it is no key a signature has. */
static bool sig_key(struct lctx *c, const struct ynode *k, const struct ynode *v, uint32_t prod,
		    bool *matches)
{
	for (size_t i = 0; i < ARRAY_SIZE(match_keys); i++) {
		if (strcmp(k->s, match_keys[i].key) == 0) {
			each_scalar(c, v, match_keys[i].what, prod, match_keys[i].each);
			*matches = true;
			return true;
		}
	}
	if (strcmp(k->s, "certificates") == 0) {
		certificates(c, v, prod);
		*matches = true;
		return true;
	}
	if (strcmp(k->s, "tests") == 0)
		return sig_examples(c, v, prod), true;
	return !strcmp(k->s, "product") || !strcmp(k->s, "category") ||
	       !strcmp(k->s, "reference") || !strcmp(k->s, "note");
}

static const char *const fact_keys[SF__COUNT] = {
	[SF_CERT_SUBJECT] = "cert.subject", [SF_CERT_ISSUER] = "cert.issuer",
	[SF_HOST] = "host", [SF_ALPN] = "alpn", [SF_USER_AGENT] = "user_agent",
	[SF_JA4] = "ja4", [SF_PORT] = "port", [SF_LIST] = "list",
};

static int push_example(struct sl_sigs *s, const struct sig_example *x)
{
	if (s->n_examples == s->cap_examples) {
		size_t cap = s->cap_examples ? s->cap_examples * 2 : 64;
		struct sig_example *n = realloc(s->examples, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->examples = n;
		s->cap_examples = cap;
	}
	s->examples[s->n_examples++] = *x;
	return 0;
}

/* One example: the facts of one flow, {host: ..., cert.subject: ...}. */
static void example(struct lctx *c, const struct ynode *n, uint32_t prod, bool want)
{
	struct sig_example x = { .product = prod, .want_match = want, .file = c->file,
				 .line = n->line, .col = n->col };
	if (n->type != YN_MAP || n->n == 0) {
		LERR_AT(c, n, "an example is a map of facts: {host: relay.example.com}");
		return;
	}
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i];
		size_t f = 0;
		while (f < SF__COUNT && strcmp(k->s, fact_keys[f]) != 0)
			f++;
		if (f == SF__COUNT) {
			LERR_AT(c, k, "unknown fact '%s' (known: cert.subject, cert.issuer, host, alpn, "
				"user_agent, ja4, port, list)", k->s);
			continue;
		}
		const char *v = scalar(c, n->kids[i + 1], fact_keys[f]);
		if (v && !(x.facts[f] = sig_strdup(c->s, v)))
			c->oom = true;
	}
	if (push_example(c->s, &x) < 0)
		c->oom = true;
}

static void sig_examples(struct lctx *c, const struct ynode *tests, uint32_t prod)
{
	if (tests->type != YN_MAP) {
		LERR_AT(c, tests, "tests is a map: {match: [...], nomatch: [...]}");
		return;
	}
	for (size_t i = 0; i + 1 < tests->n; i += 2) {
		const struct ynode *k = tests->kids[i], *v = tests->kids[i + 1];
		bool want = strcmp(k->s, "match") == 0;
		if (!want && strcmp(k->s, "nomatch") != 0) {
			LERR_AT(c, k, "unknown key '%s' in tests (match, nomatch)", k->s);
			continue;
		}
		if (v->type != YN_SEQ) {
			LERR_AT(c, v, "%s is a list of examples", k->s);
			continue;
		}
		for (size_t j = 0; j < v->n; j++)
			example(c, v->kids[j], prod, want);
	}
}

static int push_product(struct sl_sigs *s, const struct sl_sig_product *p)
{
	if (s->n_products == s->cap_products) {
		size_t cap = s->cap_products ? s->cap_products * 2 : 32;
		struct sl_sig_product *n = realloc(s->products, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->products = n;
		s->cap_products = cap;
	}
	s->products[s->n_products++] = *p;
	return 0;
}

static bool product_name(const char *p)
{
	if (!*p || !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return false;
	return true;
}

/* product, category and reference: the facts every signature states. */
static bool sig_head(struct lctx *c, const struct ynode *n, const char *family,
		     struct sl_sig_product *p)
{
	const struct ynode *app = ymap_get(n, "product"), *cat = ymap_get(n, "category");
	const struct ynode *ref = ymap_get(n, "reference");
	p->app = app ? scalar(c, app, "product") : NULL;
	p->category = cat ? scalar(c, cat, "category") : family;
	p->reference = ref ? scalar(c, ref, "reference") : NULL;
	if (!app)
		LERR_AT(c, n, "a signature needs product: the name events carry in app (\"anydesk\")");
	else if (p->app && !product_name(p->app))
		LERR_AT(c, app, "product '%s': lower-case letters, digits, '-' and '.'", p->app);
	if (p->category && !is_category(p->category))
		LERR_AT(c, cat ? cat : n, "category '%s': one of remote-access, vpn, anonymizer, "
			"proxy, ip-kvm", p->category);
	if (!ref)
		LERR_AT(c, n, "a signature needs reference: the URL of the public documentation "
			"its patterns come from");
	else if (p->reference && strncmp(p->reference, "https://", 8) &&
		 strncmp(p->reference, "http://", 7))
		LERR_AT(c, ref, "reference must be an http(s) URL");
	return p->app && p->category && p->reference && product_name(p->app) &&
	       is_category(p->category);
}

static void signature(struct lctx *c, const struct ynode *n, const char *family)
{
	struct sl_sig_product p = { .file = c->file, .line = n->line };
	if (n->type != YN_MAP) {
		LERR_AT(c, n, "a signature is a map (product, category, reference, hosts, ...)");
		return;
	}
	if (!sig_head(c, n, family, &p))
		return;
	p.app = sig_strdup(c->s, p.app);
	p.category = sig_strdup(c->s, p.category);
	p.reference = sig_strdup(c->s, p.reference);
	if (!p.app || !p.category || !p.reference || push_product(c->s, &p) < 0) {
		c->oom = true;
		return;
	}
	uint32_t prod = (uint32_t)c->s->n_products - 1;
	bool matches = false;
	for (size_t i = 0; i + 1 < n->n; i += 2)
		if (!sig_key(c, n->kids[i], n->kids[i + 1], prod, &matches))
			LERR_AT(c, n->kids[i], "unknown key '%s' in a signature (known: %s)",
				n->kids[i]->s, sig_keys);
	if (!matches)
		LERR_AT(c, n, "signature of %s matches nothing: give hosts, certificates, alpn, "
			"ja4, user_agents, ports or address_lists", p.app);
}

static void document(struct lctx *c, const struct ynode *doc)
{
	if (doc->type != YN_MAP) {
		LERR_AT(c, doc, "a signature file is a map: family, description, signatures");
		return;
	}
	const struct ynode *fam = ymap_get(doc, "family"), *sigs = ymap_get(doc, "signatures");
	const char *family = fam ? scalar(c, fam, "family") : NULL;
	for (size_t i = 0; i + 1 < doc->n; i += 2) {
		const char *k = doc->kids[i]->s;
		if (strcmp(k, "family") && strcmp(k, "description") && strcmp(k, "signatures"))
			LERR_AT(c, doc->kids[i], "unknown key '%s' (a signature file has family, "
				"description and signatures)", k);
	}
	if (!fam)
		LERR_AT(c, doc, "the file needs family: remote-access, vpn, anonymizer, proxy or "
			"ip-kvm (the default category of its signatures)");
	else if (family && !is_category(family))
		LERR_AT(c, fam, "family '%s': one of remote-access, vpn, anonymizer, proxy, ip-kvm",
			family);
	if (!sigs || sigs->type != YN_SEQ || sigs->n == 0) {
		LERR_AT(c, sigs ? sigs : doc, "signatures must be a non-empty list");
		return;
	}
	for (size_t i = 0; i < sigs->n; i++)
		signature(c, sigs->kids[i], family && is_category(family) ? family : NULL);
}

static void load_text(struct lctx *c, const char *text, size_t len)
{
	struct ydocs d;
	unsigned line = 0, col = 0;
	char msg[400];
	int rc = ydocs_parse(text, len, &d, &line, &col, msg, sizeof(msg));
	if (rc < 0) {
		if (rc == -ENOMEM)
			c->oom = true;
		else
			lerr(c, line, col, "%s", msg);
		return;
	}
	if (d.n != 1)
		lerr(c, 1, 1, "a signature file holds one YAML document (family, signatures), "
		     "not %zu", d.n);
	else
		document(c, d.docs[0]);
	ydocs_free(&d);
}

static int load_file(struct lctx *c, const char *path)
{
	c->file = sig_strdup(c->s, path);
	if (!c->file)
		return -ENOMEM;
	char *buf;
	size_t n;
	int rc = sl_yaml_file_read(path, SIG_FILE_MAX, &buf, &n);
	if (rc == -EFBIG) {
		lerr(c, 0, 0, "the file is larger than 1 MiB; is it really a signature file?");
		return c->oom ? -ENOMEM : 0;
	}
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		lerr(c, 0, 0, "cannot open the signature file: %s", strerror(-rc));
		return rc;
	}
	load_text(c, buf, n);
	free(buf);
	return c->oom ? -ENOMEM : 0;
}

static bool yaml_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && ((l > 4 && !strcmp(n + l - 4, ".yml")) ||
			       (l > 5 && !strcmp(n + l - 5, ".yaml")));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.yml / *.yaml of dir in name order: the same errors, the same
 * first-wins order on every machine. */
static int load_dir(struct lctx *c, const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, NULL);
	if (n < 0)
		return -errno;
	char **names = calloc((size_t)n + 1, sizeof(*names));
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		if (names && yaml_name(list[i]->d_name))
			names[k++] = strdup(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	if (!names)
		return -ENOMEM;
	qsort(names, k, sizeof(*names), cmp_names);
	int rc = 0;
	char path[PATH_MAX];
	for (size_t i = 0; i < k; i++) {
		int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i] ? names[i] : "");
		if (rc == 0 && len >= (int)sizeof(path))
			lerr(c, 0, 0, "%s: the path is too long", dir);
		else if (rc == 0)
			rc = names[i] ? load_file(c, path) : -ENOMEM;
		free(names[i]);
	}
	free(names);
	if (rc == 0 && k == 0) {
		c->file = dir;
		lerr(c, 0, 0, "no *.yml or *.yaml signature files in this directory");
	}
	return rc == -ENOMEM ? rc : 0;
}

static int load_path(struct lctx *c, const char *path)
{
	struct stat st;
	char buf[PATH_MAX];
	if (!path || !*path) {
		if (!sl_find_bundled("products", buf, sizeof(buf))) {
			int e = errno;
			c->file = buf;
			if (e == EACCES)
				lerr(c, 0, 0, "the bundled product signatures are not readable by uid "
				     "%u (a parent directory's mode?): make them readable or give a "
				     "directory with identify.signatures", (unsigned)getuid());
			else
				lerr(c, 0, 0, "the bundled product signatures are missing: give a "
				     "directory with identify.signatures");
			return -e;
		}
		path = buf;
	}
	if (stat(path, &st) < 0) {
		int e = errno;
		c->file = path;
		lerr(c, 0, 0, "cannot read the product signatures: %s", strerror(e));
		return -e;
	}
	return S_ISDIR(st.st_mode) ? load_dir(c, path) : load_file(c, path);
}

void sl_sigs_destroy(struct sl_sigs *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_strs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->products);
	free(s->entries);
	free(s->slots);
	free(s->alpn_prefix.entries);
	free(s->user_agent.entries);
	free(s->examples);
	free(s);
}

int sl_sigs_load(const char *const *paths, size_t n,
		 void (*report)(void *ctx, const struct sl_rule_error *e), void *ctx,
		 struct sl_sigs **out, struct sl_rule_error *err)
{
	struct sl_sigs *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (err)
		memset(err, 0, sizeof(*err));
	struct lctx c = { .s = s, .report = report, .rctx = ctx, .first = err };
	int rc = 0;
	for (size_t i = 0; i < n && rc != -ENOMEM; i++) {
		int r = load_path(&c, paths[i]);
		if (r < 0 && rc == 0)
			rc = r;
	}
	if (rc == 0 && c.errors)
		rc = -EINVAL;
	if (rc < 0) {
		if (err && !err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "cannot load the product signatures: %s",
				 strerror(-rc));
		sl_sigs_destroy(s);
		return rc;
	}
	*out = s;
	return 0;
}
