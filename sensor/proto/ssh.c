/* SSH: both identification strings and each side's first binary packet
 * (SSH_MSG_KEXINIT): banners, software, HASSH / HASSH-server, the negotiated
 * key exchange and the application-handshake round trip.  Spec: RFC 4253
 * §4.2 (identification string), §6 (binary packet), §7.1 (KEXINIT and
 * negotiation), RFC 4251 §5-6 (name-list, names); HASSH per salesforce/hassh. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sightline/digest.h"
#include "sightline/cursor.h"
#include "sightline/proto.h"

/* Tunables. */
#define SSH_BANNER_MAX 255    /* RFC 4253 §4.2: 255 characters including CR LF */
#define SSH_PRELINES_MAX 1024 /* bytes of text a server may send before its banner */
#define SSH_PRELINES_PKTS 8   /* such text is looked for in the flow's first packets only */
#define SSH_REASM_MAX 4096    /* per-side scratch for the first binary packet, bytes */
#define SSH_NAME_MAX 64       /* RFC 4251 §6: algorithm names are at most 64 characters */
#define SSH_MSG_KEXINIT 20
#define SSH_NLISTS 10         /* name-lists in a KEXINIT */

extern const struct sl_proto sl_proto_ssh;

enum ssh_phase {
	PH_LINES,   /* before the identification string: text lines */
	PH_PACKET,  /* SSH-2 banner seen: reassembling the first binary packet */
	PH_END,     /* finished with this side, with or without its KEXINIT */
	PH_NOT_SSH, /* this side's bytes are not SSH */
};

struct ssh_side {
	uint8_t *buf;          /* reassembly scratch (SSH_REASM_MAX) while reading */
	char *hassh_string;    /* "kex;enc;mac;comp" once the KEXINIT is parsed */
	uint32_t next_seq;     /* next expected sequence number */
	uint32_t buf_seq;      /* sequence number of buf[0] */
	uint16_t len;          /* bytes in buf */
	uint16_t skipped;      /* bytes of text skipped before the banner */
	uint8_t phase;         /* enum ssh_phase */
	bool started;          /* next_seq is valid */
	char proto_version[8]; /* "2.0", "1.99", "1.5" */
	char banner[SSH_BANNER_MAX + 1];   /* identification string without CR LF */
	char software[SSH_BANNER_MAX + 1]; /* softwareversion: after "SSH-x.y-", before a space */
	char hassh[33];
};

struct ssh_state {
	struct ssh_side side[2];  /* indexed by enum sl_dir */
	sl_time_us srv_banner_ts; /* when the packet completing the server banner passed */
	uint32_t srv_banner_end;  /* server sequence number just past that banner's LF */
	bool srv_banner_seen;
	bool rtt_done;
	char kex[SSH_NAME_MAX + 1]; /* negotiated key exchange method */
};

struct nlist {
	const uint8_t *p;
	uint32_t n;
};

/* The bytes start an identification string ("SSH-" and a digit), or could:
 * a segment shorter than that only has to match as far as it goes. */
static bool starts_banner(const uint8_t *p, size_t n)
{
	if (memcmp(p, "SSH-", n < 4 ? n : 4) != 0)
		return false;
	return n < 5 || (p[4] >= '0' && p[4] <= '9');
}

/* A segment that starts with "SSH-<digit>", or a server segment early in
 * the flow holding "\nSSH-<digit>": RFC 4253 §4.2 lets a server send other
 * lines before its banner. */
static bool ssh_probe(const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	if (starts_banner(p, n))
		return true;
	if (pp->dir != SL_DIR_TOCLIENT || pp->index >= SSH_PRELINES_PKTS)
		return false;
	if (n > SSH_PRELINES_MAX + 6)
		n = SSH_PRELINES_MAX + 6;
	for (const uint8_t *nl = p; n > 5 && (nl = memchr(nl, '\n', n - 5 - (size_t)(nl - p)));
	     nl++)
		if (starts_banner(nl + 1, 5))
			return true;
	return false;
}

