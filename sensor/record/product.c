/* The flow's product (app, category, app_source): one claim kept, the one
 * backed by the strongest evidence (sightline/product.h). */
#include "sightline/common.h"
#include "sightline/product.h"

const char *sl_app_source_name(enum sl_app_source s)
{
	static const char *const names[] = {
		"none", "port", "address-list", "association", "dns", "ja4", "user-agent", "alpn",
		"sni", "certificate", "wire",
	};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "none";
}

/* Of claims of equal strength the first stays: the steps run in a fixed
 * order, so which one that is never depends on the parsers' order. */
void sl_app_set_product(struct sl_flow *f, const char *app, const char *category,
			enum sl_app_source source)
{
	if (source <= f->app_source)
		return;
	f->product = app;
	f->category = category;
	f->app_source = (uint8_t)source;
}

bool sl_app_product(const struct sl_flow *f, const char **app, const char **category,
		    enum sl_app_source *source)
{
	if (!f->product)
		return false;
	*app = f->product;
	*category = f->category;
	*source = (enum sl_app_source)f->app_source;
	return true;
}
