/* The identification stage's steps, shared by the files of sensor/identify. */
#ifndef SIGHTLINE_IDENTIFY_PRIV_H
#define SIGHTLINE_IDENTIFY_PRIV_H

#include <errno.h>

#include "sightline/identify.h"

struct sl_names;
struct sl_sigs;

/* The fields IP-KVM identification reads (ipkvm.c). */
enum {
	SL_IPKVM_F_URI,
	SL_IPKVM_F_HOST,
	SL_IPKVM_F_SUBJECT,
	SL_IPKVM_F_ISSUER,
	SL_IPKVM_F_MDNS,
	SL_IPKVM_F_VENDOR,
	SL_IPKVM_F__COUNT
};

struct sl_identify_ipkvm {
	const struct sl_field *f[SL_IPKVM_F__COUNT];
};

struct sl_identify {
	struct sl_identify_ipkvm ipkvm;
	struct sl_sigs *sigs;
	struct sl_names *names;
};

/* Resolve the catalogue fields of k.  0, or -ENOENT when one is missing. */
int sl_identify_ipkvm_init(struct sl_identify_ipkvm *k);

/* IP-KVM appliances: claim f's product from r's fields when the IP-KVM
 * collector looked at the flow. */
void sl_identify_ipkvm(const struct sl_identify_ipkvm *k, const struct sl_record *r,
		       struct sl_flow *f);

/* What kind of flow evidence stands on (evidence.c). */
enum sl_evidence_flow { SL_EVIDENCE_OTHER, SL_EVIDENCE_TUNNEL, SL_EVIDENCE_SERVICE };

/* Tunnel-capable (a VPN protocol's handshake, a long encrypted session),
 * plain service (DNS, ICMP, NTP, mail, plain HTTP) or other. */
enum sl_evidence_flow sl_evidence_flow_kind(const struct sl_flow *f);

/* Getters of evidence.tier, .flow, .lists, .as_lists, .flags (evidence.c). */
bool sl_evidence_get_tier(const struct sl_record *r, struct sl_value *v);
bool sl_evidence_get_flow(const struct sl_record *r, struct sl_value *v);
bool sl_evidence_get_lists(const struct sl_record *r, struct sl_value *v);
bool sl_evidence_get_as_lists(const struct sl_record *r, struct sl_value *v);
bool sl_evidence_get_flags(const struct sl_record *r, struct sl_value *v);

/* Association of WebRTC media with a signalling flow of the same host
 * (assoc.c); seen_until: the latest packet time known of f. */
void sl_identify_assoc(struct sl_hosts *hosts, struct sl_flow *f, sl_time_us seen_until);

#endif
