/* The report's evidence timeline (flows, sign-ins and alerts in time order,
 * the earliest rows kept within the bound) and the score's rise over time. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_priv.h"

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* A total order, so the kept rows and their order never depend on the
 * order the events came in. */
static int row_cmp(const void *pa, const void *pb)
{
	const struct rp_row *a = pa, *b = pb;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	int c;
	if ((c = cmp_str(a->rule, b->rule)) || (c = cmp_str(a->remote, b->remote)) ||
	    (c = cmp_str(a->cid, b->cid)) || (c = cmp_str(a->product, b->product)) ||
	    (c = cmp_str(a->detail, b->detail)) || (c = cmp_str(a->tier, b->tier)) ||
	    (c = strcmp(a->country, b->country)))
		return c;
	if (a->asn != b->asn)
		return a->asn < b->asn ? -1 : 1;
	bool an = isnan(a->score), bn = isnan(b->score);
	if (an != bn)
		return an ? -1 : 1;
	return an || a->score == b->score ? 0 : a->score < b->score ? -1 : 1;
}

static void row_fill(struct rp_row *w, const json_t *ev, char kind, int64_t t)
{
	char buf[256];
	*w = (struct rp_row){ .t = t, .kind = kind, .score = NAN };
	if (kind == 's') {
		snprintf(buf, sizeof(buf), "sign-in %s%s%s", rp_str(ev, "signin.outcome") ?: "?",
			 rp_str(ev, "signin.account") ? " " : "", rp_str(ev, "signin.account") ?: "");
		w->rule = strdup(buf);
		w->product = dup_or_null(rp_str(ev, "signin.app"));
		w->remote = dup_or_null(rp_str(ev, "src_ip"));
		rp_copy(w->country, sizeof(w->country), rp_str(ev, "src.geo.country"));
		double asn = rp_num(ev, "src.geo.asn");
		w->asn = isfinite(asn) && asn > 0 && asn < 4294967296.0 ? (uint32_t)asn : 0;
		w->detail = dup_or_null(rp_str(ev, "signin.source"));
		return;
	}
	if (kind == 'a') {
		w->rule = dup_or_null(rp_str(ev, "alert.signature"));
		w->score = rp_num(ev, "alert.score");
		snprintf(buf, sizeof(buf), "%s alert, %s", rp_str(ev, "alert.scope") ?: "?",
			 rp_str(ev, "alert.level") ?: "no level");
		w->detail = strdup(buf);
	} else {
		/* a port the event does not hold as 0..65535 (absent, NaN, hostile) shows as "?" */
		double port = rp_num(ev, "dest_port");
		char pt[8] = "?";
		if (isfinite(port) && port >= 0 && port <= 65535)
			snprintf(pt, sizeof(pt), "%u", (unsigned)port);
		snprintf(buf, sizeof(buf), "flow %s %s:%s", rp_str(ev, "app_proto") ?: "",
			 rp_str(ev, "proto") ?: "", pt);
		w->detail = strdup(buf);
	}
	w->product = dup_or_null(rp_str(ev, "app"));
	/* a sign-in alert has no remote side: its place is the sign-in's source */
	bool remote = rp_str(ev, "remote.ip") != NULL;
	w->remote = dup_or_null(remote ? rp_str(ev, "remote.ip") : rp_str(ev, "src_ip"));
	rp_copy(w->country, sizeof(w->country),
		rp_str(ev, remote ? "remote.country" : "src.geo.country"));
	double asn = rp_num(ev, remote ? "remote.asn" : "src.geo.asn");
	w->asn = isfinite(asn) && asn > 0 && asn < 4294967296.0 ? (uint32_t)asn : 0;
	w->cid = dup_or_null(rp_str(ev, "community_id"));
	w->tier = dup_or_null(rp_str(ev, "evidence.tier"));
}

static void row_free(struct rp_row *w)
{
	free(w->rule), free(w->product), free(w->remote), free(w->cid), free(w->tier);
	free(w->detail);
}

/* Keep the earliest rows: when full, a new row replaces the latest kept
 * one if it sorts before it; either way one row is counted as not shown. */
void rp_subject_row(struct sl_report *r, struct rp_subject *s, const json_t *ev, char kind,
		    int64_t t)
{
	struct rp_row w;
	row_fill(&w, ev, kind, t);
	if (s->n_rows < r->opts.rows) {
		s->rows[s->n_rows++] = w;
		return;
	}
	s->rows_more++;
	size_t last = 0;
	for (size_t i = 1; i < s->n_rows; i++)
		if (row_cmp(&s->rows[i], &s->rows[last]) > 0)
			last = i;
	if (row_cmp(&w, &s->rows[last]) < 0) {
		row_free(&s->rows[last]);
		s->rows[last] = w;
	} else {
		row_free(&w);
	}
}

