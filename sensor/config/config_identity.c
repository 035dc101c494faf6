/* The keys of one identity.sources entry (sign-in logs read by
 * sensor/identity) and the checks that tie them together. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "config_priv.h"
#include "sightline/jsonpath.h"

/* One entry of `identity.sources:` (offsets into struct sl_identity_source_config). */
#define ID_OFF(field) offsetof(struct sl_identity_source_config, field)
#define ID_STR(k, field, maxlen, text)                                         \
	{ .key = k, .type = SL_CFG_STRING, .offset = ID_OFF(field), .def = "", \
	  .max = maxlen, .unit = "", .desc = text }
#define ID_ENUM(k, field, d, names, text)                                      \
	{ .key = k, .type = SL_CFG_ENUM, .offset = ID_OFF(field), .def = d,    \
	  .choices = names, .unit = "", .desc = text }
#define ID_PATH(name, f, text) ID_STR("fields." name, fields[f], 256, text)

static const char *const id_format_names[] = {
	[SL_IDENTITY_FORMAT_AUTO] = "auto",
	[SL_IDENTITY_FORMAT_OKTA] = "okta",
	[SL_IDENTITY_FORMAT_ENTRA] = "entra",
	[SL_IDENTITY_FORMAT_JSON] = "json",
	NULL,
};
static const char *const id_mode_names[] = { "auto", "replay", "follow", NULL };
static const char *const id_start_names[] = { "beginning", "end", NULL };
static const char *const id_socket_names[] = { "stream", "datagram", NULL };
static const char *const id_time_names[] = { "auto", "rfc3339", "epoch_s", "epoch_ms",
					     "epoch_us", NULL };

static const struct sl_cfg_key identity_keys[] = {
	ID_STR("path", path, 4096, "a sign-in log file (give path or socket)"),
	ID_STR("socket", socket, 107,
	       "a unix socket that a collector pushes records to, one per line or datagram"),
	ID_ENUM("socket_type", socket_type, "stream", id_socket_names,
		"socket: stream (connections, one record per line) or datagram (one per datagram)"),
	ID_ENUM("format", format, "auto", id_format_names,
		"auto (Okta or Entra ID, recognised from each record), okta, entra, or json "
		"(the field paths below)"),
	ID_STR("name", name, 64, "label in messages and counters; default the path"),
	ID_ENUM("mode", mode, "auto", id_mode_names,
		"path: auto (follow when capturing live, read once when replaying), replay (read "
		"once) or follow (as it grows and across rotation, like tail -F)"),
	ID_ENUM("start", start, "beginning", id_start_names,
		"followed path: read what the file already holds (beginning) or only what is "
		"appended (end)"),
	ID_ENUM("time_format", time_format, "auto", id_time_names,
		"json: auto (RFC 3339 text, or epoch seconds, ms or us told apart by size), "
		"rfc3339, epoch_s, epoch_ms or epoch_us"),
	ID_PATH("time", SL_IDENTITY_FIELD_TIME, "json: path of the sign-in time (required)"),
	ID_PATH("account", SL_IDENTITY_FIELD_ACCOUNT, "json: path of the account name (required)"),
	ID_PATH("address", SL_IDENTITY_FIELD_ADDRESS,
		"json: path of the client's IP address (required)"),
	ID_PATH("outcome", SL_IDENTITY_FIELD_OUTCOME,
		"json: path of the outcome, read through success/failure (required)"),
	ID_PATH("user_agent", SL_IDENTITY_FIELD_USER_AGENT, "json: path of the user agent"),
	ID_PATH("application", SL_IDENTITY_FIELD_APPLICATION,
		"json: path of the application signed in to"),
	ID_PATH("client_app", SL_IDENTITY_FIELD_CLIENT_APP, "json: path of the client application"),
	ID_PATH("event_type", SL_IDENTITY_FIELD_EVENT_TYPE, "json: path of the source's event type"),
	ID_STR("success", success, 1024,
	       "json: outcome values that mean success, comma-separated, compared without case "
	       "(numbers and true/false as written); default success"),
	ID_STR("failure", failure, 1024,
	       "json: outcome values that mean failure; default every value not in success "
	       "(when given, other values are unknown)"),
};

/* The json-only keys of an entry, for the "only with format json" check. */
static bool json_keys_given(const struct sl_identity_source_config *c, const char **which)
{
	for (size_t f = 0; f < SL_IDENTITY__NFIELDS; f++)
		if (c->fields[f])
			return *which = "fields", true;
	if (c->success)
		return *which = "success", true;
	if (c->failure)
		return *which = "failure", true;
	if (c->time_format != SL_IDENTITY_TIME_AUTO)
		return *which = "time_format", true;
	return false;
}

/* format json: the four required paths present and every path well formed. */
static int check_identity_fields(const struct sl_identity_source_config *c, char *why,
				 size_t whylen)
{
	static const char *const names[] = { "time", "account", "address", "outcome" };
	for (size_t f = 0; f < SL_IDENTITY__NFIELDS; f++) {
		if (!c->fields[f] && f < ARRAY_SIZE(names))
			return snprintf(why, whylen, "format json needs fields.%s: the path of the "
					"%s in each record (e.g. fields: {time: ts, account: user, "
					"address: src_ip, outcome: result})", names[f], names[f]),
			       -EINVAL;
		if (c->fields[f] && !sl_jpath_valid(c->fields[f]))
			return snprintf(why, whylen, "field path '%.60s' is not a dotted path of at "
					"most 8 non-empty parts (e.g. client.ipAddress)", c->fields[f]),
			       -EINVAL;
	}
	return 0;
}

static int check_identity(const void *entry, char *why, size_t whylen)
{
	const struct sl_identity_source_config *c = entry;
	const char *which;
	if (!c->path == !c->socket)
		return snprintf(why, whylen, "%s", c->path ? "give path or socket, not both"
				: "give the file (path: /var/log/okta.json) or the socket (socket: "
				"/run/sightline/identity.sock) to read sign-ins from"), -EINVAL;
	if (c->socket && (c->mode != SL_IDENTITY_MODE_AUTO || c->start != SL_IDENTITY_START_BEGINNING))
		return snprintf(why, whylen, "'%s' applies to a path, not to a socket",
				c->mode != SL_IDENTITY_MODE_AUTO ? "mode" : "start"), -EINVAL;
	if (c->path && c->socket_type != SL_IDENTITY_SOCK_STREAM)
		return snprintf(why, whylen, "%s", "'socket_type' applies to a socket, not to a "
				"path"), -EINVAL;
	if (c->format == SL_IDENTITY_FORMAT_JSON)
		return check_identity_fields(c, why, whylen);
	if (json_keys_given(c, &which))
		return snprintf(why, whylen, "'%s' is only read with format json (this entry has "
				"format %s)", which, id_format_names[c->format]), -EINVAL;
	return 0;
}

const struct sl_cfg_table sl_cfg_identity_table = { identity_keys, ARRAY_SIZE(identity_keys),
						   check_identity };
