/* The product signatures' index and lookups: one open-addressing hash table
 * keyed by (namespace, text).  A host name costs one probe per label (its
 * suffixes, longest first), a certificate one probe per O/OU/CN attribute,
 * ALPN, JA4, port and list one probe each; only ALPN prefixes and user-agent
 * patterns, rare, are scanned. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sig_priv.h"

static uint64_t hash_key(char ns, const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ (uint8_t)ns; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)key[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot of (ns, key[0..len)), or the empty slot where it would go. */
static struct sig_slot *find_slot(const struct sl_sigs *s, char ns, const char *key, size_t len)
{
	size_t mask = s->n_slots - 1;
	for (size_t i = hash_key(ns, key, len) & mask;; i = (i + 1) & mask) {
		struct sig_slot *sl = &s->slots[i];
		if (!sl->key || (sl->ns == ns && strncmp(sl->key, key, len) == 0 && !sl->key[len]))
			return sl;
	}
}

static int grow(struct sl_sigs *s)
{
	size_t n = s->n_slots ? s->n_slots * 2 : 256;
	struct sig_slot *old = s->slots, *fresh = calloc(n, sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	size_t old_n = s->n_slots;
	s->slots = fresh;
	s->n_slots = n;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].key)
			*find_slot(s, old[i].ns, old[i].key, strlen(old[i].key)) = old[i];
	free(old);
	return 0;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_pattern(const struct sig_entry *a, const struct sig_entry *b)
{
	return a->kind == b->kind && a->where == b->where && same_str(a->glob, b->glob) &&
	       same_str(a->o, b->o) && same_str(a->ou, b->ou) && same_str(a->cn, b->cn);
}

static int push_entry(struct sl_sigs *s, const struct sig_entry *e)
{
	if (s->n_entries == s->cap_entries) {
		size_t cap = s->cap_entries ? s->cap_entries * 2 : 64;
		struct sig_entry *n = realloc(s->entries, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->entries = n;
		s->cap_entries = cap;
	}
	s->entries[s->n_entries++] = *e;
	return 0;
}

int sig_index_add(struct sl_sigs *s, char ns, const char *key, const struct sig_entry *e,
		  const struct sig_entry **clash)
{
	*clash = NULL;
	if ((s->used_slots + 1) * 2 > s->n_slots && grow(s) < 0)
		return -ENOMEM;
	struct sig_slot *sl = find_slot(s, ns, key, strlen(key));
	for (uint32_t i = sl->key ? sl->head : 0; i; i = s->entries[i - 1].next) {
		if (same_pattern(&s->entries[i - 1], e)) {
			*clash = &s->entries[i - 1];
			return 0;
		}
	}
	if (!sl->key) {
		const char *k = sig_strdup(s, key);
		if (!k)
			return -ENOMEM;
		*sl = (struct sig_slot){ .ns = ns, .key = k };
		s->used_slots++;
	}
	if (push_entry(s, e) < 0)
		return -ENOMEM;
	uint32_t idx = (uint32_t)s->n_entries;
	s->entries[idx - 1].next = 0;
	if (sl->tail)
		s->entries[sl->tail - 1].next = idx;
	else
		sl->head = idx;
	sl->tail = idx;
	return 0;
}

int sig_scan_add(struct sl_sigs *s, struct sig_scan *scan, const struct sig_entry *e)
{
	if (scan->n == scan->cap) {
		size_t cap = scan->cap ? scan->cap * 2 : 8;
		uint32_t *n = realloc(scan->entries, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		scan->entries = n;
		scan->cap = cap;
	}
	if (push_entry(s, e) < 0)
		return -ENOMEM;
	scan->entries[scan->n++] = (uint32_t)s->n_entries - 1;
	return 0;
}

/* The chain of (ns, key[0..len)): its first entry + 1, or 0. */
static uint32_t chain(const struct sl_sigs *s, char ns, const char *key, size_t len)
{
	if (!s || !s->n_slots)
		return 0;
	const struct sig_slot *sl = find_slot(s, ns, key, len);
	return sl->key ? sl->head : 0;
}

bool sig_glob(const char *p, const char *s, bool in_label)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			for (const char *t = s;; t++) {
				if (sig_glob(p + 1, t, in_label))
					return true;
				if (!*t || (in_label && *t == '.'))
					return false;
			}
		}
		if (tolower((unsigned char)*p) != tolower((unsigned char)*s))
			return false;
	}
	return !*s;
}

bool sig_normalise_host(const char *in, char *out, size_t cap)
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

static const struct sl_sig_product *product_of(const struct sl_sigs *s, uint32_t entry)
{
	return &s->products[s->entries[entry].product];
}

/* Entries of one suffix: exact names only for the whole name (at == 0);
 * "*.key" for any longer name; a glob when the rest is one label. */
static const struct sl_sig_product *host_at(const struct sl_sigs *s, const char *name, size_t at)
{
	const char *suffix = name + at;
	for (uint32_t i = chain(s, NS_HOST, suffix, strlen(suffix)); i; i = s->entries[i - 1].next) {
		const struct sig_entry *e = &s->entries[i - 1];
		char label[SIG_NAME_MAX];
		if (e->kind == SK_HOST_EXACT && at == 0)
			return product_of(s, i - 1);
		if (e->kind == SK_HOST_SUB && at > 0)
			return product_of(s, i - 1);
		if (e->kind == SK_HOST_GLOB && at > 1 && !memchr(name, '.', at - 1)) {
			memcpy(label, name, at - 1);
			label[at - 1] = '\0';
			if (sig_glob(e->glob, label, true))
				return product_of(s, i - 1);
		}
	}
	return NULL;
}

