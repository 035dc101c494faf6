/* Fuzz harness for the rule loader: any bytes as a rule file must give a
 * pack or an error with a message, never a crash or leak; a pack that loads
 * is matched against an empty event and fed to a small correlator. */
#include <stdint.h>
#include <stdlib.h>

#include "sightline/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool nothing(void *ctx, const struct sl_field *f, struct sl_value *v)
{
	(void)ctx;
	(void)f;
	(void)v;
	return false;
}

static void on_hit(void *ctx, const struct sl_rule_info *info)
{
	(*(size_t *)ctx) += info->score;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_rules *r = NULL;
	struct sl_rule_error err;
	if (sl_rules_load_mem("fuzz.yml", (const char *)data, size, &r, &err) < 0) {
		if (err.msg[0] == '\0')
			abort(); /* every failure must explain itself */
		return 0;
	}
	struct sl_field_source src = { .get = nothing };
	struct sl_correlator *c = NULL;
	size_t sum = 0;
	sl_rules_match(r, &src, on_hit, &sum);
	if (sl_correlator_create(r, 4, &c) == 0)
		for (size_t i = 0; i < sl_rules_count(r); i++)
			sl_correlator_feed(c, sl_rules_info(r, i), &src, i * SL_US_PER_SEC, on_hit, &sum);
	sl_correlator_destroy(c);
	sl_rules_destroy(r);
	return 0;
}
