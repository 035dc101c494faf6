/* Protocol parsers ("fingerprinters"): one file per protocol in
 * sensor/proto/, each exporting one `const struct sl_proto sl_proto_<name>`,
 * all listed in the single table of sensor/proto/registry.c.
 *
 * How a flow is inspected (sensor/proto/dispatch.c):
 *  - Only the first packets of a flow are offered (proto.inspect_tcp /
 *    inspect_udp in the config; other IP protocols such as ESP and GRE
 *    use inspect_udp); after that the flow is only counted.
 *  - For each packet, every parser whose l4 matches and that has not finished
 *    or declined this flow is offered it: first through probe() (cheap, no
 *    state), and once probe() says yes, a zeroed state of state_size bytes is
 *    allocated for this flow and packet() is called for this and later packets.
 *  - Parsers are decisive: a parser that has been offered the first payload
 *    of both directions and whose probe() said no to every packet so far
 *    declines the flow for good.  A protocol whose start may legitimately
 *    come later says so with probe_budget.  When no parser is left, the
 *    flow's inspection ends at once and the flow is only counted.
 *  - packet() answers MORE (keep feeding me), DONE (I have what I need; keep my
 *    state for output) or NOT_MINE (release my state; never offer again).
 *  - When the flow ends, flow_end() runs (state still valid), the flow event is
 *    written (field getters read the state through sl_record_state()), then
 *    release() frees anything the state points to and the state is returned.
 *
 * Parsers report facts and decide nothing beyond their wire format: the
 * protocol (sl_app_identify), the product their framing names
 * (sl_proto_claim_product), what a packet taught about hosts
 * (sl_proto_learn: DNS answers, DHCP clients, overlay peers).  Products
 * from names, certificates and associations are the identification
 * stage's (include/sightline/identify.h); knowledge across flows is the
 * hosts table's (include/sightline/hosts.h), which the engine owns and
 * guards.  A parser's global context (create()) belongs to one dispatcher,
 * that is one engine thread: it holds settings and scratch, nothing that
 * other flows read.
 */
#ifndef SIGHTLINE_PROTO_H
#define SIGHTLINE_PROTO_H

#include "sightline/config.h"
#include "sightline/decode.h"
#include "sightline/field.h"
#include "sightline/flow.h"
#include "sightline/hosts.h"

#define SL_L4_TCP 0x1
#define SL_L4_UDP 0x2
#define SL_L4_OTHER 0x4 /* any IP protocol but TCP and UDP (ESP, GRE...); UDP's inspection limit */

enum sl_proto_verdict {
	SL_PROTO_MORE,     /* feed me the next packets */
	SL_PROTO_DONE,     /* finished; keep my state for the flow event */
	SL_PROTO_NOT_MINE, /* not my protocol after all: drop my state */
};

/*
 * What the engine lends the dispatcher for the hosts table: learn applies a
 * fact (under the engine's lock), overlay_channel answers the one question
 * a parser asks about other flows (sl_hosts_overlay_channel()).  Either may
 * be NULL: facts are dropped, the answer is no.
 */
struct sl_proto_hosts {
	void (*learn)(void *ctx, const struct sl_host_fact *fact);
	bool (*overlay_channel)(void *ctx, const struct sl_packet *pkt);
	void *ctx;
};

/* What a parser sees for one packet.  Everything is borrowed for the call. */
struct sl_proto_pkt {
	const struct sl_packet *pkt; /* decoded packet; payload/payload_len may be 0 */
	struct sl_flow *flow;        /* the parser may call sl_app_identify(), sl_app_set_rtt()
				      * and sl_proto_claim_product() below */
	enum sl_dir dir;             /* SL_DIR_TOSERVER = from the client */
	uint64_t index;              /* 0-based position of this packet in the flow */
	void *global;                /* the parser's global context (create()), or NULL */
	const struct sl_proto_hosts *hosts; /* for sl_proto_learn(); may be NULL */
};

