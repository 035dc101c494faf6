#!/usr/bin/env python3
"""Grade the remote-access wire detectors (TeamViewer, AnyDesk, RustDesk)
against nDPI's labels in ../shared/corpus/ndpi/*.out: every flow nDPI names
with one of those products must carry the same `app` with app_source "wire".
Prints one line per labelled flow and the agreement count; fails when a flow
of ndpi/teamviewer.pcap (the capture these detectors are graded on) differs.

Usage: rat_check.py SIGHTLINE CORPUS_DIR   (exit 77 = skipped: corpus absent)
"""
import glob
import os
import re
import sys
from evelib import flow_events as flows, get

PRODUCTS = {'TeamViewer': 'teamviewer', 'AnyDesk': 'anydesk', 'RustDesk': 'rustdesk'}
REQUIRED = {'ndpi/teamviewer.pcap'}
LINE = re.compile(r'^\s*\d+\s+(TCP|UDP)\s+([\d.]+):(\d+)\s+<?->\s+([\d.]+):(\d+)\s+\[proto: ([^\]]+)\]')


def labels(out_path):
    """(endpoints, product) for each flow nDPI names with one of PRODUCTS."""
    res = []
    with open(out_path, errors='replace') as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            names = re.split(r'[./]', m.group(6))
            for k, v in PRODUCTS.items():
                if k in names:
                    ep = frozenset([(m.group(2), int(m.group(3))), (m.group(4), int(m.group(5)))])
                    res.append((m.group(1), ep, v))
    return res


def main():
    sensor, corpus = sys.argv[1], sys.argv[2]
    if not os.path.isdir(os.path.join(corpus, 'ndpi')):
        print('corpus absent: skipped')
        return 77
    total = agree = 0
    required_bad = 0
    for out in sorted(glob.glob(os.path.join(corpus, 'ndpi', '*.out'))):
        want = labels(out)
        if not want:
            continue
        pcap_rel = os.path.relpath(out[:-4], corpus)
        got = {}
        for ev in flows(sensor, out[:-4]):
            ep = frozenset([(ev['src_ip'], ev.get('src_port')), (ev['dest_ip'], ev.get('dest_port'))])
            got[ep] = (ev.get('app'), ev.get('app_source'), ev.get('app_proto'))
        for proto, ep, product in want:
            app, src, app_proto = got.get(ep, (None, None, None))
            ok = app == product and src == 'wire'
            total += 1
            agree += ok
            if not ok and pcap_rel in REQUIRED:
                required_bad += 1
            print('%-4s %s %s %s: nDPI %s, sightline app=%s source=%s app_proto=%s' % (
                'ok' if ok else 'DIFF', pcap_rel, proto, sorted(ep), product, app, src, app_proto))
    print('agreement: %d/%d flows' % (agree, total))
    return 1 if required_bad or total == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
