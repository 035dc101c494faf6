/* Field names sightline used before it took Suricata EVE's names and types
 * (#15): a rule written for the old name still loads, reading the new one. */
#include <stdio.h>
#include <string.h>

#include "sightline/field.h"

/* old -> new; an old name ending in '.' renames every field under it. */
static const struct {
	const char *old, *new;
} renamed[] = {
	{ "tcp.syn.", "tcp_stack.syn." },       /* EVE's tcp.syn is a boolean */
	{ "tcp.synack.", "tcp_stack.synack." },
	{ "tcp.link", "tcp_stack.link" },
	{ "tcp.link_mtu", "tcp_stack.link_mtu" },
	{ "tcp.simultaneous_open", "tcp_stack.simultaneous_open" },
	{ "tls.ja3", "tls.ja3.hash" },          /* EVE: {hash, string} objects */
	{ "tls.ja3_string", "tls.ja3.string" },
	{ "tls.ja3s", "tls.ja3s.hash" },
	{ "tls.ja3s_string", "tls.ja3s.string" },
	{ "quic.ja3", "quic.ja3.hash" },
	{ "ssh.client.hassh", "ssh.client.hassh.hash" },
	{ "ssh.client.hassh_string", "ssh.client.hassh.string" },
	{ "ssh.server.hassh", "ssh.server.hassh.hash" },
	{ "ssh.server.hassh_string", "ssh.server.hassh.string" },
	{ "ssh.client.software", "ssh.client.software_version" },
	{ "ssh.server.software", "ssh.server.software_version" },
	{ "http.host", "http.hostname" },
	{ "http.uri", "http.url" },
	{ "http.user_agent", "http.http_user_agent" },
	{ "http.method", "http.http_method" },
	{ "dns.query", "dns.rrname" },          /* EVE's dns.query is an array */
	{ "dns.answers", "dns.answer_data" },   /* EVE's dns.answers is an array */
	{ "dns.queries", "dns.query_count" },   /* EVE's dns.queries is an array */
	{ "dns.responses", "dns.response_count" },
	{ "dhcp.type", "dhcp.message_types" },  /* EVE's dhcp.type is request/reply */
};

/* Fields that kept their name but took EVE's type: where the old text went. */
static const struct {
	const char *name, *text;
} retyped[] = {
	{ "ike.exchange_type", "ike.exchange_type_verbose" },
};

const char *sl_field_text_moved(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(retyped); i++)
		if (!strcmp(name, retyped[i].name))
			return retyped[i].text;
	return NULL;
}

const char *sl_field_renamed(const char *old, char *buf, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(renamed); i++) {
		const char *o = renamed[i].old;
		size_t n = strlen(o);
		if (o[n - 1] == '.' ? strncmp(old, o, n) != 0 || !old[n] : strcmp(old, o) != 0)
			continue;
		int w = snprintf(buf, len, "%s%s", renamed[i].new, o[n - 1] == '.' ? old + n : "");
		if (w < 0 || (size_t)w >= len)
			return NULL;
		if (sl_catalogue_find(buf))
			return buf;
	}
	return NULL;
}
