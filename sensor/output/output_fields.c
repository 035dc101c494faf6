/* Declarations of the per-output part of the stats event, each member's
 * place in struct sl_output_stats_row: its writer (sl_eve_stats_json in
 * eve.c, through sl_fields_write_element()), the schema and --list-fields
 * all walk this table, so a key is added here and nowhere else. */
#include "sightline/schema.h"
#include "output_priv.h"

#define ROW struct sl_output_stats_row
#define U(NAME, DESC, M) SL_FIELD_U("stats.outputs[]." NAME, DESC, SL_IN_OWN, ROW, M, SL_ALWAYS)

static const struct sl_field output_stats_fields[] = {
	SL_FIELD_STRP("stats.outputs[].type", "the output's type: file, stdout, unix-stream, unix-dgram, syslog, relp or kafka",
		      SL_IN_OWN, ROW, st.type, SL_ALWAYS),
	SL_FIELD_STR("stats.outputs[].destination", "where it writes: path, address or brokers and topic",
		     SL_IN_OWN, ROW, st.destination, SL_ALWAYS),
	U("events", "events handed to it (= queued + in_flight + delivered + dropped)", st.events),
	U("queued", "events waiting for the writer", st.queued),
	U("in_flight", "sent, not yet confirmed: in a file buffer or awaiting the receiver's acknowledgement", in_flight),
	U("delivered", "confirmed: written to the file, acknowledged by the peer", st.delivered),
	U("dropped", "lost and counted", st.dropped),
	U("resent", "sent again after a reconnect (the receiver may hold them twice)", st.resent),
	U("reconnects", "reconnections to the destination", st.reconnects),
	U("reopens", "SIGHUP reopens that switched to the new file", st.reopens),
	U("reopen_failures", "reopens that failed (the old file kept receiving)", st.reopen_failures),
	U("reopen_errno", "errno of the latest reopen, 0 when it worked", reopen_errno),
	SL_FIELD_BOOL("stats.outputs[].connected", "the destination is connected (files: open)",
		      SL_IN_OWN, ROW, st.connected, SL_ALWAYS),
};

const struct sl_field_table sl_output_stats_fields = {
	.module = "outputs",
	.fields = output_stats_fields,
	.n = ARRAY_SIZE(output_stats_fields),
};
