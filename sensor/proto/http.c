/* HTTP/1.x request facts: method, URI, Host, User-Agent and Accept-Language
 * (a locale hint: a claimed US worker whose browser asks for ko-KR first is
 * worth a look).  Spec: RFC 9112 (HTTP/1.1 message syntax), RFC 9110 §12.5.4
 * (Accept-Language).  The request head is reassembled in TCP order from the
 * client's first segments, up to HTTP_HEAD_MAX bytes.  Over UDP (UPnP's
 * SSDP: M-SEARCH and NOTIFY, UPnP Device Architecture 2.0 section 1) each
 * datagram is a whole request, and the first one is read. */
#include <string.h>
#include <strings.h>

#include "sightline/cursor.h"
#include "sightline/proto.h"

#define HTTP_HEAD_MAX 2048

extern const struct sl_proto sl_proto_http;

struct http_state {
	uint32_t next_seq;   /* next expected client sequence number */
	bool started;
	bool parsed;
	uint16_t len;        /* bytes in head */
	char head[HTTP_HEAD_MAX];
	char method[24];
	char protocol[16];
	char uri[512];
	char host[256];
	char user_agent[512];
	char accept_language[128];
};

/* The IANA HTTP Method Registry (RFC 9110 and the WebDAV family: RFC 4918,
 * 3253, 3648, 3744, 4437, 4791, 5323, 5842), UPnP's GENA and SSDP methods,
 * and PURGE, which caches take. */
static const char *const methods[] = {
	"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "PATCH", "TRACE",
	"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT",
	"ACL", "BIND", "UNBIND", "REBIND", "LINK", "UNLINK", "MKCALENDAR", "MKREDIRECTREF",
	"UPDATEREDIRECTREF", "ORDERPATCH", "VERSION-CONTROL", "CHECKIN", "CHECKOUT",
	"UNCHECKOUT", "MKWORKSPACE", "UPDATE", "LABEL", "MERGE", "BASELINE-CONTROL",
	"MKACTIVITY", "QUERY", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PURGE",
};

/* A request line of a method not listed: a token of capitals and '-' (as
 * every registered one is; not '_', so SSTP's SSTP_DUPLEX_POST stays for
 * its own parser), a target, and "HTTP/1." in the first line of the packet
 * (RFC 9112 section 3). */
static bool any_request_line(const uint8_t *b, size_t n)
{
	size_t i = 0;
	while (i < n && i < 24 && ((b[i] >= 'A' && b[i] <= 'Z') || b[i] == '-'))
		i++;
	if (i < 3 || i >= n || b[i] != ' ')
		return false;
	for (i++; i < n && b[i] != ' ' && b[i] != '\r' && b[i] != '\n'; i++)
		;
	return n - i > 8 && b[i] == ' ' && memcmp(b + i + 1, "HTTP/1.", 7) == 0;
}

/* The client's first bytes are a known method followed by a space, or a
 * whole request line of another method. */
static bool http_probe(const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	if (pp->dir != SL_DIR_TOSERVER)
		return false;
	/* every method and request line starts with a capital or '-': most
	 * payloads (binary protocols) are turned away on their first byte */
	if (!p->payload_len || !((p->payload[0] >= 'A' && p->payload[0] <= 'Z') ||
				 p->payload[0] == '-'))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
		size_t n = strlen(methods[i]);
		if (p->payload_len > n && memcmp(p->payload, methods[i], n) == 0 && p->payload[n] == ' ')
			return true;
	}
	return any_request_line(p->payload, p->payload_len);
}

/* Copy [b, e) into dst (size n), trimmed of spaces and tabs. */
static void copy_trim(char *dst, size_t n, const char *b, const char *e)
{
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	size_t len = (size_t)(e - b) < n - 1 ? (size_t)(e - b) : n - 1;
	memcpy(dst, b, len);
	dst[len] = '\0';
}

/* "METHOD SP request-target SP HTTP-version"; false if it is not one. */
static bool parse_request_line(struct http_state *s, const char *b, const char *e)
{
	const char *sp1 = memchr(b, ' ', (size_t)(e - b));
	if (!sp1)
		return false;
	const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
	if (!sp2 || e - sp2 < 9 || memcmp(sp2 + 1, "HTTP/", 5) != 0)
		return false;
	copy_trim(s->method, sizeof(s->method), b, sp1);
	copy_trim(s->uri, sizeof(s->uri), sp1 + 1, sp2);
	copy_trim(s->protocol, sizeof(s->protocol), sp2 + 1, e);
	return true;
}

