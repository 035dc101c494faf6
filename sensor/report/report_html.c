/* The report page: frame (inline CSS and script), the run's overview, the
 * subjects ranked by peak score and one section per subject; written
 * atomically to a file. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_priv.h"

void rp_html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\t')
				fputc(' ', f);
			else
				fputc(*s, f);
		}
	}
}

void rp_num_text(FILE *f, double v, int prec)
{
	if (!isfinite(v)) {
		fputs("-", f);
		return;
	}
	char b[64];
	snprintf(b, sizeof(b), "%.*f", prec, v);
	if (strchr(b, '.')) {
		char *e = b + strlen(b) - 1;
		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
	}
	fputs(strcmp(b, "-0") == 0 ? "0" : b, f);
}

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;"
	"max-width:1200px;padding:1em 2em;color:#1a1a1a;background:#fff}"
	"h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:2px solid #0072B2;padding-bottom:.2em;"
	"margin-top:2em}h3{margin:1.2em 0 .4em}"
	"table{border-collapse:collapse;margin:.4em 0 1em;font-size:.9em}"
	"th,td{border:1px solid #c8c8c8;padding:2px 6px;text-align:left;vertical-align:top}"
	"thead th{background:#eef3f8}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".scroll{overflow-x:auto}.pair{display:flex;flex-wrap:wrap;gap:1.5em}"
	".hmfig{margin:0;flex:1 1 420px}svg.heat{width:100%;max-width:560px}"
	"svg.heat .ax,svg.score .ax{font-size:8px;fill:#444}.biz{fill:#0072B2}"
	"table.hm td{padding:1px 3px;text-align:right;font-size:.8em}"
	".map{margin:0}.map svg{width:100%;max-width:900px;border:1px solid #c8c8c8}"
	".sea{fill:#f4f8fb}.map svg *{vector-effect:non-scaling-stroke}"
	".land{fill:#d9d9d9;stroke:#a8a8a8;stroke-width:.5}"
	".m-c{fill:#0072B2;stroke:#fff;stroke-width:1}.m-r{fill:#E69F00;stroke:#000;"
	"stroke-width:1}.m-s{fill:#D55E00;stroke:#fff;stroke-width:1}"
	".m-x{fill:#009E73;stroke:#000;stroke-width:1}.acc-r{fill:#E69F00;fill-opacity:.18;"
	"stroke:#E69F00;stroke-width:1}.acc-s{fill:#D55E00;fill-opacity:.12;stroke:#D55E00;"
	"stroke-width:1}.light{fill:none;stroke:#CC79A7;stroke-width:2;stroke-dasharray:8 4}"
	".claimline{stroke:#0072B2;stroke-width:2;stroke-dasharray:2 4}"
	"svg.score{width:100%;max-width:700px}.frame{fill:#fafafa;stroke:#c8c8c8}"
	".line{fill:none;stroke:#0072B2;stroke-width:1.5}"
	".lv-critical,.lv-high{font-weight:bold;color:#a33a00}.lv-medium{color:#8a5a00;"
	"font-weight:bold}.note{color:#555}nav a{margin-right:1em}#filter{margin:.3em 0;"
	"padding:2px 6px}tr.k-a td{background:#fff6e5}"
	"@media print{body{max-width:none;padding:0;font-size:10pt}nav,#filter{display:none}"
	"details{display:block}details>summary{display:none}section.subject{break-before:page}"
	".scroll{overflow:visible}table{page-break-inside:auto}tr{break-inside:avoid}"
	"a{color:inherit;text-decoration:none}}";

/* Our only script: filter the subject table, and open every table before
 * printing (details elements print closed otherwise in some browsers). */
static const char script[] =
	"(function(){'use strict';"
	"var f=document.getElementById('filter');"
	"if(f){f.addEventListener('input',function(){var q=f.value.toLowerCase();"
	"var rows=document.querySelectorAll('#subjects tbody tr');"
	"for(var i=0;i<rows.length;i++){rows[i].style.display="
	"rows[i].textContent.toLowerCase().indexOf(q)<0?'none':'';}});}"
	"window.addEventListener('beforeprint',function(){"
	"var d=document.querySelectorAll('details');"
	"for(var i=0;i<d.length;i++){d[i].open=true;}});"
	"})();";

