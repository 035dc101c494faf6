/* Identification: the product on top of a flow's wire protocol (app,
 * category, app_source) and the generic signs of an obfuscated tunnel,
 * decided from what the parsers found (their fields and the products their
 * own framing names), the flow's names and its hosts' history.  The engine
 * runs the steps in one fixed order when a flow's inspection ends and again
 * when the flow ends.  Implemented in sensor/identify/. */
#ifndef SIGHTLINE_IDENTIFY_H
#define SIGHTLINE_IDENTIFY_H

#include "sightline/config.h"
#include "sightline/field.h"
#include "sightline/flow.h"
#include "sightline/hosts.h"
#include "sightline/product.h"

struct sl_identify;

/**
 * The identification steps with what they read resolved once (catalogue
 * fields) and the product signatures loaded (identify.signatures, else the
 * bundled rules/products, plus identify.extra_signatures); read-only
 * afterwards, so the workers share one.  cfg is only read during the call.
 * Returns 0, -EINVAL (a signature file is wrong: FILE:LINE:COL and the
 * sentence in err), -ENOENT or -ENOMEM.  Caller owns *out; free with
 * sl_identify_destroy().
 */
int sl_identify_create(const struct sl_config *cfg, struct sl_identify **out, char *err,
		       size_t errlen);

/** Free it.  Accepts NULL. */
void sl_identify_destroy(struct sl_identify *id);

/**
 * The inspection of f ended at packet time ts (no parser wants more of its
 * packets, or the limit was reached): claim its product now, in this order,
 * from the products the parsers' framing named, IP-KVM appliances' names
 * and certificates, the flow's server names (the server's DNS name from
 * hosts), certificates and ALPN, and the association of WebRTC media with
 * a signalling flow of the same host (a host that named the signalling
 * service is told to hosts, until ts).  A flow may live on for hours after
 * its inspection: what it names counts from now.  hosts (NULL: nothing
 * known across flows) is read and fed: with workers, hold the engine lock.
 */
void sl_identify_inspected(const struct sl_identify *id, struct sl_hosts *hosts, struct sl_flow *f,
			   sl_time_us ts);

/**
 * f ended, after every parser's flow_end: the same steps as
 * sl_identify_inspected() with the facts the parsers finished at the end
 * (a claim already made stays unless a stronger one comes), and the remote
 * side's intel lists from enriched (a record of f with its geo; NULL: not
 * enriched).  Same locking.
 */
void sl_identify_flow_end(const struct sl_identify *id, struct sl_hosts *hosts, struct sl_flow *f,
			  const struct sl_record *enriched);

/* The identification fields: the product (app, category, app_source;
 * sensor/identify/product_fields.c), and tunnel.obfuscated with the measures
 * behind it (sensor/identify/obfs.c). */
extern const struct sl_field_table sl_identify_product_fields;
extern const struct sl_field_table sl_identify_fields;

#endif