struct sl_proto {
	const char *name;          /* wire protocol, also the app_proto value: "tls" */
	uint8_t l4;                /* SL_L4_TCP | SL_L4_UDP | SL_L4_OTHER */
	bool all_packets;          /* offer packets without payload too (e.g. TCP handshake) */
	uint16_t state_size;       /* bytes of per-flow state, zeroed before the first packet() */
	/* Packets of a flow (by index from its first) during which probe() is
	 * still asked after the first payload of both directions said no:
	 * 0 (most parsers) decides on those first payloads; a protocol that
	 * may start later in a flow declares how much later here. */
	uint16_t probe_budget;

	/* Global setup (settings, scratch and caches of this dispatcher, never
	 * shared with another).  Optional.  Returns 0 or -errno with a sentence
	 * in err; *global is passed back in every call. */
	int (*create)(const struct sl_config *cfg, void **global, char *err, size_t errlen);
	void (*destroy)(void *global);

	/* Cheap test whether this packet could start the protocol.  Optional:
	 * without it every matching packet goes straight to packet(). */
	bool (*probe)(const struct sl_proto_pkt *pp);
	enum sl_proto_verdict (*packet)(void *state, const struct sl_proto_pkt *pp);
	/* Optional: the flow is ending; finish derived values (hashes...). */
	void (*flow_end)(void *state, const struct sl_flow *flow, void *global);
	/* Optional: no more packets will be offered (the inspection limit was
	 * reached while this parser still wanted some).  Free transient
	 * buffers; keep what the fields report. */
	void (*inspect_end)(void *state);
	/* Optional: free what state points to (not state itself). */
	void (*release)(void *state);

	const struct sl_field_table *fields; /* what it adds to the flow record, or NULL */
};

/* The registry (sensor/proto/registry.c): the one list of parsers. */
size_t sl_proto_count(void);
/** Parser at index i (borrowed, static), NULL past the end. */
const struct sl_proto *sl_proto_at(size_t i);
/** Registry index of p, or -1. */
int sl_proto_index(const struct sl_proto *p);

/* The app_proto field: the parser that identified the flow (registry.c). */
extern const struct sl_field_table sl_proto_fields;

/**
 * Mark the flow as identified as protocol p (its name becomes app_proto).
 * The first parser to call this wins; later calls are ignored.
 */
void sl_app_identify(struct sl_flow *f, const struct sl_proto *p);

/**
 * Application-handshake round trip (e.g. TLS: server's last handshake flight
 * to the client's next flight), in microseconds.  Parsers that measure it
 * call this once; rtt.app_ms and rtt.gap_ms are derived from it.
 */
void sl_app_set_rtt(struct sl_flow *f, uint64_t us);

/* How a parser's own framing names the product on top of its protocol. */
enum sl_proto_evidence {
	SL_PROTO_BY_PORT = 1, /* only the port number */
	SL_PROTO_BY_WIRE,     /* the protocol's own framing, validated */
};

/**
 * The parser's framing names the product: app ("anydesk", "openvpn") and
 * category ("remote-access", "vpn"), static strings (borrowed for the life
 * of the process).  The identification stage weighs this claim with the
 * flow's other facts (include/sightline/identify.h); of several claims the
 * strongest stays, of equal ones the first.  Only while the parser holds
 * state for f (in packet()).
 */
void sl_proto_claim_product(struct sl_flow *f, const char *app, const char *category,
			    enum sl_proto_evidence ev);

/** The product the parsers' framing claimed for f, or false.  Borrowed, static strings. */
bool sl_proto_product_claim(const struct sl_flow *f, const char **app, const char **category,
			    enum sl_proto_evidence *ev);

/** The application round trip of f if a parser measured one (microseconds). */
bool sl_app_rtt(const struct sl_flow *f, uint64_t *us);

/**
 * The state of parser p for the flow behind r, or NULL when p never took the
 * flow.  Borrowed: valid while the record is.  For field getters.
 */
const void *sl_record_state(const struct sl_record *r, const struct sl_proto *p);

/**
 * The state of parser p for flow f, or NULL: for a parser that builds on
 * another's facts while packets arrive.  Borrowed: valid until the flow ends.
 */
const void *sl_flow_state(const struct sl_flow *f, const struct sl_proto *p);

/**
 * The client's initial sequence number, from the TCP parser's handshake
 * state: false when no client SYN was seen (flow picked up later, or a
 * simultaneous open).
 */
