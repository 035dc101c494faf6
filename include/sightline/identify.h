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

/*
 * How a product (`app`) was decided, strongest first.  A weaker kind never
 * overrides a stronger one; the first claim of a given strength wins.
 */
enum sl_app_source {
	SL_SRC_NONE,
	SL_SRC_PORT,         /* only the port number */
	SL_SRC_ADDRESS_LIST, /* an intel list of the product's addresses */
	SL_SRC_ASSOCIATION,  /* follows a flow of the same host that named the product */
	SL_SRC_DNS,          /* the server's name from an earlier DNS answer */
	SL_SRC_JA4,          /* the client's JA4 fingerprint */
	SL_SRC_USER_AGENT,   /* the client's HTTP user agent */
	SL_SRC_ALPN,         /* a product-specific ALPN */
	SL_SRC_SNI,          /* TLS/QUIC server name or HTTP Host */
	SL_SRC_CERTIFICATE,  /* the server certificate's names */
	SL_SRC_WIRE,         /* the protocol's own framing, validated */
};

/** "port", "address-list", "association", "dns", "ja4", "user-agent", "alpn", "sni",
 * "certificate", "wire". */
const char *sl_app_source_name(enum sl_app_source s);

/**
 * Claim a product for f: app ("anydesk", "openvpn"), category
 * ("remote-access", "vpn", "anonymizer", "proxy", "ip-kvm") and the
 * evidence.  app and category must outlive the flow's event: static
 * strings or a signature set's (reloads retire a set, never free it while
 * the engine runs).  A claim replaces an earlier one only when its
 * source is stronger.  The identification steps below make the claims;
 * exported for them and for tests.
 */
void sl_app_set_product(struct sl_flow *f, const char *app, const char *category,
			enum sl_app_source source);

/** The product of f, or false when none was claimed.  Borrowed, static strings. */
bool sl_app_product(const struct sl_flow *f, const char **app, const char **category,
		    enum sl_app_source *source);

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
 * sensor/identify/product.c), and tunnel.obfuscated with the measures
 * behind it (sensor/identify/obfs.c). */
extern const struct sl_field_table sl_identify_product_fields;
extern const struct sl_field_table sl_identify_fields;

#endif
