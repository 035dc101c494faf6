/* `sightline rules check|test [PATH]`: validate a rule pack and run its
 * embedded examples, printing file:line:col: message lines. */
#include <stdio.h>
#include <string.h>

#include "sightline/rules.h"

static const char rules_usage[] =
	"Usage: sightline rules check [PATH]   validate rules: every error as FILE:LINE:COL\n"
	"       sightline rules test [PATH]    run every rule's embedded tests: examples\n"
	"\n"
	"PATH is a rule file or a directory of *.yml/*.yaml files; without it, the\n"
	"bundled pack. Exit status: 0 good, 1 an example failed, 2 errors in the rules.\n";

static void print_error(void *ctx, const struct sl_rule_error *e)
{
	char line[sizeof(e->file) + sizeof(e->msg) + 32];
	sl_rule_error_format(e, line, sizeof(line));
	fprintf(ctx, "%s\n", line);
}

static int check(const char *path)
{
	int n = sl_rules_check(path, print_error, stderr);
	if (n < 0) {
		fprintf(stderr, "sightline: %s: %s\n", path ? path : "bundled rules", strerror(-n));
		return 2;
	}
	if (n > 0) {
		fprintf(stderr, "%d error%s\n", n, n == 1 ? "" : "s");
		return 2;
	}
	struct sl_rules *r;
	struct sl_rule_error e;
	if (sl_rules_load(path, &r, &e) < 0) {
		print_error(stderr, &e);
		return 2;
	}
	printf("%zu rules OK\n", sl_rules_count(r));
	sl_rules_destroy(r);
	return 0;
}

static int test(const char *path)
{
	unsigned passed, failed;
	struct sl_rule_error e;
	if (sl_rules_test(path, stdout, &passed, &failed, &e) < 0) {
		print_error(stderr, &e);
		return 2;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

int sl_rules_main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(rules_usage, stdout);
		return 0;
	}
	if (argc < 2 || argc > 3 || (strcmp(argv[1], "check") && strcmp(argv[1], "test"))) {
		fputs(rules_usage, stderr);
		return 2;
	}
	const char *path = argc == 3 ? argv[2] : NULL;
	return !strcmp(argv[1], "check") ? check(path) : test(path);
}
