/* OpenVPN's control channel as a TLS byte stream: the payloads of
 * P_CONTROL_V1 packets put back in message-packet-id order and handed to
 * the TLS session layer (tls_session.c).  Private to sensor/proto. */
#ifndef SIGHTLINE_PROTO_OPENVPN_CTL_H
#define SIGHTLINE_PROTO_OPENVPN_CTL_H

#include "sightline/proto.h"
#include "tls_priv.h"

#define SL_OVCTL_HOLD 4       /* control packets that arrived early, held per direction */
#define SL_OVCTL_PAYLOAD 2048 /* largest payload held (OpenVPN sends <= ~1250: --tls-mtu) */

/* One direction of the reliable layer. */
struct sl_ovctl_dir {
	uint32_t next_id; /* next message packet id to deliver, less 1 (the reset is id 0) */
	uint8_t n_held;
	struct {
		uint32_t id;
		uint16_t len;
		uint8_t *data;
	} held[SL_OVCTL_HOLD];
};

/* Zeroed is ready; free with sl_ovctl_release(). */
struct sl_ovctl {
	struct sl_tls_session tls;
	struct sl_ovctl_dir d[2]; /* indexed by enum sl_dir */
	uint16_t ack_at;          /* offset of the ack array in a control packet; 0 = not known */
};

/**
 * One whole P_CONTROL_V1 packet p[0..n) of direction pp->dir (borrowed for
 * the call).  cand[0..ncand) are the offsets at which its ack array may
 * start under each control-channel layout still possible (plain, tls-auth
 * with each HMAC size); the first packet whose payload under one of them is
 * message 1 and begins with a TLS handshake record settles the layout.
 * Returns true when the packet carried TLS bytes not seen before.
 */
bool sl_ovctl_control(struct sl_ovctl *c, const struct sl_proto_pkt *pp, const uint8_t *p,
		      size_t n, const size_t *cand, size_t ncand);

/** True when the TLS handshake holds nothing more to read. */
bool sl_ovctl_done(const struct sl_ovctl *c);

/** Free the held packets and the session's buffers (facts stay).  Accepts a zeroed c. */
void sl_ovctl_free_buffers(struct sl_ovctl *c);

/** Free everything c points to.  Accepts a zeroed c. */
void sl_ovctl_release(struct sl_ovctl *c);

/**
 * The TLS session of flow f's OpenVPN control channel, or NULL when the
 * OpenVPN parser holds no state for f.  Borrowed: valid while the flow's
 * parser state is.  (openvpn.c)
 */
const struct sl_tls_session *sl_openvpn_tls_session(const struct sl_flow *f);

#endif
