/* The flow table: bidirectional flows in fixed-size records, a symmetric
 * seeded hash, per-state timeouts driven by packet time, a hard cap that
 * gives up embryonic flows before established ones, and Community ID v1. */
#ifndef SIGHTLINE_FLOW_H
#define SIGHTLINE_FLOW_H

#include "sightline/common.h"
#include "sightline/config.h"
#include "sightline/decode.h"

enum sl_flow_state {
	SL_FLOW_NEW,         /* one direction seen (TCP: SYN without completed handshake) */
	SL_FLOW_ESTABLISHED, /* both directions seen (TCP: handshake done or mid-stream data both ways) */
	SL_FLOW_CLOSING,     /* TCP: a FIN seen */
	SL_FLOW_CLOSED       /* TCP: FIN both ways, or RST */
};

enum sl_flow_reason {
	SL_END_NONE,
	SL_END_FIN,      /* TCP closed with FIN both ways */
	SL_END_RST,      /* TCP reset */
	SL_END_TIMEOUT,  /* idle longer than its state's timeout (packet time) */
	SL_END_EVICTED,  /* table full: made room (embryonic flows first, then idle sessions) */
	SL_END_SHUTDOWN  /* end of input or a signal */
};

/* Direction of a packet within its flow. */
enum sl_dir { SL_DIR_TOSERVER = 0, SL_DIR_TOCLIENT = 1 };

/*
 * One flow.  The client is the side that sent the first SYN (TCP), else the
 * source of the first packet; a flow first seen at its SYN/ACK takes the
 * SYN/ACK's destination as client.  Records live in one slab allocated at
 * table creation and are reused; protocol modules keep their own per-flow
 * state elsewhere (STYLE.md: no per-protocol unions here).
 */
/* A source of packets: the capture interface (a live interface, a pcapng
 * interface's if_name) and the capture file, each NULL when there is none. */
struct sl_flow_src {
	const char *iface;
	const char *file;
};

struct sl_flow {
	struct sl_addr cli, srv;
	uint16_t cport, sport;     /* ICMP: type and counterpart type (key only, not output) */
	uint8_t proto;
	uint8_t state;             /* enum sl_flow_state */
	uint8_t reason;            /* enum sl_flow_reason, set when the flow ends */
	uint8_t tclass;            /* timeout class (internal) */
	uint8_t icmp_type, icmp_code; /* first ICMP message of the flow */
	uint8_t icmp_error_type, icmp_error_code; /* first ICMP error quoting the flow */
	uint16_t icmp_errors;      /* ICMP/ICMPv6 errors quoting the flow (saturates) */
	uint8_t tcp_flags[2];      /* TCP flags seen, OR-ed, per direction */
	uint8_t vlan_count;
	bool fin[2];               /* FIN seen per direction */
	uint16_t vlan[2];
	/* One byte each, kept here where they fill the gap before flow_id (a
	 * record per concurrent flow: every 8 bytes is 8 MB at a million). */
	uint8_t app_source;        /* enum sl_app_source of product (below) */
	uint8_t app_proto;         /* registry index + 1 of the identified protocol; 0 = none */
	bool inspect_done;         /* no parser wants more packets of this flow */
	uint8_t inspect_firsts;    /* bit d: the first payload of direction d was offered to
				    * the parsers (internal, sensor/proto/dispatch.c) */
	/* Owned by the engine (sensor/engine/stage.c): the settle stage whose
	 * rules last ran (enum sl_settle; 0: none yet) and whether facts were
	 * still open then. */
	uint8_t stage;
	bool stage_unsettled;      /* those rules ran while a parser could still complete
				    * facts at the flow's end: the end runs them again */
	uint64_t flow_id;          /* stable 53-bit id (fits a JSON number exactly) */
	sl_time_us first, last;    /* its first packet's time, its latest packet time */
	sl_time_us seen;           /* the capture clock at its latest packet (internal):
				    * idle time is measured from here */
	uint64_t pkts[2], bytes[2]; /* indexed by enum sl_dir; bytes = IP length */
	struct sl_tunnel tunnel;
	/* Where its first packet was read: interface (in_iface) and capture
	 * file (pcap_filename); NULL: neither known.  Borrowed from the engine,
	 * which keeps each source until it is destroyed. */
	const struct sl_flow_src *src;
	/* Protocol inspection, owned by the engine (include/sightline/proto.h):
	 * per-parser state hangs off app once a parser takes an interest. */
	struct sl_app *app;
	/* The product on top of the wire protocol (app, category): decided by
	 * the identification stage (include/sightline/identify.h). */
	const char *product, *category;
	/* Owned by the engine (sensor/engine/stage.c), with stage and
	 * stage_unsettled above: the product when its rules last ran,
	 * the packet time of its next interim record, and its subject's view
	 * when it was charged before its end (NULL: not yet). */
	const char *staged_product;
	sl_time_us next_interim;
	struct sl_flow_charge *charge;
	uint32_t hnext;            /* hash chain (internal) */
	uint32_t lprev, lnext;     /* age list of its timeout class (internal) */
};

struct sl_app;
struct sl_flow_table;

/* Called for every flow that ends; the flow is borrowed for the call only
 * (its record is reused right after), and the callee releases what it hung
 * off it (flow->app). */
typedef void (*sl_flow_end_fn)(void *ctx, struct sl_flow *flow);

