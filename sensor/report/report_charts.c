/* The report's charts, each followed by its numbers in a table: activity
 * heat maps (day x hour) in the claimed and the best-fitting zone, the map
 * of places, and the light-speed physics. */
#include <math.h>
#include <string.h>

#include "report_priv.h"
#include "sightline/subject.h"

static const char *const day_names[RP_DAYS] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

/* viridis at nine stops: ordered in lightness, readable in every common
 * colour-vision deficiency and in greyscale print. */
static const char *const viridis[] = { "#fde725", "#a0da39", "#4ac16d", "#1fa187", "#277f8e",
				       "#365c8d", "#46327e", "#440154" };

static const char *heat_colour(uint32_t n, uint32_t max)
{
	if (!n || !max)
		return "#f2f2f2";
	/* the busiest cell is the darkest; any activity is clearly off the grey */
	size_t i = (size_t)ceil((double)n * (double)ARRAY_SIZE(viridis) / (double)max);
	i = i ? i - 1 : 0;
	return viridis[i < ARRAY_SIZE(viridis) ? i : ARRAY_SIZE(viridis) - 1];
}

static void heat_svg(FILE *f, const uint32_t *h, uint32_t max, unsigned ws, unsigned we)
{
	fputs("<svg class=\"heat\" viewBox=\"0 0 372 128\" role=\"img\" aria-label=\"activity by "
	      "day and hour\">", f);
	for (int hr = 0; hr < RP_HOURS; hr += 3)
		fprintf(f, "<text x=\"%d\" y=\"10\" class=\"ax\">%02d</text>", 36 + hr * 14, hr);
	for (int d = 0; d < RP_DAYS; d++) {
		fprintf(f, "<text x=\"2\" y=\"%d\" class=\"ax\">%s</text>", 24 + d * 14, day_names[d]);
		for (int hr = 0; hr < RP_HOURS; hr++) {
			uint32_t n = h[d * RP_HOURS + hr];
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"13\" height=\"13\" fill=\"%s\">"
				"<title>%s %02d:00 %u</title></rect>", 32 + hr * 14, 14 + d * 14,
				heat_colour(n, max), day_names[d], hr, n);
		}
	}
	/* business hours: a bracket under the grid, not a colour */
	fprintf(f, "<rect x=\"%u\" y=\"114\" width=\"%u\" height=\"4\" class=\"biz\"/>"
		"<text x=\"%u\" y=\"127\" class=\"ax\">business hours</text></svg>\n",
		32 + ws * 14, (we > ws ? we - ws : 24 - ws) * 14 - 1, 32 + ws * 14);
}

