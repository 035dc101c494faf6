/* Classic pcap file writer for the capture generator (format 2.4, microsecond timestamps).
 * Records are kept in memory and written sorted by time, so conversations may overlap. */
#ifndef PCAPS_GEN_PCAPW_H
#define PCAPS_GEN_PCAPW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Link-layer header types as they appear in a pcap file (tcpdump.org/linktypes.html). */
enum {
	SL_LINKTYPE_NULL = 0,         /* BSD loopback, 4-byte AF in the writer's byte order */
	SL_LINKTYPE_ETHERNET = 1,
	SL_LINKTYPE_RAW = 101,        /* raw IPv4 or IPv6, version nibble decides */
	SL_LINKTYPE_C_HDLC = 104,     /* Cisco HDLC: address, control, ethertype */
	SL_LINKTYPE_LOOP = 108,       /* OpenBSD loopback, 4-byte AF in network order */
	SL_LINKTYPE_LINUX_SLL = 113,
	SL_LINKTYPE_IPV4 = 228,
	SL_LINKTYPE_IPV6 = 229,
	SL_LINKTYPE_LINUX_SLL2 = 276,
};

#define SL_PCAPW_SNAPLEN_DEFAULT 262144u
/* Upper bound on buffered frame bytes: generator captures are tiny; this only stops runaways. */
#define SL_PCAPW_MAX_BYTES (64u << 20)

struct sl_pcapw;

/**
 * Creates an empty in-memory capture with the given link type and snapshot length
 * (0 means SL_PCAPW_SNAPLEN_DEFAULT). Returns 0 or -ENOMEM.
 * Caller owns *out; free with sl_pcapw_destroy().
 */
int sl_pcapw_create(struct sl_pcapw **out, uint32_t linktype, uint32_t snaplen);

/**
 * Adds one frame seen at ts_us (microseconds since the Unix epoch). The record keeps
 * min(len, snaplen) bytes as caplen and len as the original (wire) length.
 * The bytes are copied; `frame` stays the caller's. Returns 0, -EINVAL or -E2BIG.
 */
int sl_pcapw_add(struct sl_pcapw *w, uint64_t ts_us, const uint8_t *frame, size_t len);

/**
 * Writes the capture to `path`: a little-endian global header, then every record in
 * timestamp order (ties keep insertion order). The same records always give the same
 * bytes. Returns 0 or a negative errno from the file operations.
 */
int sl_pcapw_save(const struct sl_pcapw *w, const char *path);

/**
 * A generator of frames for sl_pcapw_stream(): sets *ts_us, *frame (borrowed until the
 * next call) and *len, returns 1; returns 0 when it has no more, or a negative errno.
 * Frames must come in nondecreasing time.
 */
typedef int (*sl_pcapw_source)(void *ctx, uint64_t *ts_us, const uint8_t **frame, size_t *len);

/**
 * Writes the capture to the open stream f, merging the frames of src (not kept in
 * memory, so a stream may hold millions of packets) with the buffered records in time
 * order; at equal times buffered records go first. f stays the caller's.
 * Returns 0 or a negative errno (-EIO on a failed write).
 */
int sl_pcapw_stream(const struct sl_pcapw *w, FILE *f, sl_pcapw_source src, void *ctx);

/**
 * Starts a new segment: records added from now on are written after every record added
 * before, whatever their times, so the file's time may step back there (two captures
 * joined end to end, a sensor whose clock was set back). Within a segment records are
 * sorted by time as usual.
 */
void sl_pcapw_step(struct sl_pcapw *w);

/** Number of records added so far. */
size_t sl_pcapw_count(const struct sl_pcapw *w);

/** Frees the capture; accepts NULL. */
void sl_pcapw_destroy(struct sl_pcapw *w);

#endif
