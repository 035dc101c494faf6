/* Internals of the product signature set (sig_load.c, sig_index.c,
 * sig_test.c): the products, the match entries and their hash index. */
#ifndef SENSOR_IDENTIFY_SIG_PRIV_H
#define SENSOR_IDENTIFY_SIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sightline/signatures.h"
#include "sightline/yaml_tree.h"

#define SIG_FILE_MAX (1u << 20) /* bytes of one signature file */
#define SIG_NAME_MAX 256        /* a host name or certificate value, with its NUL */

/* Namespaces of the hash index: one table holds every kind of key. */
enum sig_ns {
	NS_HOST = 'h',   /* a host pattern's fixed suffix ("anydesk.com") */
	NS_CERT_O = 'o', /* certificate attribute values, lower case */
	NS_CERT_OU = 'u',
	NS_CERT_CN = 'c',
	NS_ALPN = 'a',
	NS_JA4 = 'j',
	NS_PORT = 'p',   /* "tcp/5938" */
	NS_LIST = 'l',
};

enum sig_kind {
	SK_HOST_EXACT, /* the name is the key */
	SK_HOST_SUB,   /* "*.key": any name ending in ".key" */
	SK_HOST_GLOB,  /* "glob.key": one first label matching glob, then key */
	SK_CERT,       /* every one of o/ou/cn present in the same DN */
	SK_PLAIN,      /* ALPN, JA4, port, list: the key itself */
};

enum sig_where { SW_EITHER, SW_SUBJECT, SW_ISSUER };

struct sig_entry {
	uint32_t product;
	uint32_t next;        /* next entry of the same key + 1; 0 ends the chain */
	uint8_t kind, where;
	const char *glob;     /* SK_HOST_GLOB: the first label's pattern */
	const char *o, *ou, *cn; /* SK_CERT: required attribute values (NULL: any) */
	const char *pattern;  /* as written, for messages */
	const char *file;
	unsigned line, col;
};

struct sig_slot {
	char ns;
	const char *key;  /* NULL: empty slot */
	uint32_t head;    /* first entry + 1 */
	uint32_t tail;    /* last entry + 1 (appending keeps file order) */
};

/* A pattern looked at one by one (ALPN prefixes, user agents): few exist. */
struct sig_scan {
	uint32_t *entries;
	size_t n, cap;
};

/* One embedded example of a signature. */
struct sig_example {
	uint32_t product;
	bool want_match;
	const char *file;
	unsigned line, col;
	const char *facts[8]; /* by enum sig_fact; NULL: not given */
};

enum sig_fact {
	SF_CERT_SUBJECT, SF_CERT_ISSUER, SF_HOST, SF_ALPN, SF_USER_AGENT, SF_JA4, SF_PORT, SF_LIST,
	SF__COUNT
};

struct sl_sigs {
	struct sl_sig_product *products;
	size_t n_products, cap_products;
	struct sig_entry *entries;
	size_t n_entries, cap_entries;
	struct sig_slot *slots;
	size_t n_slots, used_slots;   /* n_slots: a power of two */
	struct sig_scan alpn_prefix, user_agent;
	/* Bit per port of [0] tcp, [1] udp that some signature names: every
	 * TCP and UDP flow asks for its port twice, and most ports are in no
	 * signature, so most asks end here without building and hashing a key. */
	uint64_t port_named[2][65536 / 64];
	char **strs;                  /* every string the set owns */
	size_t n_strs, cap_strs;
	struct sig_example *examples;
	size_t n_examples, cap_examples;
};

/* Copy s into the set's strings; NULL on out of memory. */
char *sig_strdup(struct sl_sigs *s, const char *str);
/* Add an entry to the index under (ns, key); *clash is set to an entry of
 * the same key and pattern when one exists (nothing is added then).
 * 0, or -ENOMEM. */
int sig_index_add(struct sl_sigs *s, char ns, const char *key, const struct sig_entry *e,
		  const struct sig_entry **clash);
/* Add an entry examined one by one (ALPN prefix, user agent). 0 or -ENOMEM. */
int sig_scan_add(struct sl_sigs *s, struct sig_scan *scan, const struct sig_entry *e);
/* A host name lower-cased, without ":port", path or trailing dots, into
 * out (cap bytes); false when empty or too long. */
bool sig_normalise_host(const char *in, char *out, size_t cap);
/* '*' matches any run of characters (within one label when in_label);
 * ASCII case-insensitive. */
bool sig_glob(const char *p, const char *s, bool in_label);

#endif
