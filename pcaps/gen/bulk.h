/* The bulk mode of sl-pcapgen (bulk.c): long, realistic sessions for the benchmark. */
#ifndef PCAPS_GEN_BULK_H
#define PCAPS_GEN_BULK_H

/**
 * Runs `sl-pcapgen bulk [--sessions N] [--seed S] OUT.pcap` with argv[0] "bulk": writes N
 * (default 200) overlapping sessions over Ethernet — TLS 1.3 downloads and uploads, QUIC,
 * SSH, DNS lookups and plain HTTP downloads — whose sizes and timings follow seed S
 * (default 1). Same arguments, same bytes. Returns an exit status: 0, 1 (build or write
 * failed), 2 (usage).
 */
int sl_bulk_main(int argc, char **argv);

#endif
