/* Fields of identity: the binding a flow's outside address had
 * (subject.account, subject.signin.*) and a sign-in event's own fields
 * (signin.*), read from the record. */
#include "sightline/binding.h"

static bool g_account(const struct sl_record *r, struct sl_value *v)
{
	if (!r->binding)
		return false;
	v->s = r->binding->account;
	return true;
}

static bool g_accounts(const struct sl_record *r, struct sl_value *v)
{
	if (!r->binding)
		return false;
	v->u = r->binding->accounts;
	return true;
}

static bool g_bsource(const struct sl_record *r, struct sl_value *v)
{
	if (!r->binding || !r->binding->source[0])
		return false;
	v->s = r->binding->source;
	return true;
}

static bool g_btime(const struct sl_record *r, struct sl_value *v)
{
	if (!r->binding)
		return false;
	v->t = r->binding->since;
	return true;
}

static const struct sl_field bfields[] = {
	{ "subject.account", SL_FT_STRING, "account a sign-in bound the outside address to (the latest, when several are bound); on a signin event, the account signing in", g_account },
	{ "subject.accounts_bound", SL_FT_UINT, "accounts bound to the outside address at this time: 2 or more is one address shared by several logins (a laptop farm's egress)", g_accounts },
	{ "subject.signin.source", SL_FT_STRING, "identity source (sign-in log) of that binding", g_bsource },
	{ "subject.signin.time", SL_FT_TIME, "time of the sign-in that made the binding", g_btime },
};

const struct sl_field_table sl_binding_fields = { "identity", bfields, ARRAY_SIZE(bfields) };

#define SI(r) ((r)->signin)

/* A text field of the sign-in, absent when the log gave none. */
static bool text(const struct sl_record *r, const char *s, struct sl_value *v)
{
	if (!SI(r) || !s[0])
		return false;
	v->s = s;
	return true;
}

static bool g_si_account(const struct sl_record *r, struct sl_value *v)
{
	return SI(r) && text(r, SI(r)->account, v);
}

static bool g_si_outcome(const struct sl_record *r, struct sl_value *v)
{
	if (!SI(r))
		return false;
	v->s = sl_signin_outcome_name(SI(r)->outcome);
	return true;
}

static bool g_si_code(const struct sl_record *r, struct sl_value *v)
{
	return SI(r) && text(r, SI(r)->outcome_code, v);
}

static bool g_si_reason(const struct sl_record *r, struct sl_value *v)
{
	return SI(r) && text(r, SI(r)->outcome_reason, v);
}

static bool g_si_app(const struct sl_record *r, struct sl_value *v)
{
	return SI(r) && text(r, SI(r)->application, v);
}

static bool g_si_client(const struct sl_record *r, struct sl_value *v)
{
	return SI(r) && text(r, SI(r)->client_app, v);
}

static bool g_si_ua(const struct sl_record *r, struct sl_value *v)
{
	return SI(r) && text(r, SI(r)->user_agent, v);
}

static bool g_si_event(const struct sl_record *r, struct sl_value *v)
{
	return SI(r) && text(r, SI(r)->event_type, v);
}

static bool g_si_source(const struct sl_record *r, struct sl_value *v)
{
	return SI(r) && SI(r)->source && text(r, SI(r)->source, v);
}

static bool g_si_format(const struct sl_record *r, struct sl_value *v)
{
	if (!SI(r))
		return false;
	v->s = sl_identity_format_name(SI(r)->format);
	return true;
}

static const struct sl_field sfields[] = {
	{ "signin.account", SL_FT_STRING, "signin event: the login name as the log wrote it (Okta actor.alternateId, Entra userPrincipalName)", g_si_account },
	{ "signin.outcome", SL_FT_STRING, "signin event: success, failure or unknown", g_si_outcome },
	{ "signin.outcome_code", SL_FT_STRING, "signin event: the log's own result (Okta outcome.result, Entra status.errorCode)", g_si_code },
	{ "signin.reason", SL_FT_STRING, "signin event: why it failed, as the log says (Okta outcome.reason, Entra status.failureReason)", g_si_reason },
	{ "signin.app", SL_FT_STRING, "signin event: application signed in to (Entra appDisplayName, Okta target app)", g_si_app },
	{ "signin.client_app", SL_FT_STRING, "signin event: client used (Entra clientAppUsed)", g_si_client },
	{ "signin.user_agent", SL_FT_STRING, "signin event: the client's user agent", g_si_ua },
	{ "signin.event", SL_FT_STRING, "signin event: the log's event type (Okta eventType, Entra signInEventTypes)", g_si_event },
	{ "signin.source", SL_FT_STRING, "signin event: identity source (configured name, else the file or socket path)", g_si_source },
	{ "signin.format", SL_FT_STRING, "signin event: record format: okta, entra or json", g_si_format },
};

const struct sl_field_table sl_signin_fields = { "signin", sfields, ARRAY_SIZE(sfields) };
