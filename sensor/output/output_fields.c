/* Declarations of the per-output part of the stats event
 * (sl_eve_stats_json in eve.c): the schema and --list-fields are built
 * from them, so a key added there is added here. */
#include "sightline/schema.h"

#define U(NAME, DESC) { "stats.outputs[]." NAME, SL_FT_UINT, DESC }

static const struct sl_field output_stats_fields[] = {
	{ "stats.outputs[].type", SL_FT_STRING, "the output's type: file, stdout, unix-stream, unix-dgram, syslog, relp or kafka" },
	{ "stats.outputs[].destination", SL_FT_STRING, "where it writes: path, address or brokers and topic" },
	U("events", "events handed to it (= queued + in_flight + delivered + dropped)"),
	U("queued", "events waiting for the writer"),
	U("in_flight", "sent, not yet confirmed: in a file buffer or awaiting the receiver's acknowledgement"),
	U("delivered", "confirmed: written to the file, acknowledged by the peer"),
	U("dropped", "lost and counted"),
	U("resent", "sent again after a reconnect (the receiver may hold them twice)"),
	U("reconnects", "reconnections to the destination"),
	U("reopens", "SIGHUP reopens that switched to the new file"),
	U("reopen_failures", "reopens that failed (the old file kept receiving)"),
	U("reopen_errno", "errno of the latest reopen, 0 when it worked"),
	{ "stats.outputs[].connected", SL_FT_BOOL, "the destination is connected (files: open)" },
};

const struct sl_field_table sl_output_stats_fields = {
	.module = "outputs",
	.fields = output_stats_fields,
	.n = ARRAY_SIZE(output_stats_fields),
};