static int subject_rank(const void *pa, const void *pb)
{
	const struct rp_subject *a = *(const struct rp_subject *const *)pa;
	const struct rp_subject *b = *(const struct rp_subject *const *)pb;
	if (a->peak != b->peak)
		return a->peak > b->peak ? -1 : 1;
	return strcmp(a->id, b->id);
}

static int count_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct rp_count *)pa)->name, ((const struct rp_count *)pb)->name);
}

static void overview_run(FILE *f, const struct sl_report *r)
{
	char a[40], b[40];
	fputs("<h2 id=\"run\">The run</h2>\n<table><tbody>\n<tr><th>inputs</th><td>", f);
	for (size_t i = 0; i < r->n_inputs; i++) {
		const struct rp_input *in = &r->inputs[i];
		fputs(i ? "<br>" : "", f);
		rp_html_escape(f, in->name);
		fprintf(f, ": %llu event(s)", (unsigned long long)in->events);
		if (in->bad)
			fprintf(f, ", <strong>%llu line(s) skipped</strong> (not JSON objects or too "
				"long)", (unsigned long long)in->bad);
	}
	if (r->inputs_more)
		fprintf(f, "<br>and %llu more input(s)", (unsigned long long)r->inputs_more);
	fprintf(f, "</td></tr>\n<tr><th>events</th><td>%llu</td></tr>\n<tr><th>time span</th><td>",
		(unsigned long long)r->events);
	if (r->t_min_set)
		fprintf(f, "%s to %s", rp_time_text(r->t_min, a, sizeof(a)),
			rp_time_text(r->t_max, b, sizeof(b)));
	else
		fputs("no event carries a timestamp", f);
	fputs("</td></tr>\n<tr><th>sensors (host)</th><td>", f);
	struct rp_count sorted[RP_MAX_TYPES + 1];
	memcpy(sorted, r->hosts, r->n_hosts * sizeof(*sorted));
	qsort(sorted, r->n_hosts, sizeof(*sorted), count_cmp);
	for (size_t i = 0; i < r->n_hosts; i++) {
		fputs(i ? ", " : "", f);
		rp_html_escape(f, sorted[i].name);
		fprintf(f, " (%llu)", (unsigned long long)sorted[i].n);
	}
	if (!r->n_hosts)
		fputs("none named", f);
	if (r->hosts_more)
		fprintf(f, "; %llu event(s) from further sensors", (unsigned long long)r->hosts_more);
	fputs("</td></tr>\n<tr><th>sensor location</th><td>", f);
	if (isfinite(r->sensor_lat))
		fprintf(f, "%.4f, %.4f (from %s; events do not carry it)", r->sensor_lat,
			r->sensor_lon, r->opts.config_name ? "the configuration" : "the defaults");
	else
		fputs("unknown (give the sensor's configuration with -c; events do not carry it)", f);
	fputs("</td></tr>\n</tbody></table>\n", f);
}

static void overview_types(FILE *f, const struct sl_report *r)
{
	struct rp_count sorted[RP_MAX_TYPES];
	memcpy(sorted, r->types, r->n_types * sizeof(*sorted));
	qsort(sorted, r->n_types, sizeof(*sorted), count_cmp);
	fputs("<h3>Events by type</h3>\n<table><thead><tr><th>event_type</th><th>events</th></tr>"
	      "</thead><tbody>\n", f);
	for (size_t i = 0; i < r->n_types; i++) {
		fputs("<tr><td>", f);
		rp_html_escape(f, sorted[i].name);
		fprintf(f, "</td><td class=\"n\">%llu</td></tr>\n", (unsigned long long)sorted[i].n);
	}
	if (r->types[RP_MAX_TYPES].n)
		fprintf(f, "<tr><td>(other types)</td><td class=\"n\">%llu</td></tr>\n",
			(unsigned long long)r->types[RP_MAX_TYPES].n);
	fputs("</tbody></table>\n", f);
}

static void subject_link(FILE *f, const struct rp_subject *s, size_t idx)
{
	fprintf(f, "<a href=\"#s%zu\">", idx);
	rp_html_escape(f, s->name[0] ? s->name : s->id);
	fputs("</a>", f);
	if (s->name[0] && strcmp(s->name, s->id) != 0) {
		fputs(" <span class=\"note\">", f);
		rp_html_escape(f, s->id);
		fputs("</span>", f);
	}
}

