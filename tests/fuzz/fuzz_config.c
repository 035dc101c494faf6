/* Fuzz harness for the YAML configuration loader and --set: any bytes must
 * give 0 or an error message, never a crash or leak; a document that loads
 * must dump to text that loads back (the round trip is checked here too). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Dump cfg and reload it over fresh defaults; abort if that fails, since
 * --dump-config output must always be a valid config. */
static void check_round_trip(const struct sl_config *cfg)
{
	char *text = NULL, err[512];
	size_t len = 0;
	struct sl_config again;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	sl_config_dump(cfg, f);
	fclose(f);
	if (sl_config_init_defaults(&again) < 0)
		abort();
	if (sl_config_load_string(&again, text, len, "dump", err, sizeof(err)) != 0) {
		fprintf(stderr, "dump did not load back: %s\n%s", err, text);
		abort();
	}
	sl_config_finish(&again);
	free(text);
}

/* Each line of the input (up to 16) is also tried as a --set assignment. */
static void try_set_lines(struct sl_config *cfg, const uint8_t *data, size_t size)
{
	char line[512], err[512];
	size_t start = 0;
	for (unsigned n = 0; n < 16 && start < size; n++) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t end = nl ? (size_t)(nl - data) : size;
		size_t len = end - start < sizeof(line) - 1 ? end - start : sizeof(line) - 1;
		memcpy(line, data + start, len);
		line[len] = '\0';
		sl_config_set(cfg, line, err, sizeof(err));
		start = end + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_config cfg;
	char err[512];
	if (sl_config_init_defaults(&cfg) < 0)
		abort();
	if (sl_config_load_string(&cfg, (const char *)data, size, "fuzz", err, sizeof(err)) == 0)
		check_round_trip(&cfg);
	else if (err[0] == '\0')
		abort(); /* every failure must explain itself */
	sl_config_finish(&cfg);

	if (sl_config_init_defaults(&cfg) < 0)
		abort();
	try_set_lines(&cfg, data, size);
	check_round_trip(&cfg);
	sl_config_finish(&cfg);
	return 0;
}
