/* What the obfuscation collector (obfs.c) keeps of a TCP flow: the client's
 * first data segment measured byte by byte, and the outer TLS session's
 * application-data flights.  The verdicts (tunnel.obfuscated) are
 * sensor/identify/obfs.c's; only it and the collector read this. */
#ifndef SIGHTLINE_PROTO_OBFS_H
#define SIGHTLINE_PROTO_OBFS_H

#include <stdbool.h>
#include <stdint.h>

/* The client's first application flight, as an inner ClientHello would make
 * it (Xue et al., USENIX Security 2024: the inner ClientHello of 200-1800
 * bytes, written at once, plus a proxy header and the outer overhead; an
 * HTTP/2 client's first flight is three or more records).  The flight walk
 * follows a session only while its first flight fits. */
#define SL_OBFS_C1_MIN 200     /* record-body bytes */
#define SL_OBFS_C1_MAX 2200
#define SL_OBFS_C1_RECORDS 2

/* The facts, at the start of the collector's per-flow state. */
struct sl_obfs_facts {
	/* The client's first data segment of a connection whose SYN was seen
	 * and where the client spoke first, when it was not a TLS record. */
	bool measured;
	uint32_t len;       /* its bytes */
	uint32_t bits;      /* set bits in them */
	uint32_t printable; /* bytes 0x20-0x7e */
	uint32_t run;       /* the longest run of printable bytes */
	bool prefix;        /* its first 6 bytes (at least 6) all printable */
	double entropy;     /* Shannon entropy of its bytes, bits per byte */
	/* An outer TLS session whose first client flight fit the bounds above:
	 * the server's answering flight and the record that opened the
	 * client's next one, once that record was seen. */
	bool answered;
	uint32_t s1;        /* record-body bytes of the server's flight */
	uint16_t c2;        /* body bytes of the client's next record */
};

#endif
