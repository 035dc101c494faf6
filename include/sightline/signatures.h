/* Product signatures: the names and facts that identify a product (host
 * name patterns, certificate organisation/common name, ALPN, JA4, user
 * agent, ports, intel lists), loaded from YAML files in rules/products
 * (one file per family) and from the user's own, validated like rules and
 * indexed so a flow's lookups cost a few hash probes.  Implemented in
 * sensor/identify/sig_*.c. */
#ifndef SIGHTLINE_SIGNATURES_H
#define SIGHTLINE_SIGNATURES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sightline/rules.h"

/* What a signature names.  Strings owned by the set. */
struct sl_sig_product {
	const char *app;       /* "anydesk", "nordvpn" */
	const char *category;  /* remote-access, vpn, anonymizer, proxy or ip-kvm */
	const char *reference; /* URL of the public documentation the facts come from */
	const char *file;      /* where it was loaded from, and its line */
	unsigned line;
};

struct sl_sigs;

/**
 * Load the signature files of paths[0..n) (each a .yml/.yaml file or a
 * directory of them; NULL or "" stands for the bundled rules/products).
 * Every error goes to report (FILE:LINE:COL and a sentence), when given.
 * Returns 0, -EINVAL when a file had errors (the first in *err when err is
 * not NULL), or another negative errno.  Caller owns *out; free with
 * sl_sigs_destroy().
 */
int sl_sigs_load(const char *const *paths, size_t n,
		 void (*report)(void *ctx, const struct sl_rule_error *e), void *ctx,
		 struct sl_sigs **out, struct sl_rule_error *err);

/** Free a set.  Accepts NULL. */
void sl_sigs_destroy(struct sl_sigs *s);

/** Number of signatures (one per list item of the files). */
size_t sl_sigs_count(const struct sl_sigs *s);

/**
 * Product of a host name already lower-cased, without a trailing dot or
 * port: exact names, "*.domain" (its subdomains) and "a*b.domain" (a glob
 * within the first label).  One hash probe per label of name; the longest
 * matching suffix wins.  NULL when none.  Borrowed from s.
 */
const struct sl_sig_product *sl_sigs_host(const struct sl_sigs *s, const char *name);

/**
 * Product of a certificate's subject or issuer (RFC 4514 string) by its
 * O, OU and CN attributes; subject tells which of the two dn is.  NULL when
 * none.  Borrowed from s.
 */
const struct sl_sig_product *sl_sigs_cert(const struct sl_sigs *s, const char *dn, bool subject);

/** Product of one ALPN protocol name (exact, or a "prefix*" pattern). */
const struct sl_sig_product *sl_sigs_alpn(const struct sl_sigs *s, const char *alpn);

/** Product of a JA4 client fingerprint (exact). */
const struct sl_sig_product *sl_sigs_ja4(const struct sl_sigs *s, const char *ja4);

/** Product of an HTTP user agent ('*' patterns, case-insensitive). */
const struct sl_sig_product *sl_sigs_user_agent(const struct sl_sigs *s, const char *ua);

/** Product of a server port; l4 is "tcp" or "udp". */
const struct sl_sig_product *sl_sigs_port(const struct sl_sigs *s, const char *l4, uint16_t port);

/** Product of an intel list name the remote address is on. */
const struct sl_sig_product *sl_sigs_list(const struct sl_sigs *s, const char *list);

/**
 * Run the embedded tests (tests: {match: [...], nomatch: [...]}) of every
 * signature in paths[0..n) against the whole set, printing each failure as
 * FILE:LINE:COL to out.  Returns 0 with the counts, or a load error as
 * sl_sigs_load().
 */
int sl_sigs_test(const char *const *paths, size_t n, FILE *out, unsigned *passed,
		 unsigned *failed, struct sl_rule_error *err);

#endif
