/* `sightline rules test` for product signatures: every embedded example is
 * identified against the whole loaded set, so a pattern of another product
 * that shadows this one fails the example too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig_priv.h"

/* The product the facts of one example name, strongest fact first (the
 * order of enum sig_fact follows sl_app_source). */
static const struct sl_sig_product *identify(const struct sl_sigs *s, const struct sig_example *x)
{
	char name[SIG_NAME_MAX], l4[4];
	unsigned port;
	const struct sl_sig_product *p = NULL;
	if (x->facts[SF_CERT_SUBJECT])
		p = sl_sigs_cert(s, x->facts[SF_CERT_SUBJECT], true);
	if (!p && x->facts[SF_CERT_ISSUER])
		p = sl_sigs_cert(s, x->facts[SF_CERT_ISSUER], false);
	if (!p && x->facts[SF_HOST] && sig_normalise_host(x->facts[SF_HOST], name, sizeof(name)))
		p = sl_sigs_host(s, name);
	if (!p && x->facts[SF_ALPN])
		p = sl_sigs_alpn(s, x->facts[SF_ALPN]);
	if (!p && x->facts[SF_USER_AGENT])
		p = sl_sigs_user_agent(s, x->facts[SF_USER_AGENT]);
	if (!p && x->facts[SF_JA4])
		p = sl_sigs_ja4(s, x->facts[SF_JA4]);
	if (!p && x->facts[SF_PORT] && sscanf(x->facts[SF_PORT], "%3[a-z]/%5u", l4, &port) == 2 &&
	    port <= 65535)
		p = sl_sigs_port(s, l4, (uint16_t)port);
	if (!p && x->facts[SF_LIST])
		p = sl_sigs_list(s, x->facts[SF_LIST]);
	return p;
}

int sl_sigs_test(const char *const *paths, size_t n, FILE *out, unsigned *passed,
		 unsigned *failed, struct sl_rule_error *err)
{
	struct sl_sigs *s;
	int rc = sl_sigs_load(paths, n, NULL, NULL, &s, err);
	if (rc < 0)
		return rc;
	*passed = *failed = 0;
	for (size_t i = 0; i < s->n_examples; i++) {
		const struct sig_example *x = &s->examples[i];
		const char *want = s->products[x->product].app;
		const struct sl_sig_product *got = identify(s, x);
		bool same = got && strcmp(got->app, want) == 0;
		if (same == x->want_match) {
			(*passed)++;
			continue;
		}
		(*failed)++;
		fprintf(out, "%s:%u:%u: %s example of %s: identified as %s\n", x->file, x->line,
			x->col, x->want_match ? "match" : "nomatch", want, got ? got->app : "nothing");
	}
	sl_sigs_destroy(s);
	return 0;
}