/* Account a segment in the side's sequence space: the number of bytes it
 * carries that were not seen before (0 for a retransmission), at *off.
 * *gap: bytes were missing before it; the stream resynchronises past it
 * (so later segments still count as new or old), but reassembly cannot
 * continue across the hole. */
static size_t stream_new(struct ssh_side *s, const struct sl_packet *p, size_t *off, bool *gap)
{
	if (!s->started) {
		s->started = true;
		s->next_seq = s->buf_seq = p->tcp_seq;
	}
	uint32_t behind = s->next_seq - p->tcp_seq;
	*gap = (int32_t)behind < 0;
	if (*gap)
		behind = 0;
	if (behind >= p->payload_len)
		return 0;
	*off = behind;
	s->next_seq = p->tcp_seq + p->payload_len;
	return p->payload_len - behind;
}

/* This side is finished: give the scratch back. */
static void side_end(struct ssh_side *s, enum ssh_phase ph)
{
	s->phase = (uint8_t)ph;
	free(s->buf);
	s->buf = NULL;
	s->len = 0;
}

static void side_consume(struct ssh_side *s, size_t n)
{
	memmove(s->buf, s->buf + n, s->len - n);
	s->len = (uint16_t)(s->len - n);
	s->buf_seq += (uint32_t)n;
}

/* protoversion: digits '.' digits, short enough to keep. */
static bool valid_version(const char *b, const char *e)
{
	const char *dot = memchr(b, '.', (size_t)(e - b));
	if (!dot || dot == b || dot + 1 == e || (size_t)(e - b) >= 8)
		return false;
	for (const char *q = b; q < e; q++)
		if (q != dot && (*q < '0' || *q > '9'))
			return false;
	return true;
}

/* RFC 4253 §4.2: "SSH-protoversion-softwareversion SP comments CR LF", at
 * most 255 characters with the CR LF.  line[0..n) is the whole line with
 * its LF.  No control characters; softwareversion must not be empty (its
 * "no minus sign" rule is not enforced: real servers break it, e.g.
 * "SSH-2.0-APACHE-SSHD-2.5.0"). */
static bool parse_banner(struct ssh_side *s, const char *line, size_t n)
{
	if (n > SSH_BANNER_MAX)
		return false;
	n--; /* the LF */
	if (n && line[n - 1] == '\r')
		n--;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return false;
	const char *v = line + 4, *end = line + n;
	const char *dash = memchr(v, '-', (size_t)(end - v));
	if (!dash || !valid_version(v, dash))
		return false;
	const char *sw = dash + 1;
	const char *sp = memchr(sw, ' ', (size_t)(end - sw));
	const char *swe = sp ? sp : end;
	if (swe == sw)
		return false;
	memcpy(s->proto_version, v, (size_t)(dash - v));
	s->proto_version[dash - v] = '\0';
	memcpy(s->software, sw, (size_t)(swe - sw));
	s->software[swe - sw] = '\0';
	memcpy(s->banner, line, n);
	s->banner[n] = '\0';
	return true;
}

/* A valid banner on this side: SSH-2 ("2.0", or "1.99" = 2 and 1) goes on
 * to its KEXINIT; SSH-1 has no KEXINIT.  The server's banner is the start
 * of the application round trip (see measure_rtt). */
static void on_banner(struct ssh_state *st, struct ssh_side *s, const struct sl_proto_pkt *pp,
		      uint32_t end_seq)
{
	bool v2 = strcmp(s->proto_version, "2.0") == 0 || strcmp(s->proto_version, "1.99") == 0;
	s->phase = v2 ? PH_PACKET : PH_END;
	if (pp->dir == SL_DIR_TOCLIENT) {
		st->srv_banner_seen = true;
		st->srv_banner_ts = pp->pkt->ts;
		st->srv_banner_end = end_seq;
	}
	sl_app_identify(pp->flow, &sl_proto_ssh);
}