const struct sl_sig_product *sl_sigs_host(const struct sl_sigs *s, const char *name)
{
	if (!name || !*name || strlen(name) >= SIG_NAME_MAX)
		return NULL;
	for (size_t at = 0;;) {
		const struct sl_sig_product *p = host_at(s, name, at);
		if (p)
			return p;
		const char *dot = strchr(name + at, '.');
		if (!dot)
			return NULL;
		at = (size_t)(dot - name) + 1;
	}
}

#define DN_ATTRS_MAX 16

struct dn_attr {
	char ns;
	char value[SIG_NAME_MAX];
};

/* Split an RFC 4514 string into its O, OU and CN values, unescaped and
 * lower-cased; other attribute types are passed over. */
static size_t dn_parse(const char *dn, struct dn_attr *out, size_t max)
{
	size_t n = 0;
	for (const char *p = dn; *p && n < max;) {
		size_t tl = strcspn(p, "=,+");
		char ns = tl == 1 && (p[0] == 'O' || p[0] == 'o')	      ? NS_CERT_O
			  : tl == 2 && strncasecmp(p, "OU", 2) == 0 ? NS_CERT_OU
			  : tl == 2 && strncasecmp(p, "CN", 2) == 0 ? NS_CERT_CN
								    : 0;
		p += tl;
		size_t vl = 0;
		if (*p == '=')
			for (p++; *p && *p != ',' && *p != '+'; p++) {
				if (*p == '\\' && p[1])
					p++;
				if (vl + 1 < sizeof(out[n].value))
					out[n].value[vl++] = (char)tolower((unsigned char)*p);
			}
		if (ns && vl) {
			out[n].ns = ns;
			out[n].value[vl] = '\0';
			n++;
		}
		if (*p)
			p++;
	}
	return n;
}

static bool dn_has(const struct dn_attr *a, size_t n, char ns, const char *want)
{
	if (!want)
		return true;
	for (size_t i = 0; i < n; i++)
		if (a[i].ns == ns && strcmp(a[i].value, want) == 0)
			return true;
	return false;
}

const struct sl_sig_product *sl_sigs_cert(const struct sl_sigs *s, const char *dn, bool subject)
{
	struct dn_attr a[DN_ATTRS_MAX];
	size_t n = dn ? dn_parse(dn, a, DN_ATTRS_MAX) : 0;
	for (size_t k = 0; k < n; k++) {
		for (uint32_t i = chain(s, a[k].ns, a[k].value, strlen(a[k].value)); i;
		     i = s->entries[i - 1].next) {
			const struct sig_entry *e = &s->entries[i - 1];
			if ((e->where == SW_SUBJECT && !subject) || (e->where == SW_ISSUER && subject))
				continue;
			if (dn_has(a, n, NS_CERT_O, e->o) && dn_has(a, n, NS_CERT_OU, e->ou) &&
			    dn_has(a, n, NS_CERT_CN, e->cn))
				return product_of(s, i - 1);
		}
	}
	return NULL;
}

static const struct sl_sig_product *plain(const struct sl_sigs *s, char ns, const char *key)
{
	uint32_t i = key && *key ? chain(s, ns, key, strlen(key)) : 0;
	return i ? product_of(s, i - 1) : NULL;
}

const struct sl_sig_product *sl_sigs_alpn(const struct sl_sigs *s, const char *alpn)
{
	const struct sl_sig_product *p = plain(s, NS_ALPN, alpn);
	for (size_t i = 0; !p && alpn && s && i < s->alpn_prefix.n; i++) {
		const struct sig_entry *e = &s->entries[s->alpn_prefix.entries[i]];
		if (strncmp(alpn, e->glob, strlen(e->glob)) == 0)
			p = product_of(s, s->alpn_prefix.entries[i]);
	}
	return p;
}

const struct sl_sig_product *sl_sigs_ja4(const struct sl_sigs *s, const char *ja4)
{
	return plain(s, NS_JA4, ja4);
}

const struct sl_sig_product *sl_sigs_user_agent(const struct sl_sigs *s, const char *ua)
{
	for (size_t i = 0; ua && s && i < s->user_agent.n; i++)
		if (sig_glob(s->entries[s->user_agent.entries[i]].glob, ua, false))
			return product_of(s, s->user_agent.entries[i]);
	return NULL;
}

const struct sl_sig_product *sl_sigs_port(const struct sl_sigs *s, const char *l4, uint16_t port)
{
	char key[16], digits[5];
	size_t n = strlen(l4), nd = 0;
	if (n > sizeof(key) - 7) /* "tcp" or "udp": never */
		return NULL;
	bool tcp = strcmp(l4, "tcp") == 0, udp = !tcp && strcmp(l4, "udp") == 0;
	if (s && (tcp || udp) && !(s->port_named[udp][port / 64] >> (port % 64) & 1))
		return NULL; /* only port_pattern() adds port keys, and it sets the bit */
	do /* no snprintf: every TCP and UDP flow asks, at inspection end and flow end */
		digits[nd++] = (char)('0' + port % 10);
	while (port /= 10);
	memcpy(key, l4, n);
	key[n++] = '/';
	while (nd)
		key[n++] = digits[--nd];
	key[n] = '\0';
	return plain(s, NS_PORT, key);
}

const struct sl_sig_product *sl_sigs_list(const struct sl_sigs *s, const char *list)
{
	return plain(s, NS_LIST, list);
}

size_t sl_sigs_count(const struct sl_sigs *s)
{
	return s ? s->n_products : 0;
}
