/* Test helper: `mmdb_build_tool OUT.mmdb IN.csv...` runs sl_mmdb_build with
 * build_epoch 0, standing in for the CLI subcommand in shell tests. */
#include <stdio.h>

#include "sightline/mmdb_build.h"

int main(int argc, char **argv)
{
	char err[512];
	struct sl_mmdb_build_opts o = {.description = "sightline test lists"};
	if (argc < 2) {
		fprintf(stderr, "usage: %s OUT.mmdb IN.csv...\n", argv[0]);
		return 2;
	}
	int rc = sl_mmdb_build((const char *const *)argv + 2, (size_t)argc - 2,
			       argv[1], &o, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return 0;
}
