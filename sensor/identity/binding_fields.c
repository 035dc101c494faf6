/* Fields of identity: the binding a flow's outside address had
 * (subject.account, subject.signin.*) and a sign-in event's own fields
 * (signin.*), read from the record. */
#include "sightline/binding.h"

static const void *binding_of(const struct sl_record *r)
{
	return r->binding;
}

/* The binding the flow's outside address had, when it had one. */
#define AT_BINDING SL_IN_FUNC(binding_of)

static const struct sl_field bfields[] = {
	SL_FIELD_STR("subject.account", "account a sign-in bound the outside address to (the latest, when several are bound); on a signin event, the account signing in",
		AT_BINDING, struct sl_binding, account, SL_WITH_STATE),
	SL_FIELD_U("subject.accounts_bound", "accounts bound to the outside address at this time: 2 or more is one address shared by several logins (a laptop farm's egress)",
		AT_BINDING, struct sl_binding, accounts, SL_WITH_STATE),
	SL_FIELD_STR("subject.signin.source", "identity source (sign-in log) of that binding",
		AT_BINDING, struct sl_binding, source, SL_NONZERO),
	SL_FIELD_TIME("subject.signin.time", "time of the sign-in that made the binding",
		AT_BINDING, struct sl_binding, since, SL_WITH_STATE),
};

const struct sl_field_table sl_binding_fields = { "identity", bfields, ARRAY_SIZE(bfields) };

static const void *signin_of(const struct sl_record *r)
{
	return r->signin;
}

/* A sign-in event's own fields: its texts are "" when the log gave none. */
#define AT_SIGNIN SL_IN_FUNC(signin_of)

static const struct sl_field sfields[] = {
	SL_FIELD_STR("signin.account", "signin event: the login name as the log wrote it (Okta actor.alternateId, Entra userPrincipalName)",
		AT_SIGNIN, struct sl_signin, account, SL_NONZERO),
	SL_FIELD_ENUM("signin.outcome", "signin event: success, failure or unknown",
		AT_SIGNIN, struct sl_signin, outcome, sl_signin_outcome_names, SL_WITH_STATE),
	SL_FIELD_STR("signin.outcome_code", "signin event: the log's own result (Okta outcome.result, Entra status.errorCode)",
		AT_SIGNIN, struct sl_signin, outcome_code, SL_NONZERO),
	SL_FIELD_STR("signin.reason", "signin event: why it failed, as the log says (Okta outcome.reason, Entra status.failureReason)",
		AT_SIGNIN, struct sl_signin, outcome_reason, SL_NONZERO),
	SL_FIELD_STR("signin.app", "signin event: application signed in to (Entra appDisplayName, Okta target app)",
		AT_SIGNIN, struct sl_signin, application, SL_NONZERO),
	SL_FIELD_STR("signin.client_app", "signin event: client used (Entra clientAppUsed)",
		AT_SIGNIN, struct sl_signin, client_app, SL_NONZERO),
	SL_FIELD_STR("signin.user_agent", "signin event: the client's user agent",
		AT_SIGNIN, struct sl_signin, user_agent, SL_NONZERO),
	SL_FIELD_STR("signin.event", "signin event: the log's event type (Okta eventType, Entra signInEventTypes)",
		AT_SIGNIN, struct sl_signin, event_type, SL_NONZERO),
	SL_FIELD_STRP("signin.source", "signin event: identity source (configured name, else the file or socket path)",
		AT_SIGNIN, struct sl_signin, source, SL_NONZERO),
	SL_FIELD_ENUM("signin.format", "signin event: record format: okta, entra or json",
		AT_SIGNIN, struct sl_signin, format, sl_identity_format_names, SL_WITH_STATE),
};

const struct sl_field_table sl_signin_fields = { "signin", sfields, ARRAY_SIZE(sfields) };
