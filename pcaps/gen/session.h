/* Conversation builder for the capture generator: TCP handshakes, payload exchanges and
 * closes, UDP and ICMP echo exchanges, timed as seen by a sensor placed between the hosts. */
#ifndef PCAPS_GEN_SESSION_H
#define PCAPS_GEN_SESSION_H

#include "pcapw.h"
#include "pkt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_CONV_MAX_OPTS 16

/*
 * One end of a conversation, as its packets look at the sensor (so `ttl` is the value after
 * the hops between that host and the sensor).
 */
struct sl_conv_side {
	struct sl_pb_addr addr;
	uint16_t port;
	uint8_t ttl;                    /* 0 means 64 */
	uint8_t tos;
	bool df;
	uint16_t ip_id;                 /* IPv4 ID of this side's first packet */
	uint16_t ip_id_step;            /* added per packet (0 keeps the ID constant) */
	uint16_t window;                /* TCP window field, every segment */
	uint16_t mss;                   /* value of the MSS option; 0 means 536 for segmenting */
	uint8_t wscale;                 /* value of the window-scale option */
	uint32_t isn;                   /* initial sequence number */
	uint32_t tsval;                 /* TSval at the conversation start; 1 tick per ms */
	uint8_t syn_opts[SL_CONV_MAX_OPTS]; /* option kinds of this side's SYN or SYN/ACK, in order */
	size_t nsyn_opts;
	const uint8_t *v4opts;          /* IPv4 options on every packet of this side */
	size_t v4opts_len;
	const struct sl_pb_ext *ext;    /* IPv6 extension headers on every packet of this side */
	size_t next;
};

struct sl_conv_cfg {
	struct sl_conv_side client, server;
	uint32_t client_delay_us;       /* one-way delay client <-> sensor */
	uint32_t server_delay_us;       /* one-way delay sensor <-> server */
	uint32_t gap_us;                /* spacing of back-to-back packets from one side */
	struct sl_pb_link link;
};

/* A request and its answer. Either may be empty: no request means the server speaks on
 * its own (a banner); no response means the server only acknowledges (TCP) or stays
 * silent (UDP). Think times are added before each side starts sending. */
struct sl_conv_msg {
	const void *req;
	size_t req_len;
	const void *resp;
	size_t resp_len;
	uint32_t client_think_us;
	uint32_t server_think_us;
};

enum sl_conv_close {
	SL_CLOSE_FIN_CLIENT,            /* client FIN, server FIN, client ACK */
	SL_CLOSE_FIN_SERVER,            /* server FIN, client FIN, server ACK */
	SL_CLOSE_RST_CLIENT,            /* client RST+ACK */
	SL_CLOSE_RST_SERVER,            /* server RST+ACK */
};

struct sl_conv;

/**
 * Starts a conversation whose first packet passes the sensor at start_us (microseconds
 * since the epoch). Timing rule, in sensor time: a packet answering the other side comes
 * 2 x (its own side's one-way delay) + think after the packet it answers; a packet
 * following one from the same side comes gap_us + think later. Hence SYN -> SYN/ACK is
 * 2 x server_delay_us and SYN/ACK -> ACK is 2 x client_delay_us.
 * `w` is borrowed and must outlive the conversation. Caller owns *out; free with
 * sl_conv_destroy(). Returns 0, -EINVAL or -ENOMEM.
 */
int sl_conv_create(struct sl_conv **out, const struct sl_conv_cfg *cfg, struct sl_pcapw *w,
                   uint64_t start_us);

/** Frees the conversation; accepts NULL. Packets already added stay in the writer. */
void sl_conv_destroy(struct sl_conv *c);

/** Sensor time of the last packet emitted (start_us before any). */
uint64_t sl_conv_time(const struct sl_conv *c);

/** Lets `us` pass with nothing sent: the next packet, from either side, comes after it. */
void sl_conv_idle(struct sl_conv *c, uint64_t us);

/** SYN, SYN/ACK, ACK with each side's SYN options. Returns 0 or -errno. */
int sl_conv_tcp_handshake(struct sl_conv *c);

/** A SYN nobody answers, then `retries` retransmissions 1 s, 2 s, 4 s ... apart. */
int sl_conv_tcp_syn_unanswered(struct sl_conv *c, unsigned retries);

/**
 * Sends the request (split at the effective MSS, PSH on the last segment), the response,
 * and the acknowledgement of the response. Works without a handshake too (a flow first
 * seen mid-stream): sequence numbers then start at the ISNs and timestamps are used when
 * both sides list option 8. Returns 0 or -errno.
 */
int sl_conv_tcp_exchange(struct sl_conv *c, const struct sl_conv_msg *m);

/** Closes the connection as `how` says. */
int sl_conv_tcp_close(struct sl_conv *c, enum sl_conv_close how);

/** One UDP request datagram and, if resp_len > 0, one response datagram. */
int sl_conv_udp_exchange(struct sl_conv *c, const struct sl_conv_msg *m);

/** ICMP (or ICMPv6) echo request from the client and, when `answered`, the reply. */
int sl_conv_icmp_echo(struct sl_conv *c, uint16_t id, uint16_t seq, const void *data,
                      size_t len, bool answered);

#endif