bool sl_tcp_client_isn(const struct sl_flow *f, uint32_t *isn);

/** Bit i set: parser i (registry order, sl_proto_at()) holds state for r's flow. */
uint64_t sl_record_states(const struct sl_record *r);

/**
 * Tell the hosts table what pp's packet taught (a DNS answer's address, a
 * DHCP client, an overlay meta connection): the one way a parser feeds
 * knowledge to other flows.  Applied at once; fact is borrowed for the call.
 */
void sl_proto_learn(const struct sl_proto_pkt *pp, const struct sl_host_fact *fact);

/**
 * Whether pp's packet runs between the two hosts of a known overlay meta
 * connection, on the meta server's port (include/sightline/hosts.h).
 */
bool sl_proto_overlay_channel(const struct sl_proto_pkt *pp);

/* Inspection engine (sensor/proto/dispatch.c), used by the engine. */
struct sl_dispatch;

/**
 * Create every parser's global context.  cfg and hosts (NULL: the parsers
 * learn nothing across flows) are borrowed and must outlive the
 * dispatcher.  One dispatcher per engine thread.  Returns 0 or -errno with
 * the parser's sentence in err.  Caller owns *out; free with
 * sl_dispatch_destroy().
 */
int sl_dispatch_create(const struct sl_config *cfg, const struct sl_proto_hosts *hosts,
		       struct sl_dispatch **out, char *err, size_t errlen);
/** Destroy global contexts.  Flows must have been ended first.  Accepts NULL. */
void sl_dispatch_destroy(struct sl_dispatch *d);
/**
 * Offer one packet of flow f to the parsers (bounded by the inspection
 * limits).  Returns true when this packet ended the flow's inspection (no
 * parser wants more, or the limit was reached; f->inspect_done is set): the
 * caller then runs what depends on the inspected facts and calls
 * sl_dispatch_inspection_end().
 */
bool sl_dispatch_packet(struct sl_dispatch *d, struct sl_flow *f, const struct sl_packet *pkt,
			enum sl_dir dir);
/**
 * After sl_dispatch_packet() returned true: parsers that still waited for
 * packets (the limit cut a handshake off) drop their scratch buffers.
 */
void sl_dispatch_inspection_end(struct sl_dispatch *d, struct sl_flow *f);
/**
 * Has the parser that identified f (f->app_proto) finished it (answered
 * SL_PROTO_DONE)?  Its facts and the product its framing named are then
 * settled, though other parsers may still be offered packets.
 */
bool sl_dispatch_identified_done(const struct sl_flow *f);
/**
 * May a parser still complete facts of f at its end: does a parser hold
 * state for f that neither finished nor declined it and has a flow_end hook
 * (an HTTP head cut off by the inspection limit is parsed there)?  Reads f
 * only.
 */
bool sl_dispatch_end_pending(const struct sl_flow *f);
/** The flow is ending: run flow_end() of every parser that holds state. */
void sl_dispatch_flow_end(struct sl_dispatch *d, struct sl_flow *f);
/** After the flow event is written: release and free all parser state of f. */
void sl_dispatch_flow_free(struct sl_dispatch *d, struct sl_flow *f);

struct sl_dispatch_stats {
	uint64_t states;       /* parser states allocated */
	/* Bytes of per-flow parser state in use now, as the allocator counts
	 * them (the flow's parser block and each parser's state, with their
	 * allocator overhead; not the buffers a parser holds while it reads a
	 * handshake), and the peak. */
	uint64_t state_bytes;
	uint64_t state_bytes_max;
	uint64_t alloc_failures; /* state not allocated: that parser skipped the flow */
	uint64_t offers;         /* packets offered to a parser (probe() or packet()) */
	uint64_t declines;       /* of those, answered no (probe() false or NOT_MINE) */
	/* flows whose inspection ended because no parser wanted more, before the
	 * inspection limit */
	uint64_t inspections_decided;
};
/** Borrowed: valid until the dispatcher is destroyed. */
const struct sl_dispatch_stats *sl_dispatch_stats(const struct sl_dispatch *d);

#endif
