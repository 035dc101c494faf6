/* DNS message decoding shared by the DNS and mDNS parsers (private to
 * sensor/proto): header, names with compression, questions, resource records
 * and their text forms.  Spec: RFC 1035 §4.1 (format), §4.1.4 (compression),
 * §5.1 (presentation of names), RFC 3596 (AAAA), RFC 6895 (codes). */
#ifndef SIGHTLINE_PROTO_DNS_MSG_H
#define SIGHTLINE_PROTO_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sightline/common.h"

#define SL_DNS_HDR_LEN 12
#define SL_DNS_NAME_WIRE_MAX 255 /* octets of an uncompressed name, RFC 1035 §2.3.4 */
#define SL_DNS_TEXT_MAX 256      /* presentation buffer of one name, NUL included */

/* Header flag bits (RFC 1035 §4.1.1). */
#define SL_DNS_QR 0x8000
#define SL_DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define SL_DNS_RCODE(flags) ((flags) & 0xf)

enum {
	SL_DNS_T_A = 1, SL_DNS_T_NS = 2, SL_DNS_T_CNAME = 5, SL_DNS_T_SOA = 6,
	SL_DNS_T_PTR = 12, SL_DNS_T_MX = 15, SL_DNS_T_TXT = 16, SL_DNS_T_AAAA = 28,
	SL_DNS_T_SRV = 33, SL_DNS_T_OPT = 41, SL_DNS_T_SVCB = 64, SL_DNS_T_HTTPS = 65,
	SL_DNS_T_ANY = 255,
};

struct sl_dns_hdr {
	uint16_t id, flags, qdcount, ancount, nscount, arcount;
};

/*
 * Names of one message already decoded, by where they start and the
 * buffer size asked: a response's records mostly name the question again
 * (a pointer to it), and the DNS parser walks its answers three times.
 * On the caller's stack beside the message; see sl_dns_msg.memo.
 */
#define SL_DNS_MEMO 8
struct sl_dns_memo {
	unsigned next; /* the entry replaced next */
	struct {
		size_t start, cap, end; /* cap 0: unused; end: *off after it */
		bool ok;
		char text[SL_DNS_TEXT_MAX]; /* out as the decode left it */
	} e[SL_DNS_MEMO];
};

/* A message under decode: all of it (compression pointers reach back to any
 * earlier byte) and the read offset of the next section entry.  buf is
 * borrowed from the packet or the caller's reassembly buffer. */
struct sl_dns_msg {
	const uint8_t *buf;
	size_t len;
	size_t off;
	struct sl_dns_hdr h;
	bool utf8; /* mDNS: names are UTF-8 text (RFC 6762 §16), spaces kept */
	/* NULL (sl_dns_msg_begin()), or the caller's memo of this message's
	 * names (zeroed, then shared by every copy of the message): names are
	 * then decoded once per start and size, with the same results. */
	struct sl_dns_memo *memo;
};

/* One resource record; rdata stays in the message (rdoff, rdlen). */
struct sl_dns_rr {
	char name[SL_DNS_TEXT_MAX];
	uint16_t type, rclass;
	uint32_t ttl;
	size_t rdoff;
	uint16_t rdlen;
};

/** Read the 12-byte header of buf[0..len); false when shorter. */
bool sl_dns_msg_begin(struct sl_dns_msg *m, const uint8_t *buf, size_t len);

/**
 * Decode the possibly compressed name at *off into out (cap bytes, dotted
 * presentation form with \DDD escapes, or UTF-8 kept when m->utf8; "." for
 * the root; cut short if cap is too small, never mid-escape).  Pointers must point strictly backwards
 * (RFC 1035: "a prior occurrence"), which rules out loops; a pointer past the
 * end, a reserved label type or a name over 255 wire octets fails.  On
 * success *off moves past the name where it sits (past the first pointer).
 */
bool sl_dns_name(const struct sl_dns_msg *m, size_t *off, char *out, size_t cap);

/** Next question: its name (cap bytes), QTYPE and QCLASS.  False when malformed. */
bool sl_dns_question(struct sl_dns_msg *m, char *name, size_t cap, uint16_t *type,
		     uint16_t *qclass);

/** Next resource record of any section.  False when malformed or truncated. */
bool sl_dns_rr(struct sl_dns_msg *m, struct sl_dns_rr *rr);

/**
 * The name inside rr's rdata, skip bytes in (0 for CNAME/PTR/NS, 2 for MX,
 * 6 for SRV), into out (cap bytes).  It must end within the rdata.
 */
bool sl_dns_rdata_name(const struct sl_dns_msg *m, const struct sl_dns_rr *rr, size_t skip,
		       char *out, size_t cap);

/** The address of an A or AAAA record (rdlen 4 or 16); false otherwise. */
bool sl_dns_rdata_addr(const struct sl_dns_msg *m, const struct sl_dns_rr *rr,
		       struct sl_addr *out);

/**
 * TXT rdata as text: its character-strings concatenated, unprintable bytes
 * as \DDD, cut to cap.  False when the strings overrun the rdata.
 */
bool sl_dns_rdata_txt(const struct sl_dns_msg *m, const struct sl_dns_rr *rr, char *out,
		      size_t cap);

/** Mnemonic of an RR type ("AAAA"), or its number written into buf. */
const char *sl_dns_type_name(uint16_t type, char *buf, size_t len);

/** Mnemonic of a header RCODE ("NXDOMAIN"), or its number written into buf. */
const char *sl_dns_rcode_name(unsigned rcode, char *buf, size_t len);

/**
 * Append item to the comma-separated list in list (cap bytes), unless
 * `unique` and it is already an element.  An item that does not fit whole is
 * cut at the end of the buffer, and nothing more is added after it.  Returns
 * false once the list is full.
 */
bool sl_dns_list_add(char *list, size_t cap, const char *item, bool unique);

#endif
