/* The identification steps in their order.  Each step claims a product
 * with the strength of its evidence (sl_app_set_product keeps the
 * strongest, and of equal ones the first), so the order decides only
 * between equal claims: the parsers' own framing first (it was seen first,
 * packet by packet), then IP-KVM appliances, then the flow's names, then
 * association with another flow of the same host, which reads the product
 * the others settled. */
#include <stdio.h>
#include <stdlib.h>

#include "identify_priv.h"
#include "names.h"
#include "sightline/proto.h"

int sl_identify_create(const struct sl_config *cfg, struct sl_identify **out, char *err,
		       size_t errlen)
{
	(void)cfg;
	struct sl_identify *id = calloc(1, sizeof(*id));
	int rc = id ? sl_identify_ipkvm_init(&id->ipkvm) : -ENOMEM;
	if (rc == 0)
		rc = sl_names_create(&id->names);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set up identification: %s", rc == -ENOMEM ?
			 "out of memory" : "a field it reads is not in the catalogue");
		sl_identify_destroy(id);
		return rc;
	}
	*out = id;
	return 0;
}

void sl_identify_destroy(struct sl_identify *id)
{
	if (!id)
		return;
	sl_names_destroy(id->names);
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
 * The parsers' fields are read through a record of the flow alone. */
static void steps(const struct sl_identify *id, struct sl_hosts *hosts, struct sl_flow *f,
		  sl_time_us seen_until)
{
	struct sl_record r = { .flow = f, .event_type = "flow" };
	wire_claim(f);
	sl_identify_ipkvm(&id->ipkvm, &r, f);
	sl_names_claim(id->names, &r, sl_hosts_dns_name(hosts, &f->srv), f);
	sl_identify_assoc(hosts, f, seen_until);
}

void sl_identify_inspected(const struct sl_identify *id, struct sl_hosts *hosts, struct sl_flow *f,
			   sl_time_us ts)
{
	steps(id, hosts, f, ts);
}

void sl_identify_flow_end(const struct sl_identify *id, struct sl_hosts *hosts, struct sl_flow *f)
{
	steps(id, hosts, f, f->last);
}