static void heat_table(FILE *f, const uint32_t *h, const char *which, const char *zone)
{
	fputs("<details><summary>Counts (table)</summary><div class=\"scroll\"><table class=\"hm\">"
	      "<thead><tr><th>day</th>", f);
	for (int hr = 0; hr < RP_HOURS; hr++)
		fprintf(f, "<th>%02d</th>", hr);
	fputs("</tr></thead><tbody>\n", f);
	for (int d = 0; d < RP_DAYS; d++) {
		fprintf(f, "<tr><th>%s</th>", day_names[d]);
		for (int hr = 0; hr < RP_HOURS; hr++) {
			fprintf(f, "<td data-hm=\"%s\" data-zone=\"", which);
			rp_html_escape(f, zone);
			fprintf(f, "\" data-d=\"%d\" data-h=\"%d\">%u</td>", d, hr, h[d * RP_HOURS + hr]);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div></details>\n", f);
}

static void heat_one(FILE *f, const struct sl_report *r, const uint32_t *h, uint32_t max,
		     const char *which, const char *zone, const char *title, double sensor_fit)
{
	unsigned ws = r->opts.cfg ? r->opts.cfg->activity.work_start : 9;
	unsigned we = r->opts.cfg ? r->opts.cfg->activity.work_end : 18;
	fprintf(f, "<figure class=\"hmfig\"><figcaption><strong>%s</strong>: ", title);
	rp_html_escape(f, zone);
	fputs("<br>inside business hours: ", f);
	double share = rp_business_share(r, h);
	if (isfinite(share))
		fprintf(f, "<strong>%.0f%%</strong> of these events", share * 100);
	else
		fputs("no events", f);
	if (isfinite(sensor_fit))
		fprintf(f, " (the sensor's activity fit: %.0f%%)", sensor_fit * 100);
	fputs("</figcaption>\n", f);
	heat_svg(f, h, max, ws, we);
	heat_table(f, h, which, zone);
	fputs("</figure>\n", f);
}

void rp_write_heatmaps(FILE *f, const struct sl_report *r, const struct rp_subject *s)
{
	unsigned ws = r->opts.cfg ? r->opts.cfg->activity.work_start : 9;
	unsigned we = r->opts.cfg ? r->opts.cfg->activity.work_end : 18;
	fprintf(f, "<h3>Activity by day and hour</h3>\n<p>%llu flow start(s) and sign-in(s), "
		"counted in local time; business hours %02u:00-%02u:00 every day "
		"(activity.work_start/work_end). Darker is more.</p>\n<div class=\"pair\">\n",
		(unsigned long long)s->heat_total, ws, we);
	size_t best = rp_best_zone(r, s);
	uint32_t max = 0;
	for (int i = 0; i < RP_DAYS * RP_HOURS; i++) {
		max = s->heat[0][i] > max ? s->heat[0][i] : max;
		if (best)
			max = s->heat[best][i] > max ? s->heat[best][i] : max;
	}
	bool claimed = s->heat_zone[0] && strcmp(s->heat_zone, "UTC") != 0;
	heat_one(f, r, s->heat[0], max, "claimed", claimed ? s->heat_zone : "UTC",
		 claimed ? "Claimed zone" : s->claimed_tz[0]
		 ? "UTC (the claimed zone is not a zone this machine knows)"
		 : "UTC (the events name no claimed zone)", claimed ? s->claimed_fit : NAN);
	if (best) {
		const char *z = sl_tz_name(r->zones[best - 1]);
		bool named = s->best_zone[0] && strcmp(s->best_zone, z) == 0;
		heat_one(f, r, s->heat[best], max, "reference", z,
			 named ? "Best-fitting reference zone (as the events say)"
			       : "Best-fitting reference zone (recounted here from flow and sign-in times)",
			 named ? s->best_fit : NAN);
	}
	fputs("</div>\n", f);
}

/* Equirectangular: x = lon + 180, y = 90 - lat, in the world path's units. */
static void ellipse(FILE *f, double lat, double lon, double km, const char *cls)
{
	double ry = km / 110.57, rx = km / (111.32 * fmax(0.05, cos(lat * M_PI / 180)));
	fprintf(f, "<ellipse cx=\"%.2f\" cy=\"%.2f\" rx=\"%.2f\" ry=\"%.2f\" class=\"%s\"/>",
		lon + 180, 90 - lat, fmin(rx, 360), fmin(ry, 180), cls);
}


/* The distance an RTT allows: the inverse of the physics bound. */
static double allowed_km(const struct sl_report *r, double rtt)
{
	double infl = r->opts.cfg ? r->opts.cfg->physics.route_inflation : 1.5;
	double acc = r->opts.cfg ? r->opts.cfg->physics.access_ms : 10;
	return fmax(0, rtt - acc) * 204.0 / 2.0 / infl;
}

/* The map's view: every place, the sensor and the light-speed circle with a
 * margin, 2:1 like the world, at least 40 degrees wide. */
struct view {
	double x0, y0, w, h;
};

static void grow(double *lo, double *hi, double x, double y, double rx, double ry, double *ylo,
		 double *yhi)
{
	lo[0] = fmin(lo[0], x - rx), hi[0] = fmax(hi[0], x + rx);
	*ylo = fmin(*ylo, y - ry), *yhi = fmax(*yhi, y + ry);
}

static struct view map_view(const struct sl_report *r, const struct rp_subject *s)
{
	double lo = INFINITY, hi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	for (size_t i = 0; i < s->n_places; i++)
		grow(&lo, &hi, s->places[i].lon + 180, 90 - s->places[i].lat, 2, 2, &ylo, &yhi);
	if (isfinite(s->claimed_lat))
		grow(&lo, &hi, s->claimed_lon + 180, 90 - s->claimed_lat, 2, 2, &ylo, &yhi);
	if (isfinite(r->sensor_lat)) {
		double km = isfinite(s->light_rtt) ? allowed_km(r, s->light_rtt) : 0;
		double ry = km / 110.57, rx = km / (111.32 * fmax(0.05, cos(r->sensor_lat * M_PI / 180)));
		grow(&lo, &hi, r->sensor_lon + 180, 90 - r->sensor_lat, fmax(2, rx), fmax(2, ry), &ylo,
		     &yhi);
	}
	if (!isfinite(lo))
		return (struct view){ 0, 0, 360, 180 };
	double w = fmax(40, (hi - lo) * 1.2), h = fmax(w / 2, (yhi - ylo) * 1.2);
	w = fmin(360, fmax(w, 2 * h)), h = fmin(180, w / 2);
	double cx = (lo + hi) / 2, cy = (ylo + yhi) / 2;
	double x0 = fmin(fmax(cx - w / 2, 0), 360 - w), y0 = fmin(fmax(cy - h / 2, 0), 180 - h);
	return (struct view){ x0, y0, w, h };
}

static void map_markers(FILE *f, const struct sl_report *r, const struct rp_subject *s, double u)
{
	/* rings first, then sign-in squares under the smaller address dots, so
	 * a sign-in from an address's own place still shows */
	for (size_t i = 0; i < s->n_places; i++) {
		const struct rp_place *p = &s->places[i];
		if (isfinite(p->accuracy_km) && p->accuracy_km > 0)
			ellipse(f, p->lat, p->lon, p->accuracy_km, p->kind == 'r' ? "acc-r" : "acc-s");
	}
	for (size_t i = 0; i < s->n_places; i++) {
		const struct rp_place *p = &s->places[i];
		if (p->kind == 's')
			fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.3f\" height=\"%.3f\" "
				"class=\"m-s\"/>", p->lon + 180 - 1.3 * u, 90 - p->lat - 1.3 * u,
				2.6 * u, 2.6 * u);
	}
	for (size_t i = 0; i < s->n_places; i++) {
		const struct rp_place *p = &s->places[i];
		if (p->kind == 'r')
			fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.3f\" class=\"m-r\"/>",
				p->lon + 180, 90 - p->lat, u);
	}
	bool sensor = isfinite(r->sensor_lat);
	if (sensor && isfinite(s->light_rtt))
		ellipse(f, r->sensor_lat, r->sensor_lon, allowed_km(r, s->light_rtt), "light");
	if (sensor && isfinite(s->light_rtt) && isfinite(s->claimed_lat))
		fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" class=\"claimline\"/>",
			r->sensor_lon + 180, 90 - r->sensor_lat, s->claimed_lon + 180,
			90 - s->claimed_lat);
	if (isfinite(s->claimed_lat))
		fprintf(f, "<path d=\"M%.2f %.2fl%.3f %.3fl%.3f %.3fl%.3f %.3fz\" class=\"m-c\"/>",
			s->claimed_lon + 180, 90 - s->claimed_lat - 1.5 * u, 1.5 * u, 1.5 * u,
			-1.5 * u, 1.5 * u, -1.5 * u, -1.5 * u);
	if (sensor)
		fprintf(f, "<path d=\"M%.2f %.2fl%.3f %.3fh%.3fz\" class=\"m-x\"/>",
			r->sensor_lon + 180, 90 - r->sensor_lat - 1.5 * u, 1.5 * u, 2.5 * u, -3 * u);
}

