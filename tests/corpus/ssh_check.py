#!/usr/bin/env python3
"""Grade the SSH parser against every HASSH label of ../shared/corpus: nDPI's
[HASSH-C: ..][HASSH-S: ..] (ndpi/*.out) and suricata-verify's ssh-hassh test
(ssh.client/server.hassh.hash in test.yaml, hassh string contents in the
rules).  Prints one line per label and the agreement count.

Usage: ssh_check.py SIGHTLINE CORPUS_DIR   (exit 77 = skipped: corpus absent)
"""
import json
import os
import re
import sys

import yaml
from evelib import flow_events as flows, endpoints, get

NDPI = ['ndpi/ssh.pcap', 'ndpi/ssh_unidirectional.pcap']
SV = 'suricata-verify/ssh-hassh__input.pcap'


def ndpi_labels(out_path):
    """(endpoints, field, expected) for each HASSH label of an nDPI .out."""
    line_re = re.compile(r'^\s*\d+\s+TCP\s+([\d.]+):(\d+)\s+<?->\s+([\d.]+):(\d+)\s')
    labels = []
    with open(out_path) as f:
        for line in f:
            m = line_re.match(line)
            if not m:
                continue
            ep = frozenset([(m.group(1), int(m.group(2))), (m.group(3), int(m.group(4)))])
            for tag, field in (('HASSH-C', 'ssh.client.hassh.hash'), ('HASSH-S', 'ssh.server.hassh.hash')):
                h = re.search(r'\[%s: ([0-9A-Fa-f]{32})\]' % tag, line)
                if h:
                    labels.append((ep, field, h.group(1).lower()))
    return labels


def sv_labels(corpus):
    """suricata-verify ssh-hassh: exact hashes (test.yaml) and the strings the
    rules require inside ssh.hassh.string / ssh.hassh.server.string."""
    base = os.path.join(corpus, SV + '.sv.ssh-hassh')
    labels = []
    with open(base + '.test.yaml') as f:
        for check in yaml.safe_load(f)['checks']:
            match = check['filter'].get('match', {})
            if match.get('event_type') != 'ssh':
                continue
            for side in ('client', 'server'):
                key = 'ssh.%s.hassh.hash' % side
                if key in match:
                    labels.append((None, key, str(match[key])))
    with open(base + '.test.rules') as f:
        for rule in f:
            m = re.search(r'(ssh\.hassh(?:\.server)?)\.string; content:"([^"]*)"', rule)
            if m:
                side = 'server' if m.group(1).endswith('server') else 'client'
                labels.append((None, 'ssh.%s.hassh.string' % side, ('contains', m.group(2))))
    return labels


def grade(evs, labels, name):
    agree = 0
    for ep, field, want in labels:
        cands = [e for e in evs if ep is None or endpoints(e) == ep]
        cands = [e for e in cands if e.get('app_proto') == 'ssh'] or cands
        got = get(cands[0], field) if len(cands) == 1 else None
        if isinstance(want, tuple):
            ok = got is not None and want[1] in got
            shown = 'contains %r' % want[1][:40]
        else:
            ok = got == want
            shown = want
        agree += ok
        print('%s %s %s: expected %s, got %s' % ('ok' if ok else 'DIFF', name, field, shown, got))
    return agree


def main():
    sensor, corpus = sys.argv[1], sys.argv[2]
    if not os.path.isdir(corpus) or not os.path.exists(os.path.join(corpus, SV)):
        print('corpus absent: skipped')
        return 77
    total = agree = 0
    for rel in NDPI:
        labels = ndpi_labels(os.path.join(corpus, rel + '.out'))
        evs = flows(sensor, os.path.join(corpus, rel))
        for e in evs:
            print('   %s flow %s: ssh %s' % (rel, sorted(endpoints(e)), json.dumps(e.get('ssh'))[:160]))
        total += len(labels)
        agree += grade(evs, labels, rel)
    labels = sv_labels(corpus)
    total += len(labels)
    agree += grade(flows(sensor, os.path.join(corpus, SV)), labels, SV)
    print('HASSH labels agreeing: %d of %d' % (agree, total))
    return 0 if total and agree == total else 1


if __name__ == '__main__':
    sys.exit(main())
