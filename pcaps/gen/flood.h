/* The flood mode of sl-pcapgen (flood.c): one-packet flows written on the fly. */
#ifndef PCAPS_GEN_FLOOD_H
#define PCAPS_GEN_FLOOD_H

/**
 * Runs `sl-pcapgen flood [--syn N] [--udp N] [--gap-us US] [--real] OUT|-` with argv[0]
 * "flood": writes N TCP SYNs and N UDP datagrams, each a new flow, one every US
 * microseconds (default 5) from SL_SCEN_EPOCH_US, with --real also a complete TCP session
 * at +1 s and a DNS exchange at +2 s. Returns an exit status: 0, 1 (write failed), 2 (usage).
 */
int sl_flood_main(int argc, char **argv);

#endif
