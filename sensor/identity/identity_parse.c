/* One JSON record to one sign-in, per format: Okta System Log events
 * (developer.okta.com "System Log API", LogEvent object), Microsoft Graph
 * signIn resources (learn.microsoft.com "signIn resource type", v1.0 and
 * beta), and any JSON record through configured field paths. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "identity_priv.h"
#include "sightline/jsonpath.h"

const char *const sl_identity_format_names[SL_IDENTITY__NFORMATS] = {
	[SL_IDENTITY_FORMAT_AUTO] = "auto",
	[SL_IDENTITY_FORMAT_OKTA] = "okta",
	[SL_IDENTITY_FORMAT_ENTRA] = "entra",
	[SL_IDENTITY_FORMAT_JSON] = "json",
};

const char *sl_identity_format_name(enum sl_identity_format f)
{
	return (unsigned)f < SL_IDENTITY__NFORMATS ? sl_identity_format_names[f] : "?";
}

const char *const sl_signin_outcome_names[3] = { "unknown", "success", "failure" };

const char *sl_signin_outcome_name(enum sl_signin_outcome o)
{
	return (unsigned)o < ARRAY_SIZE(sl_signin_outcome_names) ? sl_signin_outcome_names[o] : "?";
}

/* Split a comma-separated list into owned, trimmed, non-empty items. */
static int split_list(const char *text, char ***out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, ",");
		const char *a = p, *b = p + len;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a) {
			char **grown = sl_grow(*out, &cap, *n, sizeof(char *), 4);
			char *item = grown ? strndup(a, (size_t)(b - a)) : NULL;
			if (grown)
				*out = grown;
			if (!item)
				return -ENOMEM;
			(*out)[(*n)++] = item;
		}
		p += len + (p[len] == ',');
	}
	return 0;
}

