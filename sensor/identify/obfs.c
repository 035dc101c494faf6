/* Generic signs of an obfuscated tunnel on TCP (tunnel.obfuscated), decided
 * from the facts the obfuscation collector kept (sensor/proto/obfs.h).
 *
 * Fully encrypted: the client's first payload is exempt from suspicion
 * when one of the exemptions Wu et al., "How the Great Firewall of China
 * Detects and Blocks Fully Encrypted Traffic" (USENIX Security 2023, §4)
 * measured applies:
 *   Ex1  the mean number of set bits per byte is <= 3.4 or >= 4.6;
 *   Ex2  its first 6 bytes are printable ASCII (0x20-0x7e);
 *   Ex3  more than 50 % of its bytes are printable;
 *   Ex4  it holds a run of more than 20 printable bytes;
 *   Ex5  a protocol parser identified the flow (app_proto set);
 * and, our addition, when it is shorter than OBFS_MIN_LEN bytes (the paper
 * notes short payloads give a noisy popcount).
 *
 * TLS in TLS (Xue et al., USENIX Security 2024): the flow is flagged when,
 * in order,
 *   C1  the client's first application flight is one or two records
 *       totalling 200-2200 bytes of record bodies (the collector follows a
 *       session only then: obfs.h),
 *   S1  the server's next flight totals 1000-10000 bytes (inner
 *       ServerHello, certificate chain, Finished; TLS 1.3 session tickets
 *       of the outer session may ride along; a web page is usually more),
 *   C2  the client's next flight opens with a record of 57-164 bytes: an
 *       inner Finished of 40-100 bytes (TLS 1.3: CCS + Finished 64/80 B;
 *       TLS 1.2: ClientKeyExchange + CCS + Finished ~ 93 B) plus the outer
 *       overhead of 17 (TLS 1.3 AEAD) to 64 bytes (TLS 1.2 CBC, framing).
 * A plain HTTPS request/response is usually followed by a second request
 * (larger than C2) or an HTTP/2 WINDOW_UPDATE/SETTINGS ack (smaller).
 *
 * Both verdicts are functions of the collected facts and of app_proto once
 * every parser is done, so they are made when the record is read, at the
 * flow's end. */
#include <math.h>

#include "sensor/proto/obfs.h"
#include "sightline/identify.h"
#include "sightline/proto.h"

#define OBFS_MIN_LEN 32          /* bytes: shorter first payloads are not judged */
#define OBFS_POP_LO 3.4          /* Ex1 bounds, mean set bits per byte */
#define OBFS_POP_HI 4.6
#define OBFS_RUN 20              /* Ex4 */
#define TIT_S1_MIN 1000          /* record-body bytes of the server's answer */
#define TIT_S1_MAX 10000
#define TIT_C2_MIN (40 + 17)     /* the client's next record: inner Finished + overhead */
#define TIT_C2_MAX (100 + 64)

extern const struct sl_proto sl_proto_obfs;

/* Which of the paper's exemptions spared the first payload. */
enum obfs_exempt { EX_NONE, EX_SHORT, EX_POPCOUNT, EX_PREFIX, EX_HALF, EX_RUN };

static const struct sl_obfs_facts *facts_of(const struct sl_record *r)
{
	return sl_record_state(r, &sl_proto_obfs);
}

static double popcount(const struct sl_obfs_facts *s)
{
	return (double)s->bits / s->len;
}

static enum obfs_exempt exemption(const struct sl_obfs_facts *s)
{
	double pop = popcount(s);
	return s->len < OBFS_MIN_LEN                          ? EX_SHORT
	       : pop <= OBFS_POP_LO || pop >= OBFS_POP_HI     ? EX_POPCOUNT
	       : s->prefix                                    ? EX_PREFIX
	       : 2 * (uint64_t)s->printable > s->len          ? EX_HALF
	       : s->run > OBFS_RUN                            ? EX_RUN
							      : EX_NONE;
}

/* Ex5: a flow some parser identified is not "looks like nothing". */
static bool fully_encrypted(const struct sl_obfs_facts *s, const struct sl_flow *f)
{
	return s->measured && f->app_proto == 0 && exemption(s) == EX_NONE;
}

static bool tls_in_tls(const struct sl_obfs_facts *s)
{
	return s->answered && s->s1 >= TIT_S1_MIN && s->s1 <= TIT_S1_MAX && s->c2 >= TIT_C2_MIN &&
	       s->c2 <= TIT_C2_MAX;
}

/* The payload measures are shown for flows no parser identified: there
 * they explain why the flow was or was not flagged. */
static const struct sl_obfs_facts *measured(const struct sl_record *r)
{
	const struct sl_obfs_facts *s = facts_of(r);
	return s && s->measured && r->flow->app_proto == 0 ? s : NULL;
}

static const void *measured_base(const struct sl_record *r)
{
	return measured(r);
}

/* Declared fields read the facts of a payload measured on a flow no parser
 * identified. */
#define AT_MEASURED SL_IN_FUNC(measured_base)

/* Why computed: a verdict from several facts and the flow. */
static bool g_obfuscated(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_obfs_facts *s = facts_of(r);
	v->s = !s                              ? NULL
	       : fully_encrypted(s, r->flow) ? "fully-encrypted"
	       : tls_in_tls(s)                ? "tls-in-tls"
					      : NULL;
	return v->s != NULL;
}

/* Why computed: the first exemption rule the payload meets. */
static bool g_exempt(const struct sl_record *r, struct sl_value *v)
{
	static const char *const names[] = { NULL, "short", "popcount", "printable-prefix",
					     "printable-half", "printable-run" };
	const struct sl_obfs_facts *s = measured(r);
	v->s = s ? names[exemption(s)] : NULL;
	return v->s != NULL;
}

static const struct sl_field fields[] = {
	{ "tunnel.obfuscated", SL_FT_STRING,
	  "generic sign of an obfuscated tunnel: fully-encrypted (unidentified first payload passes none of the GFW exemptions) or tls-in-tls (record sizes of a TLS handshake inside TLS)", g_obfuscated },
	SL_FIELD_DECIMALS("tunnel.entropy", "Shannon entropy (bits/byte) of the client's first payload, for TCP flows no parser identified",
			  AT_MEASURED, struct sl_obfs_facts, entropy, 3, SL_WITH_STATE),
	SL_FIELD_RATIO("tunnel.popcount", "mean set bits per byte of that payload (random data: about 4; exempt outside 3.4-4.6)",
		       AT_MEASURED, struct sl_obfs_facts, bits, len, 3, SL_WITH_STATE),
	SL_FIELD_RATIO("tunnel.printable", "share of that payload's bytes that are printable ASCII (0x20-0x7e)",
		       AT_MEASURED, struct sl_obfs_facts, printable, len, 3, SL_WITH_STATE),
	{ "tunnel.exempt", SL_FT_STRING,
	  "why that payload is not fully-encrypted: short, popcount, printable-prefix, printable-half, printable-run", g_exempt },
};

/* The collector follows a session's flights after its protocol is known
 * (TLS in TLS): settled when inspection ends. */
const struct sl_field_table sl_identify_fields = { "identify", fields, ARRAY_SIZE(fields),
						   .settle = SL_SETTLE_INSPECTION };