/* The bytes before a line ending decide early: a client's first bytes must
 * be its banner; a banner may not exceed 255 bytes; other server text is
 * bounded by SSH_PRELINES_MAX. */
static bool partial_line_ok(const struct ssh_side *s, enum sl_dir dir)
{
	if (starts_banner(s->buf, s->len))
		return s->len < SSH_BANNER_MAX;
	return dir == SL_DIR_TOCLIENT && s->skipped + s->len <= SSH_PRELINES_MAX;
}

/* Text lines up to and including the identification string.  The server
 * may send other lines first (RFC 4253 §4.2: they must not start with
 * "SSH-"); the client must not. */
static void read_lines(struct ssh_state *st, struct ssh_side *s, const struct sl_proto_pkt *pp)
{
	while (s->phase == PH_LINES) {
		const uint8_t *nl = memchr(s->buf, '\n', s->len);
		if (!nl) {
			if (!partial_line_ok(s, pp->dir))
				side_end(s, PH_NOT_SSH);
			return;
		}
		size_t n = (size_t)(nl - s->buf) + 1;
		if (n > 5 && starts_banner(s->buf, 5)) {
			if (!parse_banner(s, (const char *)s->buf, n)) {
				side_end(s, PH_NOT_SSH);
				return;
			}
			on_banner(st, s, pp, s->buf_seq + (uint32_t)n);
		} else {
			s->skipped = (uint16_t)(s->skipped + n);
			if (pp->dir == SL_DIR_TOSERVER || memchr(s->buf, 0, n) ||
			    s->skipped > SSH_PRELINES_MAX) {
				side_end(s, PH_NOT_SSH);
				return;
			}
		}
		side_consume(s, n);
	}
}

/* RFC 4251 §6: names are printable US-ASCII without spaces; a name-list
 * joins them with commas (§5).  Anything else is not a KEXINIT. */