int sl_id_parser_init(struct id_parser *p, const struct sl_identity_source_config *sc)
{
	memset(p, 0, sizeof(*p));
	p->format = sc->format;
	p->time_format = sc->time_format;
	for (size_t f = 0; f < SL_IDENTITY__NFIELDS; f++)
		if (sc->fields[f] && !(p->fields[f] = strdup(sc->fields[f])))
			return -ENOMEM;
	if (split_list(sc->success ? sc->success : "success", &p->success, &p->n_success) < 0 ||
	    split_list(sc->failure, &p->failure, &p->n_failure) < 0)
		return -ENOMEM;
	return 0;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

void sl_id_parser_finish(struct id_parser *p)
{
	for (size_t f = 0; f < SL_IDENTITY__NFIELDS; f++)
		free(p->fields[f]);
	free_list(p->success, p->n_success);
	free_list(p->failure, p->n_failure);
	memset(p, 0, sizeof(*p));
}

/* ---- field access ---- */

static bool has(const json_t *v, const char *key)
{
	return json_object_get(v, key) != NULL;
}

/*
 * Okta events carry eventType with published or actor; Graph sign-ins carry
 * userPrincipalName or createdDateTime with ipAddress, status or
 * appDisplayName.  Neither has the other's keys, so a record is never both.
 */
enum sl_identity_format sl_id_classify(const json_t *v)
{
	if (!json_is_object(v))
		return SL_IDENTITY_FORMAT_AUTO;
	bool okta = has(v, "eventType") && (has(v, "published") || has(v, "actor"));
	bool entra = (has(v, "userPrincipalName") || has(v, "createdDateTime")) &&
		     (has(v, "ipAddress") || has(v, "status") || has(v, "appDisplayName"));
	if (okta == entra)
		return SL_IDENTITY_FORMAT_AUTO;
	return okta ? SL_IDENTITY_FORMAT_OKTA : SL_IDENTITY_FORMAT_ENTRA;
}

json_t *sl_id_elements(const json_t *v)
{
	if (json_is_array(v))
		return (json_t *)v;
	json_t *value = json_object_get(v, "value");
	/* a Graph page: {"@odata.context": ..., "value": [...], "@odata.nextLink": ...} */
	if (json_is_array(value) && sl_id_classify(v) == SL_IDENTITY_FORMAT_AUTO)
		return value;
	return NULL;
}

static bool problem(struct id_problem *pb, enum sl_identity_bad why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool problem(struct id_problem *pb, enum sl_identity_bad why, const char *fmt, ...)
{
	va_list ap;
	pb->why = why;
	va_start(ap, fmt);
	vsnprintf(pb->text, sizeof(pb->text), fmt, ap);
	va_end(ap);
	return false;
}

/* A required string field: present, a string, not empty. */
static bool need_str(const json_t *rec, const char *path, const char *what, const char **s,
		     size_t *n, struct id_problem *pb)
{
	const json_t *v = sl_jpath_get(rec, path);
	if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return problem(pb, SL_IDENTITY_BAD_MISSING_FIELD, "no %s (%s)", what, path);
	if (!json_is_string(v))
		return problem(pb, SL_IDENTITY_BAD_WRONG_TYPE, "%s is %s, expected a string (the %s)",
			       path, sl_jpath_type_name(v), what);
	*s = json_string_value(v);
	*n = json_string_length(v);
	return true;
}

/* An optional text field into dst: strings as they are, numbers and
 * booleans as written in JSON; anything else leaves dst empty. */
static void opt_text(const json_t *rec, const char *path, char *dst, size_t cap)
{
	const json_t *v = path ? sl_jpath_get(rec, path) : NULL;
	dst[0] = '\0';
	if (json_is_string(v))
		sl_id_copy(dst, cap, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v))
		snprintf(dst, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(dst, cap, "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(dst, cap, "%s", json_is_true(v) ? "true" : "false");
}

static bool set_time(const char *s, size_t n, const char *path, sl_time_us *t,
		     struct id_problem *pb)
{
	char q[80];
	if (sl_id_parse_rfc3339(s, n, t) == 0)
		return true;
	return problem(pb, SL_IDENTITY_BAD_TIME, "%s '%s' is not an RFC 3339 time with a UTC offset "
		       "(e.g. 2024-03-05T14:03:11.123Z)", path, sl_id_quote(s, n, 40, q, sizeof(q)));
}

static bool set_account(const char *s, size_t n, const char *path, struct sl_signin *out,
			struct id_problem *pb)
{
	if (!sl_id_copy(out->account, sizeof(out->account), s, n))
		return problem(pb, SL_IDENTITY_BAD_TOO_LONG, "%s is %zu bytes long, more than the %d an "
			       "account may have", path, n, SL_SIGNIN_ACCOUNT_MAX - 1);
	sl_id_fold(s, n, out->account_folded, sizeof(out->account_folded));
	return true;
}

static bool set_addr(const char *s, size_t n, const char *path, struct sl_signin *out,
		     struct id_problem *pb)
{
	char q[80];
	if (sl_id_parse_addr(s, n, &out->addr) == 0)
		return true;
	return problem(pb, SL_IDENTITY_BAD_ADDRESS, "%s '%s' is not an IPv4 or IPv6 address", path,
		       sl_id_quote(s, n, 50, q, sizeof(q)));
}

/* The fields every format has: time, account, address at these paths. */
static bool core_fields(const json_t *rec, const char *tpath, const char *apath,
			const char *ipath, struct sl_signin *out, struct id_problem *pb)
{
	const char *s = NULL;
	size_t n = 0;
	return need_str(rec, tpath, "sign-in time", &s, &n, pb) && set_time(s, n, tpath, &out->time, pb) &&
	       need_str(rec, apath, "account", &s, &n, pb) && set_account(s, n, apath, out, pb) &&
	       need_str(rec, ipath, "client address", &s, &n, pb) && set_addr(s, n, ipath, out, pb);
}

/* ---- Okta ---- */

/* Sign-ins are user.session.start and the user.authentication.* family
 * (sso, auth_via_mfa, verify, ...); every other event type is passed over. */
static bool okta_is_signin(const char *type)
{
	return strcmp(type, "user.session.start") == 0 ||
	       strncmp(type, "user.authentication.", 20) == 0;
}

/* SUCCESS and ALLOW succeed, FAILURE and DENY fail; SKIPPED, CHALLENGE and
 * UNKNOWN say nothing either way. */
static enum sl_signin_outcome okta_outcome(const char *r)
{
	if (strcasecmp(r, "SUCCESS") == 0 || strcasecmp(r, "ALLOW") == 0)
		return SL_SIGNIN_SUCCESS;
	if (strcasecmp(r, "FAILURE") == 0 || strcasecmp(r, "DENY") == 0)
		return SL_SIGNIN_FAILURE;
	return SL_SIGNIN_UNKNOWN;
}

/* The application of an SSO event: the target of type AppInstance. */
static void okta_app(const json_t *rec, char *dst, size_t cap)
{
	const json_t *targets = json_object_get(rec, "target"), *t;
	size_t i;
	dst[0] = '\0';
	json_array_foreach(targets, i, t) {
		const json_t *type = json_object_get(t, "type");
		if (json_is_string(type) && strcmp(json_string_value(type), "AppInstance") == 0) {
			opt_text(t, "displayName", dst, cap);
			return;
		}
	}
}

static enum id_verdict parse_okta(const json_t *rec, struct sl_signin *out, struct id_problem *pb)
{
	const char *type;
	size_t n;
	if (!need_str(rec, "eventType", "event type", &type, &n, pb))
		return ID_BAD;
	if (!okta_is_signin(type))
		return ID_SKIPPED;
	sl_id_copy(out->event_type, sizeof(out->event_type), type, n);
	if (!core_fields(rec, "published", "actor.alternateId", "client.ipAddress", out, pb))
		return ID_BAD;
	opt_text(rec, "outcome.result", out->outcome_code, sizeof(out->outcome_code));
	opt_text(rec, "outcome.reason", out->outcome_reason, sizeof(out->outcome_reason));
	out->outcome = okta_outcome(out->outcome_code);
	opt_text(rec, "client.userAgent.rawUserAgent", out->user_agent, sizeof(out->user_agent));
	okta_app(rec, out->application, sizeof(out->application));
	return ID_SIGNIN;
}

/* ---- Entra ID ---- */

static enum id_verdict parse_entra(const json_t *rec, struct sl_signin *out, struct id_problem *pb)
{
	if (!core_fields(rec, "createdDateTime", "userPrincipalName", "ipAddress", out, pb))
		return ID_BAD;
	const json_t *code = sl_jpath_get(rec, "status.errorCode");
	opt_text(rec, "status.errorCode", out->outcome_code, sizeof(out->outcome_code));
	/* a number in Graph; text of digits in some converted exports */
	size_t digits = strspn(out->outcome_code, "0123456789");
	if ((json_is_integer(code) || json_is_string(code)) && digits > 0 &&
	    out->outcome_code[digits] == '\0')
		out->outcome = strspn(out->outcome_code, "0") == digits ? SL_SIGNIN_SUCCESS
									: SL_SIGNIN_FAILURE;
	else if (code && !json_is_null(code))
		return problem(pb, SL_IDENTITY_BAD_WRONG_TYPE, "status.errorCode is %s, expected a "
			       "whole number (0 = success)", json_is_string(code) ? "text that is not "
			       "a number" : sl_jpath_type_name(code)), ID_BAD;
	opt_text(rec, "status.failureReason", out->outcome_reason, sizeof(out->outcome_reason));
	opt_text(rec, "appDisplayName", out->application, sizeof(out->application));
	opt_text(rec, "clientAppUsed", out->client_app, sizeof(out->client_app));
	opt_text(rec, "userAgent", out->user_agent, sizeof(out->user_agent)); /* beta API */
	opt_text(rec, "signInEventTypes.0", out->event_type, sizeof(out->event_type));
	return ID_SIGNIN;
}

/* ---- configured JSON ---- */

/* A time field of format json: text (RFC 3339, or digits as epoch under
 * auto) or a number of epoch units. */
static bool json_time(const struct id_parser *p, const json_t *rec, sl_time_us *t,
		      struct id_problem *pb)
{
	const char *path = p->fields[SL_IDENTITY_FIELD_TIME];
	const json_t *v = sl_jpath_get(rec, path);
	enum sl_identity_time_format tf = p->time_format;
	char q[80], *end;
	if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return problem(pb, SL_IDENTITY_BAD_MISSING_FIELD, "no sign-in time (%s)", path);
	if (json_is_number(v) && tf != SL_IDENTITY_TIME_RFC3339) {
		if (sl_id_epoch(json_number_value(v), tf, t) == 0)
			return true;
		return problem(pb, SL_IDENTITY_BAD_TIME, "%s %.17g is not an epoch time after 1970 "
			       "and before 10000", path, json_number_value(v));
	}
	if (!json_is_string(v))
		return problem(pb, SL_IDENTITY_BAD_WRONG_TYPE, "%s is %s, expected %s", path,
			       sl_jpath_type_name(v), tf == SL_IDENTITY_TIME_RFC3339 ? "a string"
			       : "a string or a number");
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (tf == SL_IDENTITY_TIME_RFC3339 || (tf == SL_IDENTITY_TIME_AUTO && strchr(s, '-')))
		return set_time(s, n, path, t, pb);
	double d = strtod(s, &end);
	if (end != s && *end == '\0' && s[0] >= '0' && s[0] <= '9' && sl_id_epoch(d, tf, t) == 0)
		return true;
	return problem(pb, SL_IDENTITY_BAD_TIME, "%s '%s' is not %s", path,
		       sl_id_quote(s, n, 40, q, sizeof(q)), tf == SL_IDENTITY_TIME_AUTO
		       ? "an RFC 3339 time or an epoch number" : "an epoch number");
}

static bool in_list(char *const *l, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(l[i], v) == 0)
			return true;
	return false;
}

/* The outcome text against the success and failure lists; with no failure
 * list every value that is not a success is a failure. */
static enum sl_signin_outcome json_outcome(const struct id_parser *p, const char *text,
					   bool present)
{
	if (!present)
		return SL_SIGNIN_UNKNOWN;
	if (in_list(p->success, p->n_success, text))
		return SL_SIGNIN_SUCCESS;
	if (p->n_failure == 0 || in_list(p->failure, p->n_failure, text))
		return SL_SIGNIN_FAILURE;
	return SL_SIGNIN_UNKNOWN;
}

/* The account of format json: a string, or a whole number (employee IDs). */
static bool json_account(const struct id_parser *p, const json_t *rec, struct sl_signin *out,
			 struct id_problem *pb)
{
	const char *path = p->fields[SL_IDENTITY_FIELD_ACCOUNT], *s;
	const json_t *v = sl_jpath_get(rec, path);
	char num[32];
	size_t n;
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return set_account(num, strlen(num), path, out, pb);
	}
	return need_str(rec, path, "account", &s, &n, pb) && set_account(s, n, path, out, pb);
}

static enum id_verdict parse_json(const struct id_parser *p, const json_t *rec,
				  struct sl_signin *out, struct id_problem *pb)
{
	const char *ipath = p->fields[SL_IDENTITY_FIELD_ADDRESS], *s;
	const char *opath = p->fields[SL_IDENTITY_FIELD_OUTCOME];
	size_t n;
	if (!json_time(p, rec, &out->time, pb) || !json_account(p, rec, out, pb) ||
	    !need_str(rec, ipath, "client address", &s, &n, pb) || !set_addr(s, n, ipath, out, pb))
		return ID_BAD;
	const json_t *o = sl_jpath_get(rec, opath);
	if (json_is_object(o) || json_is_array(o))
		return problem(pb, SL_IDENTITY_BAD_WRONG_TYPE, "%s is %s, expected a single value "
			       "(text, number or true/false)", opath, sl_jpath_type_name(o)), ID_BAD;
	opt_text(rec, opath, out->outcome_code, sizeof(out->outcome_code));
	out->outcome = json_outcome(p, out->outcome_code, o && !json_is_null(o));
	opt_text(rec, p->fields[SL_IDENTITY_FIELD_USER_AGENT], out->user_agent, sizeof(out->user_agent));
	opt_text(rec, p->fields[SL_IDENTITY_FIELD_APPLICATION], out->application,
		 sizeof(out->application));
	opt_text(rec, p->fields[SL_IDENTITY_FIELD_CLIENT_APP], out->client_app,
		 sizeof(out->client_app));
	opt_text(rec, p->fields[SL_IDENTITY_FIELD_EVENT_TYPE], out->event_type,
		 sizeof(out->event_type));
	return ID_SIGNIN;
}

enum id_verdict sl_id_parse(const struct id_parser *p, const json_t *v, struct sl_signin *out,
			    struct id_problem *pb)
{
	enum sl_identity_format f = p->format;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(v))
		return problem(pb, SL_IDENTITY_BAD_WRONG_TYPE, "a record must be a JSON object, "
			       "this is %s", sl_jpath_type_name(v)), ID_BAD;
	if (f == SL_IDENTITY_FORMAT_AUTO && (f = sl_id_classify(v)) == SL_IDENTITY_FORMAT_AUTO)
		return problem(pb, SL_IDENTITY_BAD_UNKNOWN_FORMAT, "%s", "neither an Okta System Log "
			       "event (eventType, published, actor) nor an Entra ID sign-in "
			       "(createdDateTime, userPrincipalName, ipAddress)"), ID_BAD;
	out->format = f;
	if (f == SL_IDENTITY_FORMAT_OKTA)
		return parse_okta(v, out, pb);
	if (f == SL_IDENTITY_FORMAT_ENTRA)
		return parse_entra(v, out, pb);
	return parse_json(p, v, out, pb);
}
