/* The identification steps in their order.  Each step claims a product
 * with the strength of its evidence (sl_app_set_product keeps the
 * strongest, and of equal ones the first), so the order decides only
 * between equal claims: the parsers' own framing first (it was seen first,
 * packet by packet), then IP-KVM appliances, then the flow's names, then
 * association with another flow of the same host, which reads the product
 * the others settled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identify_priv.h"
#include "names.h"
#include "sightline/proto.h"
#include "sightline/signatures.h"

/* The signature set: identify.signatures (else the bundled one) and the
 * user's identify.extra_signatures; the first error, FILE:LINE:COL, in err. */
static int load_sigs(const struct sl_config *cfg, struct sl_sigs **out, char *err, size_t errlen)
{
	const char *paths[2] = { cfg->identify.signatures, cfg->identify.extra_signatures };
	size_t n = paths[1] && paths[1][0] ? 2 : 1;
	struct sl_rule_error e;
	int rc = sl_sigs_load(paths, n, NULL, NULL, out, &e);
	if (rc < 0) {
		sl_rule_error_format(&e, err, errlen);
		size_t used = strlen(err);
		snprintf(err + used, errlen - used, " (check with: sightline rules check --products "
			 "PATH)");
	}
	return rc;
}

int sl_identify_create(const struct sl_config *cfg, struct sl_identify **out, char *err,
		       size_t errlen)
{
	struct sl_identify *id = calloc(1, sizeof(*id));
	if (!id) {
		snprintf(err, errlen, "cannot set up identification: out of memory");
		return -ENOMEM;
	}
	int rc = load_sigs(cfg, &id->sigs, err, errlen);
	if (rc < 0)
		goto err;
	rc = sl_identify_ipkvm_init(&id->ipkvm);
	if (rc == 0)
		rc = sl_names_create(id->sigs, &id->names);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set up identification: %s", rc == -ENOMEM ?
			 "out of memory" : "a field it reads is not in the catalogue");
		goto err;
	}
	*out = id;
	return 0;
err:
	sl_identify_destroy(id);
	return rc;
}

void sl_identify_destroy(struct sl_identify *id)
{
	if (!id)
		return;
	sl_names_destroy(id->names);
	sl_sigs_destroy(id->sigs);
	free(id);
}

/* What the parsers' framing named, with the strength it had there. */
static void wire_claim(struct sl_flow *f)
{
	const char *app, *category;
	enum sl_proto_evidence ev;
	if (sl_proto_product_claim(f, &app, &category, &ev))
		sl_app_set_product(f, app, category,
				   ev == SL_PROTO_BY_WIRE ? SL_SRC_WIRE : SL_SRC_PORT);
}

/* The steps of both moments; seen_until: the latest packet time known.
 * The parsers' fields are read through a record of the flow alone, with
 * the enriched record's intel when there is one. */
static void steps(const struct sl_identify *id, struct sl_hosts *hosts, struct sl_flow *f,
		  sl_time_us seen_until, const struct sl_record *enriched)
{
	struct sl_record r = { .flow = f, .event_type = "flow", .remote = -1 };
	if (enriched) {
		r.geo[0] = enriched->geo[0];
		r.geo[1] = enriched->geo[1];
		r.remote = enriched->remote;
	}
	wire_claim(f);
	sl_identify_ipkvm(&id->ipkvm, &r, f);
	sl_names_claim(id->names, &r, sl_hosts_dns_name(hosts, &f->srv), f);
	sl_identify_assoc(hosts, f, seen_until);
}

void sl_identify_inspected(const struct sl_identify *id, struct sl_hosts *hosts, struct sl_flow *f,
			   sl_time_us ts)
{
	steps(id, hosts, f, ts, NULL);
}

void sl_identify_flow_end(const struct sl_identify *id, struct sl_hosts *hosts, struct sl_flow *f,
			  const struct sl_record *enriched)
{
	steps(id, hosts, f, f->last, enriched);
}