static void claimed_text(FILE *f, const struct rp_subject *s)
{
	if (!s->claimed_city[0] && !s->claimed_country[0] && !s->claimed_tz[0]) {
		fputs("-", f);
		return;
	}
	rp_html_escape(f, s->claimed_city);
	fputs(s->claimed_city[0] && s->claimed_country[0] ? ", " : "", f);
	rp_html_escape(f, s->claimed_country);
	if (s->claimed_tz[0]) {
		fputs(" <span class=\"note\">", f);
		rp_html_escape(f, s->claimed_tz);
		fputs("</span>", f);
	}
}

static void countries_text(FILE *f, const struct rp_subject *s)
{
	for (size_t i = 0; i < s->n_countries; i++) {
		fputs(i ? ", " : "", f);
		rp_html_escape(f, s->countries[i]);
	}
	if (!s->n_countries)
		fputs("-", f);
	if (s->countries_more)
		fprintf(f, " and %llu more", (unsigned long long)s->countries_more);
}

static void reasons_text(FILE *f, const struct rp_subject *s)
{
	for (size_t i = 0; i < s->n_reasons; i++) {
		fputs(i ? "; " : "", f);
		rp_html_escape(f, s->reasons[i].title);
		fputs(" (", f);
		rp_num_text(f, s->reasons[i].score, 0);
		fputs(")", f);
	}
	if (!s->n_reasons)
		fputs("-", f);
}

static void level_cell(FILE *f, const struct rp_subject *s)
{
	const char *lv = s->level[0] ? s->level : "none";
	fputs("<td class=\"lv-", f);
	rp_html_escape(f, lv);
	fputs("\">", f);
	rp_html_escape(f, lv);
	fputs("</td>", f);
}

static void overview_subjects(FILE *f, const struct sl_report *r,
			      struct rp_subject *const *order, size_t shown)
{
	fprintf(f, "<h2 id=\"subjects-h\">Subjects by peak score</h2>\n<p>%zu subject(s) in the "
		"events", r->n_subjects);
	if (r->subjects_more)
		fprintf(f, " (and events of further subjects past the %d tracked: %llu, not "
			"summarised)", RP_MAX_SUBJECTS, (unsigned long long)r->subject_events_dropped);
	if (shown < r->n_subjects)
		fprintf(f, "; the first %zu have sections", shown);
	fputs(". <label>Filter: <input id=\"filter\" type=\"search\"></label></p>\n"
	      "<div class=\"scroll\"><table id=\"subjects\"><thead><tr><th>#</th><th>subject</th>"
	      "<th>peak score</th><th>level</th><th>claimed place</th><th>observed countries</th>"
	      "<th>top reasons at peak</th><th>flows</th><th>sign-ins</th><th>alerts</th></tr>"
	      "</thead><tbody>\n", f);
	for (size_t i = 0; i < r->n_subjects; i++) {
		const struct rp_subject *s = order[i];
		fprintf(f, "<tr><td class=\"n\">%zu</td><td>", i + 1);
		if (i < shown)
			subject_link(f, s, i + 1);
		else
			rp_html_escape(f, s->name[0] ? s->name : s->id);
		fputs("</td><td class=\"n\">", f);
		rp_num_text(f, s->peak >= 0 ? s->peak : NAN, 1);
		fputs("</td>", f);
		level_cell(f, s);
		fputs("<td>", f);
		claimed_text(f, s);
		fputs("</td><td>", f);
		countries_text(f, s);
		fputs("</td><td>", f);
		reasons_text(f, s);
		fprintf(f, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">"
			"%llu</td></tr>\n", (unsigned long long)s->n_flows,
			(unsigned long long)s->n_signins, (unsigned long long)s->n_alerts);
	}
	fputs("</tbody></table></div>\n", f);
}

