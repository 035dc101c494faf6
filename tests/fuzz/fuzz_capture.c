/* Fuzz harness of the capture front end: the input is a whole capture file
 * (pcap or pcapng bytes) replayed the way `sightline -r FILE` does it: magic
 * sniff and list expansion (files.c), preflight and read loop (offline.c),
 * then decode, flows, parsers and EVE output through a fresh engine. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sightline/capture.h"
#include "sightline/config.h"
#include "sightline/engine.h"
#include "sightline/eve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small tables so one input costs milliseconds; the bundled databases stay
 * on so enrichment of fuzzed addresses is exercised too. */
static const char *const overrides[] = {
	"flow.max_flows=1024", "dns.cache_entries=64", "dhcp.max_hosts=16",
	"decode.fragments.max_datagrams=8", "output.eve=/dev/null",
	"output.progress=false", "output.summary=false",
	"rules.path=" SL_SOURCE_ROOT "/rules/sigma", "scoring.max_subjects=64",
	"identify.signatures=" SL_SOURCE_ROOT "/rules/products",
	"rules.max_groups=64",
};

static void load_config(struct sl_config *cfg)
{
	char err[512];
	if (sl_config_init_defaults(cfg) < 0)
		abort();
	for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++)
		if (sl_config_set(cfg, overrides[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz_capture: %s: %s\n", overrides[i], err);
			abort();
		}
}

/* The input lives in one memfd, rewritten per input, named by its
 * /proc/self/fd path: libpcap and the sniffer open it like any file. */
static const char *input_path(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("fuzz_capture", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	return path;
}

/* One replay as main.c runs it: expansion errors and SL_CAPTURE_INPUT stop
 * before the engine sees a packet; anything else is finished and flushed. */
static void replay(const struct sl_config *cfg, const char *path)
{
	char err[1024] = "";
	struct sl_capture_list files;
	struct sl_eve *eve = NULL;
	struct sl_engine *e = NULL;
	const char *const inputs[] = { path };
	if (sl_capture_expand(inputs, 1, &files, err, sizeof(err)) < 0) {
		if (!err[0])
			abort(); /* every refusal must explain itself */
		return;
	}
	if (sl_eve_open(cfg->output.eve_path, &eve, err, sizeof(err)) < 0 ||
	    sl_engine_create(cfg, eve, &e, err, sizeof(err)) < 0)
		abort();
	struct sl_capture_opts co = { .bpf = NULL, .progress = false };
	int rc = sl_capture_offline(e, &files, &co, err, sizeof(err));
	if (rc < 0 && !err[0])
		abort();
	if (rc != SL_CAPTURE_INPUT || sl_engine_stats(e)->packets > 0)
		sl_engine_finish(e);
	sl_engine_destroy(e);
	sl_eve_close(eve);
	sl_capture_list_finish(&files);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_config cfg;
	static int ready;
	if (!ready) {
		load_config(&cfg);
		ready = 1;
	}
	replay(&cfg, input_path(data, size));
	return 0;
}
