/* Fuzz harness for the CSV reader: any bytes, every flag combination; the
 * reader must stop cleanly and every field must match its stated length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (unsigned flags = 0; flags < 4; flags++) {
		struct sl_csv *c = NULL;
		struct sl_csv_record r;
		char err[256];
		unsigned long last = 0;
		if (sl_csv_open_mem(data, size, "fuzz", flags, &c) < 0)
			return 0;
		while (sl_csv_next(c, &r, err, sizeof(err)) > 0) {
			if (r.n_fields == 0 || r.line < last)
				abort();
			for (size_t i = 0; i < r.n_fields; i++)
				if (strlen(r.fields[i]) != r.lens[i])
					abort();
			last = r.line;
		}
		sl_csv_destroy(c);
	}
	return 0;
}
