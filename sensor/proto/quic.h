/* QUIC Initial packets (private to sensor/proto and its tests): version
 * facts, Initial key derivation, removal of header and payload protection,
 * and the client's CRYPTO stream rebuilt up to its first handshake message.  Specs: RFC 9000 (packets, frames,
 * varints), RFC 9001 §5 (Initial protection), RFC 9369 (QUIC v2), the
 * draft-ietf-quic-tls salts for drafts 23-32, and Google QUIC Q050 (same
 * protection with its own salt, a CHLO message in place of a ClientHello). */
#ifndef SIGHTLINE_PROTO_QUIC_H
#define SIGHTLINE_PROTO_QUIC_H

#include "sightline/common.h"

#define SL_QUIC_CID_MAX 20          /* longest connection ID (RFC 9000 §17.2) */
#define SL_QUIC_CRYPTO_MAX 16384    /* CRYPTO stream bytes kept per flow */
#define SL_QUIC_PACKET_MAX 4096     /* longest Initial packet decrypted */
#define SL_QUIC_FAIL_MAX 8          /* failed decryptions before a flow is given up */

/* Long-header packet types, independent of the version's bit encoding. */
enum sl_quic_ptype {
	SL_QUIC_INITIAL,
	SL_QUIC_0RTT,
	SL_QUIC_HANDSHAKE,
	SL_QUIC_RETRY,
};

/** True for a version whose Initial packets can be decrypted here (v1, v2,
 * drafts 23-32, Q050). */
bool sl_quic_version_known(uint32_t version);

/** True for a Google QUIC version "Q0xx" (0x51 '0' digit digit). */
bool sl_quic_version_gquic(uint32_t version);

/**
 * Name of a version for the quic.version field into buf (at least 12
 * bytes): "1", "2", "draft-29", "Q046", or the hex value "0x..." otherwise.
 */
void sl_quic_version_name(uint32_t version, char *buf, size_t len);

/** Packet type of a long header's first byte under version (v2 moved the
 * type bits, RFC 9369 §3.2). */
enum sl_quic_ptype sl_quic_packet_type(uint32_t version, uint8_t first);

/* Keys that protect one direction's Initial packets (AES-128-GCM). */
struct sl_quic_keys {
	uint8_t key[16];
	uint8_t iv[12];
	uint8_t hp[16];
};

/* libcrypto contexts reused for every packet, so that decryption does not
 * allocate.  One per thread. */
struct sl_quic_crypto;

/** Caller owns *out; free with sl_quic_crypto_destroy().  Returns 0 or
 * -ENOMEM / -ENOSYS when libcrypto lacks HKDF or AES. */
int sl_quic_crypto_create(struct sl_quic_crypto **out);
/** Accepts NULL. */
void sl_quic_crypto_destroy(struct sl_quic_crypto *c);

/**
 * The client's Initial keys for version and the Destination Connection ID
 * of its first Initial (1..20 bytes): HKDF-Extract(salt, dcid), then
 * "client in" and the version's "quic key"/"quic iv"/"quic hp" labels
 * (RFC 9001 §5.2, RFC 9369 §3.3).  Returns 0, or -EINVAL for an unknown
 * version or bad length, -EIO when libcrypto fails.
 */
int sl_quic_client_keys(struct sl_quic_crypto *c, uint32_t version, const uint8_t *dcid,
			size_t dcid_len, struct sl_quic_keys *out);

/**
 * Remove the protection of one long-header packet pkt[0, len) whose packet
 * number starts at pn_offset: header protection (AES-ECB mask of the 16
 * bytes at pn_offset+4), then AES-128-GCM with the unmasked header as
 * associated data.  largest_pn is the largest packet number decrypted so
 * far in this space, or -1.  Writes the plaintext to out (outcap bytes) and
 * sets *outlen and *pn.  Returns 0, -EINVAL when the packet is too short or
 * too long for out, -EBADMSG when the tag does not verify (wrong keys or a
 * corrupted packet).  pkt is only read.
 */
