/* Fuzz harness for the roster loader: any bytes must give a roster or an
 * error that explains itself, never a crash or leak; a roster that loads
 * must answer lookups. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sightline/subject.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sl_activity_config act = { .work_start = 9, .work_end = 18,
						       .min_hours = 4 };
	struct sl_roster *r = NULL;
	char err[512];
	if (sl_roster_load_string((const char *)data, size, "fuzz", &act, &r, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort(); /* every failure must explain itself */
		return 0;
	}
	struct sl_addr a = { .b = { 203, 0, 113, 7 }, .family = 4 };
	const uint8_t mac[6] = { 0xb8, 0x27, 0xeb, 1, 2, 3 };
	sl_roster_match(r, &a, mac, "host");
	for (size_t i = 0; i < sl_roster_count(r); i++) {
		const struct sl_roster_entry *e = sl_roster_entry(r, i);
		for (size_t k = 0; k < e->n_nets; k++)
			if (sl_roster_match(r, &e->nets[k].addr, NULL, NULL) == NULL)
				abort(); /* an entry's own network must match something */
		if (e->tz)
			sl_tz_offset(e->tz, 1700000000);
	}
	sl_roster_destroy(r);
	return 0;
}