static void place_row(FILE *f, const char *what, const char *city, const char *cc, double lat,
		      double lon, double acc, uint64_t n)
{
	fprintf(f, "<tr><td>%s</td><td>", what);
	rp_html_escape(f, city && *city ? city : "-");
	fputs("</td><td>", f);
	rp_html_escape(f, cc && *cc ? cc : "-");
	fputs("</td><td class=\"n\">", f);
	rp_num_text(f, lat, 4);
	fputs("</td><td class=\"n\">", f);
	rp_num_text(f, lon, 4);
	fputs("</td><td class=\"n\">", f);
	rp_num_text(f, acc, 0);
	fputs("</td><td class=\"n\">", f);
	if (n)
		fprintf(f, "%llu", (unsigned long long)n);
	else
		fputs("-", f);
	fputs("</td></tr>\n", f);
}

static void map_table(FILE *f, const struct sl_report *r, const struct rp_subject *s)
{
	fputs("<table><thead><tr><th>marker</th><th>city</th><th>country</th><th>lat</th>"
	      "<th>lon</th><th>accuracy km</th><th>events</th></tr></thead><tbody>\n", f);
	if (isfinite(s->claimed_lat))
		place_row(f, "&#9670; claimed place", s->claimed_city, s->claimed_country,
			  s->claimed_lat, s->claimed_lon, NAN, 0);
	if (isfinite(r->sensor_lat))
		place_row(f, "&#9650; sensor (configuration)", "", "", r->sensor_lat, r->sensor_lon,
			  NAN, 0);
	for (size_t i = 0; i < s->n_places; i++) {
		const struct rp_place *p = &s->places[i];
		place_row(f, p->kind == 'r' ? "&#9679; remote address" : "&#9632; sign-in", p->city,
			  p->country, p->lat, p->lon, p->accuracy_km, p->count);
	}
	fputs("</tbody></table>\n", f);
	if (s->places_more)
		fprintf(f, "<p>%llu more event(s) from places not listed (%d places kept).</p>\n",
			(unsigned long long)s->places_more, RP_MAX_PLACES);
}