static bool valid_namelist(const uint8_t *p, size_t n)
{
	/* eight bytes a step (a KEXINIT's lists run to a kilobyte): a byte
	 * below 0x21 or above 0x7e sets its top bit in one of the two words
	 * (the "has less"/"has more" tests of Bit Twiddling Hacks) */
	const uint64_t ones = 0x0101010101010101ULL, tops = ones * 0x80;
	size_t i = 0;
	for (uint64_t w; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		if (((w - ones * 0x21) & ~w & tops) | (((w + ones * (127 - 0x7e)) | w) & tops))
			return false;
	}
	for (; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return false;
	return true;
}

/* RFC 4253 §7.1: byte SSH_MSG_KEXINIT, cookie[16], ten name-lists (kex,
 * host key, encryption c2s/s2c, mac c2s/s2c, compression c2s/s2c,
 * languages c2s/s2c), boolean first_kex_packet_follows, uint32 reserved. */
static bool parse_kexinit(const uint8_t *payload, size_t n, struct nlist lists[SSH_NLISTS])
{
	struct sl_cursor c = sl_cursor_make(payload, n);
	uint8_t msg, follows;
	uint32_t reserved;
	if (!sl_rd_u8(&c, &msg) || msg != SSH_MSG_KEXINIT || !sl_rd_skip(&c, 16))
		return false;
	for (size_t i = 0; i < SSH_NLISTS; i++) {
		if (!sl_rd_be32(&c, &lists[i].n) || !sl_rd_bytes(&c, lists[i].n, &lists[i].p) ||
		    !valid_namelist(lists[i].p, lists[i].n))
			return false;
	}
	return sl_rd_u8(&c, &follows) && sl_rd_be32(&c, &reserved);
}

/* HASSH (salesforce/hassh README): MD5 of "kex;enc;mac;comp" from the
 * client-to-server lists for the client and the server-to-client lists for
 * the server ("hasshServer"), each name-list verbatim as sent (signals such
 * as ext-info-c stay in).  The string is built in place in the scratch
 * (each list moves down, never past bytes not yet read: a list's 4-byte
 * length becomes a 1-byte ';'), which then becomes hassh_string. */
static void make_hassh(struct ssh_side *s, const struct nlist l[SSH_NLISTS], enum sl_dir dir)
{
	static const int pick[2][4] = { { 0, 2, 4, 6 }, { 0, 3, 5, 7 } };
	size_t w = 0;
	for (size_t k = 0; k < 4; k++) {
		const struct nlist *x = &l[pick[dir][k]];
		if (k)
			s->buf[w++] = ';';
		memmove(s->buf + w, x->p, x->n);
		w += x->n;
	}
	s->buf[w] = '\0';
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (!sl_digest(SL_MD5, s->buf, w, md, &mdlen) || mdlen != 16)
		return;
	for (size_t i = 0; i < 16; i++) {
		s->hassh[2 * i] = "0123456789abcdef"[md[i] >> 4];
		s->hassh[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
	}
	s->hassh[32] = '\0';
	char *str = realloc(s->buf, w + 1);
	s->hassh_string = str ? str : (char *)s->buf;
	s->buf = NULL;
}

/* RFC 4253 §6: uint32 packet_length, byte padding_length (at least 4),
 * payload, padding; no MAC yet, since the first KEXINIT travels before any
 * keys exist.  A packet larger than the scratch ends the side unhashed. */
static void read_packet(struct ssh_side *s, enum sl_dir dir)
{
	if (s->len < 5)
		return;
	uint32_t plen = ((uint32_t)s->buf[0] << 24) | ((uint32_t)s->buf[1] << 16) |
			((uint32_t)s->buf[2] << 8) | s->buf[3];
	uint8_t pad = s->buf[4];
	if (plen > SSH_REASM_MAX - 4 || pad < 4 || (uint32_t)pad + 2 > plen) {
		side_end(s, PH_END);
		return;
	}
	if (s->len < plen + 4)
		return;
	struct nlist lists[SSH_NLISTS];
	if (parse_kexinit(s->buf + 5, plen - pad - 1, lists))
		make_hassh(s, lists, dir);
	side_end(s, PH_END);
}

/* Take n new in-order bytes into the scratch and parse what is complete.
 * A segment larger than the room left is taken in pieces as parsing frees
 * room (the lines before the packet are consumed as they complete). */
static void feed(struct ssh_state *st, struct ssh_side *s, const struct sl_proto_pkt *pp,
		 const uint8_t *b, size_t n)
{
	if (!s->buf && !(s->buf = malloc(SSH_REASM_MAX))) {
		side_end(s, PH_END);
		return;
	}
	while (n && s->phase < PH_END) {
		size_t room = SSH_REASM_MAX - s->len;
		size_t k = n < room ? n : room;
		if (!k) {
			side_end(s, PH_END);
			return;
		}
		memcpy(s->buf + s->len, b, k);
		s->len = (uint16_t)(s->len + k);
		b += k;
		n -= k;
		if (s->phase == PH_LINES)
			read_lines(st, s, pp);
		if (s->phase == PH_PACKET)
			read_packet(s, pp->dir);
	}
	if (s->phase >= PH_END && s->buf)
		side_end(s, (enum ssh_phase)s->phase); /* e.g. an SSH-1 banner */
}

/* Names in kex_algorithms that are signals, not methods: RFC 8308's
 * "ext-info-c"/"ext-info-s" and OpenSSH's strict key exchange markers
 * "kex-strict-c-v00@openssh.com"/"kex-strict-s-v00@openssh.com" (the
 * Terrapin countermeasure).  They can never be the negotiated method. */
static bool pseudo_kex(const char *name, size_t n)
{
	return (n >= 9 && memcmp(name, "ext-info-", 9) == 0) ||
	       (n >= 11 && memcmp(name, "kex-strict-", 11) == 0);
}

static bool list_has(const char *list, size_t len, const char *name, size_t n)
{
	for (const char *p = list, *end = list + len; p < end;) {
		const char *e = memchr(p, ',', (size_t)(end - p));
		e = e ? e : end;
		if ((size_t)(e - p) == n && memcmp(p, name, n) == 0)
			return true;
		p = e + 1;
	}
	return false;
}

/* RFC 4253 §7.1: the key exchange method is the first of the client's
 * kex_algorithms that the server also lists (the guess rule picks the
 * same one when both first entries agree).  The further condition that a
 * compatible host key exist is not checked: every method in use needs only
 * a signature-capable host key, which every server offers.  The kex list
 * is the first ';' field of each side's HASSH string. */
static void negotiate_kex(struct ssh_state *st)
{
	const char *c = st->side[SL_DIR_TOSERVER].hassh_string;
	const char *s = st->side[SL_DIR_TOCLIENT].hassh_string;
	if (!c || !s || st->kex[0])
		return;
	size_t cn = strcspn(c, ";"), sn = strcspn(s, ";");
	for (const char *p = c, *end = c + cn; p < end;) {
		const char *e = memchr(p, ',', (size_t)(end - p));
		e = e ? e : end;
		size_t n = (size_t)(e - p);
		if (n && n <= SSH_NAME_MAX && !pseudo_kex(p, n) && list_has(s, sn, p, n)) {
			memcpy(st->kex, p, n);
			st->kex[n] = '\0';
			return;
		}
		p = e + 1;
	}
}

/* The application round trip, measured on the client side of the sensor:
 * from the packet that completes the server's identification string to the
 * first client packet that carries new payload (not a retransmission) and
 * whose acknowledgment number covers the end of that banner.  The ACK
 * proves the client had received the banner when it sent this packet, so
 * the interval is sensor -> client -> sensor, the same leg as the TCP
 * SYN/ACK -> ACK, plus the client's processing (OpenSSH answers the server
 * banner with its KEXINIT).  A client banner sent before it saw the
 * server's (OpenSSH sends its own at once) does not ack the server banner
 * and is not taken.  A TCP-terminating proxy near the sensor answers the
 * handshake quickly but relays the banner over the long path: the gap. */
static void measure_rtt(struct ssh_state *st, const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	if (!st->srv_banner_seen || st->rtt_done || !(p->tcp_flags & SL_TCP_ACK) ||
	    (int32_t)(p->tcp_ack - st->srv_banner_end) < 0 || p->ts < st->srv_banner_ts)
		return;
	sl_app_set_rtt(pp->flow, p->ts - st->srv_banner_ts);
	st->rtt_done = true;
}

/* Not SSH when a side proved it and neither side showed a banner.  Done
 * when both sides are finished and the round trip is measured (or cannot
 * be: no server banner). */
static enum sl_proto_verdict verdict(const struct ssh_state *st)
{
	const struct ssh_side *c = &st->side[SL_DIR_TOSERVER], *s = &st->side[SL_DIR_TOCLIENT];
	if (!c->banner[0] && !s->banner[0] && (c->phase == PH_NOT_SSH || s->phase == PH_NOT_SSH))
		return SL_PROTO_NOT_MINE;
	bool over = c->phase >= PH_END && s->phase >= PH_END;
	bool rtt_pending = st->srv_banner_seen && !st->rtt_done;
	return over && !rtt_pending ? SL_PROTO_DONE : SL_PROTO_MORE;
}

static enum sl_proto_verdict ssh_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct ssh_state *st = state;
	struct ssh_side *s = &st->side[pp->dir];
	const struct sl_packet *p = pp->pkt;
	size_t off = 0;
	bool gap = false;
	size_t fresh = stream_new(s, p, &off, &gap);
	if (pp->dir == SL_DIR_TOSERVER && fresh)
		measure_rtt(st, pp);
	if (gap && s->phase < PH_END)
		side_end(s, PH_END);
	if (fresh && s->phase < PH_END)
		feed(st, s, pp, p->payload + off, fresh);
	negotiate_kex(st);
	return verdict(st);
}

/* Inspection stopped mid-handshake: drop the reassembly scratch of both
 * sides; banners and any hash already computed stay. */
static void ssh_inspect_end(void *state)
{
	struct ssh_state *st = state;
	for (int i = 0; i < 2; i++) {
		free(st->side[i].buf);
		st->side[i].buf = NULL;
		st->side[i].len = 0;
	}
}

static void ssh_release(void *state)
{
	struct ssh_state *st = state;
	for (size_t i = 0; i < 2; i++) {
		free(st->side[i].buf);
		free(st->side[i].hassh_string);
	}
}


/* Every ssh.* field is declared where the SSH state keeps it: side[0] is the
 * client's (SL_DIR_TOSERVER), side[1] the server's. */
#define AT_SSH SL_IN_STATE(sl_proto_ssh)

static const struct sl_field fields[] = {
	SL_FIELD_STR("ssh.client.banner", "client identification string, e.g. SSH-2.0-OpenSSH_9.2p1",
		     AT_SSH, struct ssh_state, side[SL_DIR_TOSERVER].banner, SL_NONZERO),
	SL_FIELD_STR("ssh.client.proto_version", "protocol version in the client banner: 2.0, 1.99, 1.5",
		     AT_SSH, struct ssh_state, side[SL_DIR_TOSERVER].proto_version, SL_NONZERO),
	SL_FIELD_STR("ssh.client.software_version", "client softwareversion (banner after SSH-x.y-, before a space)",
		     AT_SSH, struct ssh_state, side[SL_DIR_TOSERVER].software, SL_NONZERO),
	SL_FIELD_STR("ssh.client.hassh.hash", "HASSH: MD5 of the client KEXINIT's kex;enc;mac;comp (c2s)",
		     AT_SSH, struct ssh_state, side[SL_DIR_TOSERVER].hassh, SL_NONZERO),
	SL_FIELD_STRP("ssh.client.hassh.string", "the string the client HASSH hashes",
		     AT_SSH, struct ssh_state, side[SL_DIR_TOSERVER].hassh_string, SL_NONZERO),
	SL_FIELD_STR("ssh.server.banner", "server identification string (lines sent before it are skipped)",
		     AT_SSH, struct ssh_state, side[SL_DIR_TOCLIENT].banner, SL_NONZERO),
	SL_FIELD_STR("ssh.server.proto_version", "protocol version in the server banner: 2.0, 1.99, 1.5",
		     AT_SSH, struct ssh_state, side[SL_DIR_TOCLIENT].proto_version, SL_NONZERO),
	SL_FIELD_STR("ssh.server.software_version", "server softwareversion (banner after SSH-x.y-, before a space)",
		     AT_SSH, struct ssh_state, side[SL_DIR_TOCLIENT].software, SL_NONZERO),
	SL_FIELD_STR("ssh.server.hassh.hash", "HASSH-server: MD5 of the server KEXINIT's kex;enc;mac;comp (s2c)",
		     AT_SSH, struct ssh_state, side[SL_DIR_TOCLIENT].hassh, SL_NONZERO),
	SL_FIELD_STRP("ssh.server.hassh.string", "the string the server HASSH hashes",
		     AT_SSH, struct ssh_state, side[SL_DIR_TOCLIENT].hassh_string, SL_NONZERO),
	SL_FIELD_STR("ssh.kex", "negotiated key exchange: first client kex method the server also offers",
		     AT_SSH, struct ssh_state, kex, SL_NONZERO),
};

static const struct sl_field_table ssh_fields = { "ssh", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_ssh = {
	.name = "ssh",
	.l4 = SL_L4_TCP,
	.state_size = sizeof(struct ssh_state),
	/* a server may send lines before its banner, and the banner may come in
	 * a later segment than the first */
	.probe_budget = SSH_PRELINES_PKTS,
	.probe = ssh_probe,
	.packet = ssh_packet,
	.inspect_end = ssh_inspect_end,
	.release = ssh_release,
	.fields = &ssh_fields,
};