/**
 * Create a table for cfg->max_flows flows; the slab and buckets are allocated
 * once here.  hash_seed randomises bucket placement (use a per-process random
 * value); flow ids and output do not depend on it.  on_end is called for each
 * ending flow with ctx.  Returns 0 or -ENOMEM/-EINVAL.
 * Caller owns *out; free with sl_flow_table_destroy() (which does not call on_end:
 * flush first).
 */
int sl_flow_table_create(const struct sl_flow_config *cfg, uint64_t hash_seed,
			 sl_flow_end_fn on_end, void *ctx,
			 struct sl_flow_table **out);

/** Free the table.  Accepts NULL. */
void sl_flow_table_destroy(struct sl_flow_table *t);

/**
 * Account one decoded packet.  now is the capture clock: the latest packet
 * time of the whole capture so far (every frame, whichever table it went
 * to; the table keeps the largest value it was given, so a capture that
 * steps back in time does not move it back).  A flow times out when this
 * clock passes the clock at its latest packet by its state's timeout, so
 * the same capture gives the same flows however it is shared among tables.
 * Expires at most cfg->expire_batch such flows, finds or creates the
 * packet's flow (ending a timed-out one of the same tuple first; making
 * room when the table is full: embryonic flows first, then closed, then
 * established ones), updates counters and TCP state.  *dir receives the
 * packet's direction.  Returns the flow, borrowed until the next call on
 * this table.  An ICMP error (pkt->icmp_error) is no flow of its own: it is
 * counted on the flow it quotes (icmp_errors), when that flow is here, and
 * NULL is returned.  Never allocates.
 */
struct sl_flow *sl_flow_table_packet(struct sl_flow_table *t, const struct sl_packet *pkt,
				     sl_time_us now, enum sl_dir *dir);

/**
 * The capture clock reached now without a packet for this table (a worker's
 * share of the capture is quiet, or a live interface is): expire what
 * sl_flow_table_packet() would have, at most cfg->expire_batch flows.
 * Returns how many flows it ended (cfg->expire_batch: call again for more).
 */
uint32_t sl_flow_table_advance(struct sl_flow_table *t, sl_time_us now);

/**
 * End every open flow with SL_END_SHUTDOWN (flows already closed by FIN/RST
 * keep that reason; flows whose timeout passed on the capture clock end as
 * SL_END_TIMEOUT), calling on_end in a deterministic order: by first-packet
 * time, then flow id.  Used at end of input and on SIGINT/SIGTERM.
 */
void sl_flow_table_flush(struct sl_flow_table *t);

/**
 * sl_flow_table_flush() of several tables (workers) at once: every open flow
 * of all of them ends in the order one table holding them all would use.
 */
void sl_flow_table_flush_all(struct sl_flow_table *const *tables, size_t n);

struct sl_flow_stats {
	uint64_t created;
	uint64_t ended[SL_END_SHUTDOWN + 1]; /* by final reason */
	/* Flows ended to make room (table full), always ended[SL_END_EVICTED]: */
	uint64_t evictions;
	uint64_t evicted_embryonic;   /* of them: TCP without a completed handshake, or one packet */
	uint64_t evicted_established; /* of them: sessions (more than one packet, or TCP established) */
	/* TCP flows already closed by FIN or RST whose record made room before
	 * their closed-state timeout: they end as fin/rst, nothing is lost. */
	uint64_t closed_reclaimed;
	uint64_t icmp_errors;                /* ICMP errors counted on the flow they quote */
	uint64_t icmp_errors_unmatched;      /* ... quoting no flow in the table (or nothing) */
	uint64_t active;                     /* open now */
	uint64_t active_max;                 /* high-water mark */
	uint32_t capacity;                   /* cfg->max_flows */
	size_t table_bytes_per_flow;         /* the record and its share of the hash buckets */
};

/** Borrowed: valid until the table is destroyed. */
const struct sl_flow_stats *sl_flow_table_stats(const struct sl_flow_table *t);

/* Names for output: "new", "established", "closing", "closed" and
 * "fin", "rst", "timeout", "evicted", "shutdown". */
const char *sl_flow_state_name(enum sl_flow_state s);
const char *sl_flow_reason_name(enum sl_flow_reason r);
/* The same names as tables indexed by the enum, for field declarations
 * (SL_FIELD_ENUM); the reason table names SL_END_NONE NULL (no reason yet:
 * absent).  Static. */
extern const char *const sl_flow_state_names[4];
extern const char *const sl_flow_reason_names[6];

/* Length of a Community ID string "1:<28 base64 chars>" with its NUL. */
#define SL_COMMUNITY_ID_LEN 31

/**
 * Community ID v1 (https://github.com/corelight/community-id-spec) of a
 * packet or flow given as seen in one packet: for TCP/UDP/SCTP sport/dport
 * are ports, for ICMP/ICMPv6 sport is the type and dport the code; other
 * protocols hash addresses only.  Writes the string into out.
 */
void sl_community_id(uint16_t seed, const struct sl_addr *src,
		     const struct sl_addr *dst, uint8_t proto, uint16_t sport,
		     uint16_t dport, char out[SL_COMMUNITY_ID_LEN]);

/** Community ID of a flow, from its client → server orientation. */
void sl_flow_community_id(const struct sl_flow *f, uint16_t seed,
			  char out[SL_COMMUNITY_ID_LEN]);

#endif
