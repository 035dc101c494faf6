/* The flood mode of sl-pcapgen (flood.c): one-packet flows written on the fly. */
#ifndef PCAPS_GEN_FLOOD_H
#define PCAPS_GEN_FLOOD_H

/**
 * Runs `sl-pcapgen flood [--syn N] [--udp N] [--gap-us US] [--real] [--ssh MS] OUT|-` with
 * argv[0] "flood": writes N TCP SYNs and N UDP datagrams, each a new flow, one every US
 * microseconds (default 5) from SL_SCEN_EPOCH_US, with --real also a complete TCP session
 * at +1 s and a DNS exchange at +2 s, with --ssh an SSH session 10.77.0.7:50022 ->
 * 203.0.113.22:22 through the whole flood, a keystroke and its echo every MS milliseconds.
 * Returns an exit status: 0, 1 (write failed), 2 (usage).
 */
int sl_flood_main(int argc, char **argv);

#endif