void rp_write_subject(FILE *f, const struct sl_report *r, const struct rp_subject *s)
{
	fputs("<p>Peak score ", f);
	rp_num_text(f, s->peak >= 0 ? s->peak : NAN, 1);
	if (s->peak > 0) {
		char tb[40];
		fprintf(f, " at %s", rp_time_text(s->peak_t, tb, sizeof(tb)));
	}
	fputs(", level <strong>", f);
	rp_html_escape(f, s->level[0] ? s->level : "none");
	fputs("</strong>. Kind: ", f);
	rp_html_escape(f, s->kind[0] ? s->kind : "-");
	fputs(". Claimed: ", f);
	claimed_text(f, s);
	fputs(". Seen from: ", f);
	countries_text(f, s);
	fputs(".<br>Reasons at peak: ", f);
	reasons_text(f, s);
	fputs(".</p>\n", f);
	rp_write_heatmaps(f, r, s);
	rp_write_map(f, r, s);
	rp_write_timeline(f, r, s);
	rp_write_score(f, s);
	rp_write_physics(f, r, s);
}

static void page_head(FILE *f, const struct sl_report *r)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"sightline report\">\n"
	      "<title>sightline report</title>\n<style>", f);
	fputs(css, f);
	fputs("</style></head><body>\n<header><h1>sightline report</h1>\n<p class=\"note\">"
	      "Summarised from the events below; every figure comes from them (sensor location, "
	      "zones and physics settings from ", f);
	rp_html_escape(f, r->opts.config_name ? r->opts.config_name : "the default configuration");
	fputs("). Evidence tiers are the sensor's: wire, name, tunnel-flag, flag, "
	      "service-flag.</p>\n<nav><a href=\"#run\">Run</a><a href=\"#subjects-h\">Subjects</a>"
	      "</nav></header>\n<svg width=\"0\" height=\"0\" style=\"position:absolute\" "
	      "aria-hidden=\"true\"><defs><path id=\"world\" class=\"land\" d=\"", f);
	fputs(sl_report_world_path, f);
	fputs("\"/></defs></svg>\n<main>\n", f);
}

int sl_report_write(const struct sl_report *r, FILE *f, char *err, size_t errlen)
{
	struct rp_subject **order = malloc((r->n_subjects ? r->n_subjects : 1) * sizeof(*order));
	if (!order)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	memcpy(order, r->all, r->n_subjects * sizeof(*order));
	qsort(order, r->n_subjects, sizeof(*order), subject_rank);
	size_t shown = r->n_subjects < r->opts.subjects_shown ? r->n_subjects : r->opts.subjects_shown;
	page_head(f, r);
	overview_run(f, r);
	overview_types(f, r);
	overview_subjects(f, r, order, shown);
	for (size_t i = 0; i < shown; i++) {
		fprintf(f, "<section class=\"subject\" id=\"s%zu\" data-subject=\"", i + 1);
		rp_html_escape(f, order[i]->id);
		fputs("\"><h2>", f);
		rp_html_escape(f, order[i]->name[0] ? order[i]->name : order[i]->id);
		if (order[i]->name[0] && strcmp(order[i]->name, order[i]->id) != 0) {
			fputs(" <span class=\"note\">", f);
			rp_html_escape(f, order[i]->id);
			fputs("</span>", f);
		}
		fputs("</h2>\n", f);
		rp_write_subject(f, r, order[i]);
		fputs("<p><a href=\"#subjects-h\">back to the subjects</a></p></section>\n", f);
	}
	fputs("</main>\n<script>", f);
	fputs(script, f);
	fputs("</script>\n</body></html>\n", f);
	free(order);
	if (fflush(f) != 0 || ferror(f))
		return snprintf(err, errlen, "write error: %s", strerror(errno)), -EIO;
	return 0;
}

int sl_report_write_file(const struct sl_report *r, const char *path, char *err, size_t errlen)
{
	if (strcmp(path, "-") == 0)
		return sl_report_write(r, stdout, err, errlen);
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp))
		return snprintf(err, errlen, "%s: path too long", path), -ENAMETOOLONG;
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot create a file beside it: %s", path, strerror(e));
		return -e;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return snprintf(err, errlen, "%s: out of memory", path), -ENOMEM;
	}
	char e2[256] = "";
	int rc = sl_report_write(r, f, e2, sizeof(e2));
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO, snprintf(e2, sizeof(e2), "write error: %s", strerror(errno));
	if (rc == 0 && (chmod(tmp, 0644), rename(tmp, path) != 0))
		rc = -errno, snprintf(e2, sizeof(e2), "cannot rename into place: %s", strerror(errno));
	if (rc < 0) {
		unlink(tmp);
		snprintf(err, errlen, "%s: %s", path, e2);
	}
	return rc;
}
