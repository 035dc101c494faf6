/* `sightline rules check|test [--products] [PATH]`: validate a rule pack or
 * a set of product signatures and run their embedded examples, printing
 * file:line:col: message lines. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sightline/rules.h"
#include "sightline/signatures.h"

static const char rules_usage[] =
	"Usage: sightline rules check [PATH]              validate rules: every error as FILE:LINE:COL\n"
	"       sightline rules test [PATH]               run every rule's embedded tests: examples\n"
	"       sightline rules check --products [PATH]   the same for product signatures\n"
	"       sightline rules test --products [PATH]    (rules/products, or your own)\n"
	"\n"
	"PATH is a file or a directory of *.yml/*.yaml files. Without PATH, check and test\n"
	"cover the bundled rule pack and the bundled product signatures. Exit status: 0 good,\n"
	"1 an example failed, 2 errors in the rules or signatures.\n";

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

/* Every error of the signature files, then the count of signatures. */
static int check_products(const char *path)
{
	struct sl_sigs *s;
	struct sl_rule_error e;
	int rc = sl_sigs_load(&path, 1, print_error, stderr, &s, &e);
	if (rc == -EINVAL) {
		fprintf(stderr, "the product signatures have errors\n");
		return 2;
	}
	if (rc < 0) {
		fprintf(stderr, "sightline: %s: %s\n", path ? path : "bundled product signatures",
			strerror(-rc));
		return 2;
	}
	printf("%zu product signatures OK\n", sl_sigs_count(s));
	sl_sigs_destroy(s);
	return 0;
}

static int test_products(const char *path)
{
	unsigned passed, failed;
	struct sl_rule_error e;
	if (sl_sigs_test(&path, 1, stdout, &passed, &failed, &e) < 0) {
		print_error(stderr, &e);
		return 2;
	}
	printf("%u passed, %u failed (product signatures)\n", passed, failed);
	return failed ? 1 : 0;
}

static int worst(int a, int b)
{
	return a > b ? a : b;
}

int sl_rules_main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(rules_usage, stdout);
		return 0;
	}
	bool products = argc >= 3 && strcmp(argv[2], "--products") == 0;
	int first_path = products ? 3 : 2;
	if (argc < 2 || argc > first_path + 1 ||
	    (strcmp(argv[1], "check") && strcmp(argv[1], "test"))) {
		fputs(rules_usage, stderr);
		return 2;
	}
	const char *path = argc == first_path + 1 ? argv[first_path] : NULL;
	bool is_check = !strcmp(argv[1], "check");
	if (products)
		return is_check ? check_products(path) : test_products(path);
	int rc = is_check ? check(path) : test(path);
	if (!path) /* the bundled set: rules and product signatures together */
		rc = worst(rc, is_check ? check_products(NULL) : test_products(NULL));
	return rc;
}