static void light_text(FILE *f, const struct sl_report *r, const struct rp_subject *s)
{
	if (!isfinite(s->light_rtt))
		return;
	fprintf(f, "<p class=\"light\">Light-speed finding (rule facts): a minimum round trip of "
		"%.1f ms to ", s->light_rtt);
	rp_html_escape(f, s->light_ip[0] ? s->light_ip : "the remote address");
	fprintf(f, "; the fastest plausible for %.0f km is %.1f ms.", s->light_distance,
		s->light_expected);
	if (isfinite(r->sensor_lat))
		fprintf(f, " From the sensor, that round trip allows any place within <strong>%.0f km"
			"</strong> (dashed circle)", allowed_km(r, s->light_rtt));
	if (isfinite(r->sensor_lat) && isfinite(s->claimed_lat))
		fprintf(f, "; the claimed place is <strong>%.0f km</strong> away (dotted line)",
			sl_subject_distance_km(r->sensor_lat, r->sensor_lon, s->claimed_lat,
					       s->claimed_lon));
	fputs(".</p>\n", f);
}

void rp_write_map(FILE *f, const struct sl_report *r, const struct rp_subject *s)
{
	struct view v = map_view(r, s);
	fprintf(f, "<h3>Places</h3>\n<figure class=\"map\"><svg viewBox=\"%.2f %.2f %.2f %.2f\" "
		"role=\"img\" aria-label=\"map of places\"><rect width=\"360\" height=\"180\" "
		"class=\"sea\"/><use href=\"#world\"/>", v.x0, v.y0, v.w, v.h);
	map_markers(f, r, s, v.w / 110);
	fputs("</svg><figcaption>&#9670; claimed place &#9679; remote address (ring: accuracy "
	      "radius) &#9632; sign-in &#9650; sensor. Equirectangular; circles drawn "
	      "approximately.</figcaption></figure>\n", f);
	light_text(f, r, s);
	map_table(f, r, s);
}

void rp_write_physics(FILE *f, const struct sl_report *r, const struct rp_subject *s)
{
	fputs("<h3>Physics: round trip against the light-in-fibre bound</h3>\n", f);
	if (!s->n_phys) {
		fputs("<p>No flow of this subject carries a handshake round trip (physics.rtt_ms)."
		      "</p>\n", f);
		return;
	}
	fputs("<table><thead><tr><th>remote address</th><th>place</th><th>flows</th>"
	      "<th>min RTT ms</th><th>bound ms</th><th>excess ms</th><th>distance km</th>"
	      "<th>RTT allows km</th><th>reading</th></tr></thead><tbody>\n", f);
	for (size_t i = 0; i < s->n_phys; i++) {
		const struct rp_phys *p = &s->phys[i];
		fputs("<tr><td>", f);
		rp_html_escape(f, p->ip);
		fputs("</td><td>", f);
		rp_html_escape(f, p->city[0] ? p->city : "-");
		fputs(", ", f);
		rp_html_escape(f, p->country[0] ? p->country : "-");
		fprintf(f, "</td><td class=\"n\">%llu</td><td class=\"n\">",
			(unsigned long long)p->flows);
		rp_num_text(f, p->rtt_min, 1);
		fputs("</td><td class=\"n\">", f);
		rp_num_text(f, p->expected, 1);
		fputs("</td><td class=\"n\">", f);
		rp_num_text(f, p->excess, 1);
		fputs("</td><td class=\"n\">", f);
		rp_num_text(f, p->distance, 0);
		fputs("</td><td class=\"n\">", f);
		rp_num_text(f, allowed_km(r, p->rtt_min), 0);
		fprintf(f, "</td><td>%s</td></tr>\n", !isfinite(p->excess) ? "-"
			: p->excess > 0 ? "slower than the place allows" : "within the bound");
	}
	fputs("</tbody></table>\n", f);
	if (s->phys_more)
		fprintf(f, "<p>%llu more flow(s) to addresses not listed.</p>\n",
			(unsigned long long)s->phys_more);
}
