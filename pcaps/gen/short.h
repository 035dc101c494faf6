/* The short mode of sl-pcapgen (short.c): the short flows of an edge, for the benchmark. */
#ifndef PCAPS_GEN_SHORT_H
#define PCAPS_GEN_SHORT_H

/**
 * Runs `sl-pcapgen short [--flows N] [--seed S] OUT.pcap` with argv[0] "short": writes N
 * (default 1000, at most 1400) flows over Ethernet starting within 20 s, one client per 16
 * flows: DNS lookups, brief TLS 1.3 and QUIC visits, refused and unanswered connections,
 * NTP, pings, brief HTTP and SSH, WireGuard handshakes, TeamViewer, and one flow in eight
 * a long bulk session (see bulk.h), each kind in its share of every 1000 flows; names,
 * sizes and timings follow seed S (default 1). Same arguments, same bytes. Returns an exit
 * status: 0, 1 (build or write failed, or more than SL_PCAPW_MAX_BYTES of packets), 2
 * (usage).
 */
int sl_short_main(int argc, char **argv);

#endif
