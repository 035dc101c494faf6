#!/usr/bin/env python3
"""Grade the VPN detectors (openvpn, wireguard, tailscale, tinc) against the
labels of ../shared/corpus: nDPI's per-flow protocol ([proto: N/OpenVPN] in
ndpi/*.out) and Zeek's service column (corelight-openvpn conn logs).  Every
labelled flow must get our app_proto; prints one line per label and the
agreement count.

Usage: vpn1_check.py SIGHTLINE CORPUS_DIR   (exit 77 = skipped: corpus absent)
"""
import glob
import json
import os
import re
import sys
from evelib import endpoints, flow_events

# nDPI protocol name -> our app_proto, and the captures holding them.
# tinc's UDP data packets are encrypted without framing (nDPI names them from
# its cache of the TCP meta connection): listed, not asserted.
NOT_ASSERTED = {('tinc', 'UDP')}
NDPI = {
    'OpenVPN': 'openvpn',
    'WireGuard': 'wireguard',
    'Tailscale': 'tailscale',
    'TINC': 'tinc',
}
NDPI_FILES = ['ndpi/openvpn*.pcap*', 'ndpi/wireguard.pcap', 'ndpi/tailscale.pcap', 'ndpi/tinc.pcap']
ZEEK_FILES = ['corelight-openvpn/*.pcap']

LINE = re.compile(r'^\s*\d+\s+(TCP|UDP)\s+\[?([0-9A-Fa-f:.]+?)\]?:(\d+)\s+<?->\s+'
                  r'\[?([0-9A-Fa-f:.]+?)\]?:(\d+)\s+\[proto: [\d.]+/([A-Za-z0-9_]+)')


def flows(sensor, pcap):
    """Flow events with ports, keyed by their two endpoints."""
    return {endpoints(e): e for e in flow_events(sensor, pcap) if 'src_port' in e}


def ndpi_labels(out_path):
    labels = []
    with open(out_path) as f:
        for line in f:
            m = LINE.match(line)
            if m and m.group(6).split('.')[0] in NDPI:
                ep = frozenset([(m.group(2), int(m.group(3))), (m.group(4), int(m.group(5)))])
                want = NDPI[m.group(6).split('.')[0]]
                if (want, m.group(1)) in NOT_ASSERTED:
                    print('skip %s %s %s: %s over UDP is not asserted' % (os.path.basename(out_path), m.group(1), sorted(ep), want))
                    continue
                labels.append((ep, want))
    return labels


def zeek_labels(conn_log):
    """Rows whose service names openvpn; logs without a service column
    (the tls-auth analyzers) label every TCP/UDP row when the analyzer's
    own .openvpn.out listed packets."""
    rows, names = [], None
    with open(conn_log) as f:
        for line in f:
            cols = line.rstrip('\n').split('\t')
            if cols[0] == 'ts':
                names = cols
            elif not line.startswith('#') and len(cols) > 6:
                rows.append(cols)
    outs = glob.glob(conn_log.replace('.conn.log.filtered', '.openvpn.out'))
    listed = any(l.startswith('[') for o in outs for l in open(o))
    labels = []
    for cols in rows:
        row = dict(zip(names, cols)) if names else {}
        service = row.get('service')
        if row.get('proto') not in ('tcp', 'udp'):
            continue
        if (service is not None and 'openvpn' in service) or (service is None and listed):
            ep = frozenset([(row['id.orig_h'], int(row['id.orig_p'])),
                            (row['id.resp_h'], int(row['id.resp_p']))])
            labels.append((ep, 'openvpn'))
    return labels


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    sensor, corpus = sys.argv[1], sys.argv[2]
    if not os.path.isdir(corpus):
        print('corpus absent: skipped')
        return 77
    cases = []
    for pat in NDPI_FILES:
        for out in sorted(glob.glob(os.path.join(corpus, pat + '.out'))):
            cases.append((out[:-4], ndpi_labels(out)))
    for pat in ZEEK_FILES:
        for pcap in sorted(glob.glob(os.path.join(corpus, pat))):
            for log in glob.glob(pcap + '.zeek.*.conn.log.filtered'):
                cases.append((pcap, zeek_labels(log)))
    total = agree = 0
    for pcap, labels in cases:
        got = flows(sensor, pcap)
        for ep, want in labels:
            total += 1
            ev = got.get(ep)
            have = ev.get('app_proto') if ev else None
            ok = have == want and ev.get('category') == 'vpn'
            agree += ok
            detail = {k: ev[k] for k in (want,) if ev and k in ev}
            print('%s %s %s: want %s, got %s %s' % ('ok  ' if ok else 'FAIL', os.path.relpath(pcap, corpus),
                  sorted(ep), want, have, json.dumps(detail)))
    print('agreement: %d/%d labelled flows' % (agree, total))
    return 0 if total and agree == total else 1


if __name__ == '__main__':
    sys.exit(main())