static void parse_header(struct http_state *s, const char *b, const char *e)
{
	static const struct { const char *name; size_t off, size; } wanted[] = {
		{ "host", offsetof(struct http_state, host), sizeof(((struct http_state *)0)->host) },
		{ "user-agent", offsetof(struct http_state, user_agent), sizeof(((struct http_state *)0)->user_agent) },
		{ "accept-language", offsetof(struct http_state, accept_language),
		  sizeof(((struct http_state *)0)->accept_language) },
	};
	const char *colon = memchr(b, ':', (size_t)(e - b));
	if (!colon)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		size_t n = strlen(wanted[i].name);
		char *dst = (char *)s + wanted[i].off;
		if ((size_t)(colon - b) == n && strncasecmp(b, wanted[i].name, n) == 0 && !dst[0])
			copy_trim(dst, wanted[i].size, colon + 1, e);
	}
}

/* Parse the complete lines of the head; true when it is a request. */
static bool parse_head(struct http_state *s)
{
	const char *p = s->head, *end = s->head + s->len;
	bool first = true;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		if (first && !parse_request_line(s, p, nl))
			return false;
		if (!first && (nl == p || (nl == p + 1 && *p == '\r')))
			break; /* blank line: end of the head */
		if (!first)
			parse_header(s, p, nl);
		first = false;
		p = nl + 1;
	}
	return !first;
}

static bool head_complete(const struct http_state *s)
{
	for (size_t i = 0; i + 1 < s->len; i++)
		if (s->head[i] == '\n' && (s->head[i + 1] == '\n' ||
					   (s->head[i + 1] == '\r' && i + 2 < s->len && s->head[i + 2] == '\n')))
			return true;
	return false;
}

/* Append the client's segment if it is the next in sequence; a gap ends
 * reassembly (parse what arrived), a retransmission is ignored. */
static bool append(struct http_state *s, const struct sl_packet *p)
{
	if (s->started && p->tcp_seq != s->next_seq)
		return (int32_t)(p->tcp_seq - s->next_seq) < 0;
	s->started = true;
	s->next_seq = p->tcp_seq + p->payload_len;
	size_t room = sizeof(s->head) - s->len;
	size_t n = p->payload_len < room ? p->payload_len : room;
	memcpy(s->head + s->len, p->payload, n);
	s->len = (uint16_t)(s->len + n);
	return true;
}

static enum sl_proto_verdict http_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct http_state *s = state;
	const struct sl_packet *p = pp->pkt;
	if (pp->dir != SL_DIR_TOSERVER || !p->payload_len)
		return SL_PROTO_MORE;
	bool in_order = append(s, p);
	bool datagram = p->proto == 17; /* a whole message: nothing more to wait for */
	if (in_order && !datagram && !head_complete(s) && s->len < sizeof(s->head))
		return SL_PROTO_MORE;
	if (!parse_head(s))
		return SL_PROTO_NOT_MINE;
	s->parsed = true;
	sl_app_identify(pp->flow, &sl_proto_http);
	return SL_PROTO_DONE;
}

/* A flow that ended before the head completed still reports what arrived. */
static void http_flow_end(void *state, const struct sl_flow *flow, void *global)
{
	struct http_state *s = state;
	(void)flow, (void)global;
	if (!s->parsed && s->len)
		s->parsed = parse_head(s);
}

/* Declared fields read the state once parsed is set. */
#define AT_HTTP SL_IN_STATE_IF(sl_proto_http, struct http_state, parsed)

static const struct sl_field fields[] = {
	SL_FIELD_STR("http.http_method", "request method of the flow's first HTTP/1.x request",
		     AT_HTTP, struct http_state, method, SL_NONZERO),
	SL_FIELD_STR("http.protocol", "HTTP version of that request, e.g. HTTP/1.1",
		     AT_HTTP, struct http_state, protocol, SL_NONZERO),
	SL_FIELD_STR("http.url", "request target (path and query, or authority for CONNECT)",
		     AT_HTTP, struct http_state, uri, SL_NONZERO),
	SL_FIELD_STR("http.hostname", "Host header",
		     AT_HTTP, struct http_state, host, SL_NONZERO),
	SL_FIELD_STR("http.http_user_agent", "User-Agent header",
		     AT_HTTP, struct http_state, user_agent, SL_NONZERO),
	SL_FIELD_STR("http.accept_language", "Accept-Language header: the client's locale preference (a hint of where its user is)",
		     AT_HTTP, struct http_state, accept_language, SL_NONZERO),
};

static const struct sl_field_table http_fields = { "http", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_http = {
	.name = "http",
	.l4 = SL_L4_TCP | SL_L4_UDP,
	.state_size = sizeof(struct http_state),
	/* a request may follow a proxy's own exchange: SOCKS5's greeting, method
	 * choice and CONNECT put it at packet 8 to 10 */
	.probe_budget = 12,
	.probe = http_probe,
	.packet = http_packet,
	.flow_end = http_flow_end,
	.fields = &http_fields,
};