int sl_quic_open(struct sl_quic_crypto *c, const struct sl_quic_keys *k, const uint8_t *pkt,
		 size_t len, size_t pn_offset, int64_t largest_pn, uint8_t *out, size_t outcap,
		 size_t *outlen, uint64_t *pn);

/**
 * Read a variable-length integer (RFC 9000 §16) from p[*off, len); advances
 * *off.  False when it does not fit.
 */
bool sl_quic_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v);

/* The client's side of one connection's Initial packets (per-flow state).
 * Zero it before use; sl_quic_initial_finish() frees what it holds. */
struct sl_quic_initial {
	uint32_t version;          /* of the first Initial; 0 until then */
	uint8_t dcid[SL_QUIC_CID_MAX]; /* keys come from this Destination Connection ID */
	uint8_t dcid_len;
	bool have_keys;
	bool complete;             /* first handshake message fully received */
	bool gave_up;              /* not a ClientHello/CHLO, or larger than the buffer */
	uint8_t failures;          /* Initials that did not decrypt */
	uint16_t decrypted;        /* Initials that did */
	int64_t largest_pn;        /* -1 before the first */
	uint32_t contig;           /* CRYPTO bytes received without a gap from offset 0 */
	uint32_t need;             /* length of the first message once known, else 0 */
	struct sl_quic_keys keys;
	uint8_t *buf;              /* CRYPTO stream and its received-bytes bitmap, on demand */
};

/** Prepare a zeroed decoder (largest_pn = -1). */
void sl_quic_initial_init(struct sl_quic_initial *s);

/**
 * Feed one client-to-server UDP payload: walks the coalesced long-header
 * packets by their Length fields, decrypts the Initial packets (keys from
 * the first Initial's DCID; a packet that fails with them is retried with
 * its own DCID, as after a Retry), and files their CRYPTO frames by offset.
 * Returns the number of Initial packets decrypted (0 or more), or
 * -EBADMSG when an Initial did not decrypt, -EINVAL when the datagram is
 * not a well-formed long-header packet of a known version, -ENOMEM when
 * the CRYPTO buffer could not be allocated.
 */
int sl_quic_initial_client(struct sl_quic_crypto *c, struct sl_quic_initial *s,
			   const uint8_t *dgram, size_t len);

/**
 * Feed one server-to-client UDP payload: a Retry switches the keys to its
 * Source Connection ID (RFC 9001 §5.2), which the client's next Initial
 * carries as Destination.  Other packets are ignored.
 */
void sl_quic_initial_server(struct sl_quic_initial *s, const uint8_t *dgram, size_t len);

/**
 * The first handshake message once complete: a TLS ClientHello with its
 * 4-byte handshake header (IETF versions) or a gQUIC CHLO message (Q050).
 * NULL until then.  Borrowed: valid until the next call on s.
 */
const uint8_t *sl_quic_initial_message(const struct sl_quic_initial *s, size_t *len);

/** Free the CRYPTO buffer.  Accepts a zeroed decoder. */
void sl_quic_initial_finish(struct sl_quic_initial *s);

/* What a Google QUIC CHLO carries that we report. */
struct sl_gquic_chlo {
	char sni[256];   /* SNI tag */
	char uaid[256];  /* UAID tag: the client's user agent */
	uint32_t ver;    /* VER tag, or 0 */
};

/**
 * Parse a gQUIC handshake message "CHLO" (tag count, tag/end-offset index,
 * values; QUIC Crypto design doc) from m[0, len).  Tags whose values lie
 * past len are left out, so a message cut by the packet still yields what
 * arrived.  Returns 0, or -EINVAL when m does not start a CHLO.
 */
int sl_gquic_parse_chlo(const uint8_t *m, size_t len, struct sl_gquic_chlo *out);

#endif
