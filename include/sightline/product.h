/* The record's product and category: what runs on top of a flow's wire
 * protocol (app, category) and how strongly that is known (app_source),
 * one claim kept per flow.  Part of the record stage (sensor/record/
 * product.c); the identification stage makes the claims, the field
 * catalogue, rules, subjects and outputs read them. */
#ifndef SIGHTLINE_PRODUCT_H
#define SIGHTLINE_PRODUCT_H

#include <stdbool.h>

#include "sightline/flow.h"

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
 * source is stronger.  The identification steps (sightline/identify.h) make
 * the claims; parsers and tests read them.
 */
void sl_app_set_product(struct sl_flow *f, const char *app, const char *category,
			enum sl_app_source source);

/** The product of f, or false when none was claimed.  Borrowed, static strings. */
bool sl_app_product(const struct sl_flow *f, const char **app, const char **category,
		    enum sl_app_source *source);

#endif