static void cell(FILE *f, const char *s)
{
	fputs("<td>", f);
	rp_html_escape(f, s && *s ? s : "-");
	fputs("</td>", f);
}

static const char *kind_name(char k)
{
	return k == 'f' ? "flow" : k == 's' ? "sign-in" : "alert";
}

void rp_write_timeline(FILE *f, const struct sl_report *r, const struct rp_subject *s)
{
	(void)r;
	struct rp_row *rows = malloc((s->n_rows ? s->n_rows : 1) * sizeof(*rows));
	if (!rows)
		return;
	memcpy(rows, s->rows, s->n_rows * sizeof(*rows));
	qsort(rows, s->n_rows, sizeof(*rows), row_cmp);
	fprintf(f, "<h3>Evidence timeline</h3>\n<p>%llu flow(s), %llu sign-in(s), %llu alert(s) "
		"charged to this subject.", (unsigned long long)s->n_flows,
		(unsigned long long)s->n_signins, (unsigned long long)s->n_alerts);
	if (s->rows_more)
		fprintf(f, " The earliest %zu are listed; <strong>%llu more</strong> are not.",
			s->n_rows, (unsigned long long)s->rows_more);
	fputs("</p>\n<div class=\"scroll\"><table class=\"tl\"><thead><tr><th>time (UTC)</th>"
	      "<th>kind</th><th>rule / what</th><th>score</th><th>evidence tier</th>"
	      "<th>product</th><th>remote address</th><th>country</th><th>ASN</th>"
	      "<th>community_id</th><th>detail</th></tr></thead><tbody>\n", f);
	for (size_t i = 0; i < s->n_rows; i++) {
		const struct rp_row *w = &rows[i];
		char tb[40], asn[16];
		fprintf(f, "<tr class=\"k-%c\"><td>%s</td><td>%s</td>", w->kind,
			rp_time_text(w->t, tb, sizeof(tb)), kind_name(w->kind));
		cell(f, w->rule);
		fputs("<td class=\"n\">", f);
		rp_num_text(f, w->score, 1);
		fputs("</td>", f);
		cell(f, w->tier);
		cell(f, w->product);
		cell(f, w->remote);
		cell(f, w->country);
		snprintf(asn, sizeof(asn), w->asn ? "%u" : "-", w->asn);
		cell(f, asn);
		cell(f, w->cid);
		cell(f, w->detail);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
	free(rows);
}

static int point_cmp(const void *pa, const void *pb)
{
	const struct rp_point *a = pa, *b = pb;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->score < b->score ? -1 : a->score > b->score;
}

/* A step chart of the subject's score (subject summaries and subject alerts)
 * with its numbers in a table under it. */
void rp_write_score(FILE *f, const struct rp_subject *s)
{
	fputs("<h3>Score over time</h3>\n", f);
	if (!s->n_score) {
		fputs("<p>No subject summary or subject alert in the events gives a score.</p>\n", f);
		return;
	}
	struct rp_point p[RP_MAX_SCORE];
	memcpy(p, s->score, s->n_score * sizeof(*p));
	qsort(p, s->n_score, sizeof(*p), point_cmp);
	int64_t t0 = p[0].t, span = p[s->n_score - 1].t - t0;
	fputs("<svg class=\"score\" viewBox=\"0 0 600 130\" role=\"img\" aria-label=\"score over "
	      "time\"><rect x=\"40\" y=\"10\" width=\"550\" height=\"100\" class=\"frame\"/>"
	      "<text x=\"34\" y=\"14\" class=\"ax\">100</text><text x=\"34\" y=\"113\" "
	      "class=\"ax\">0</text><polyline class=\"line\" points=\"", f);
	double px = 40, py = 110;
	for (size_t i = 0; i < s->n_score; i++) {
		double x = 40 + (span ? 550.0 * (double)(p[i].t - t0) / (double)span : 0);
		double y = 110 - fmin(100, fmax(0, p[i].score));
		if (i)
			fprintf(f, "%.1f,%.1f ", x, py);
		fprintf(f, "%.1f,%.1f ", x, y);
		px = x, py = y;
	}
	(void)px;
	fputs("\"/></svg>\n<details><summary>Score points (table)</summary><table>"
	      "<thead><tr><th>time (UTC)</th><th>score</th></tr></thead><tbody>\n", f);
	for (size_t i = 0; i < s->n_score; i++) {
		char tb[40];
		fprintf(f, "<tr><td>%s</td><td class=\"n\">", rp_time_text(p[i].t, tb, sizeof(tb)));
		rp_num_text(f, p[i].score, 1);
		fputs("</td></tr>\n", f);
	}
	fprintf(f, "</tbody></table>%s</details>\n", s->score_stride > 1
		? "<p>Thinned to an even sample of the points.</p>" : "");
}
