#!/usr/bin/env python3
"""Grade the IPsec/PPTP/L2TP/SoftEther detectors against the labelled
captures of ../shared/corpus: Zeek's conn.log service column (corelight-ipsec),
nDPI's .out protocol names, the packetnet L2TP expectation and the captures'
own documented contents (IKE on UDP 500, PPTP on TCP 1723 and GRE).  Prints
one line per file with its agreement and fails on any disagreement; the
fuzzed tcpdump/l2tp-avp-overflow.pcap must only replay cleanly.

Usage: vpn2_check.py SIGHTLINE CORPUS_DIR   (exit 77 = skipped: corpus absent)
"""
import glob
import os
import re
import sys
from evelib import flow_events as flows, get

ZEEK_SERVICE = {'spicy_ipsec_ike_udp': {'ike'}, 'spicy_ipsec_udp': {'ike', 'esp'}}
# nDPI's HTTP.Softether is SoftEther's dynamic-DNS update over plain HTTP: the
# wire protocol is HTTP, and the product is left to host-name matching.
NDPI_PROTO = {'IPSec': {'ike', 'esp'}, 'PPTP': {'pptp'}, 'Softether': {'softether'},
              'HTTP.Softether': {'http'}}


def key(proto, a, ap, b, bp):
    return (proto.upper(), frozenset([(a, int(ap)), (b, int(bp))]))


def flow_key(ev):
    return key(ev['proto'], ev['src_ip'], ev.get('src_port', 0), ev['dest_ip'], ev.get('dest_port', 0))


def zeek_labels(conn_log):
    labels = {}
    with open(conn_log) as f:
        for line in f:
            col = line.rstrip('\n').split('\t')
            if len(col) > 7 and col[7] in ZEEK_SERVICE:
                labels[key(col[6], col[2], col[3], col[4], col[5])] = ZEEK_SERVICE[col[7]]
    return labels


def ndpi_labels(out_path):
    line_re = re.compile(r'^\s*\d+\s+(\w+)\s+([\d.]+):(\d+)\s+<?->\s+([\d.]+):(\d+)\s+\[proto: [\d.]+/([\w.]+)\]')
    labels = {}
    with open(out_path) as f:
        for line in f:
            m = line_re.match(line)
            if m and m.group(6) in NDPI_PROTO:
                labels[key(*m.group(1, 2, 3, 4, 5))] = NDPI_PROTO[m.group(6)]
    return labels


def by_rule(evs, rule):
    """Labels from the capture's documented contents: rule(ev) -> set or None."""
    return {flow_key(e): rule(e) for e in evs if rule(e)}


def port_rule(ev):
    ports = {ev.get('src_port'), ev.get('dest_port')}
    if ev['proto'] == 'UDP' and 500 in ports:
        return {'ike'}
    if ev['proto'] == 'TCP' and 1723 in ports:
        return {'pptp'}
    if ev['proto'] == 'GRE':
        return {'pptp-gre'}
    if ev['proto'] == 'UDP' and 1701 in ports:
        return {'l2tp'}
    return None


def grade(name, evs, labels):
    got = {flow_key(e): e.get('app_proto') for e in evs}
    ok = 0
    for k, want in sorted(labels.items(), key=str):
        have = got.get(k)
        good = have in want
        ok += good
        if not good:
            print('  MISMATCH %s %s: want %s, got %s' % (k[0], sorted(k[1]), sorted(want), have))
    print('%s: %d/%d agree' % (name, ok, len(labels)))
    return ok == len(labels)


def main():
    sensor, corpus = sys.argv[1], sys.argv[2]
    if not os.path.isdir(corpus):
        print('corpus absent: skipped')
        return 77
    all_ok = True
    for pcap in sorted(glob.glob(os.path.join(corpus, 'corelight-ipsec', '*.pcap')) +
                       glob.glob(os.path.join(corpus, 'corelight-ipsec', '*.cap'))):
        labels = {}
        for log in glob.glob(pcap + '.*conn.log.filtered'):
            labels.update(zeek_labels(log))
        evs = flows(sensor, pcap)
        labels.update(by_rule([e for e in evs if e['proto'] == 'ESP'], lambda e: {'esp'}))
        all_ok &= grade(os.path.relpath(pcap, corpus), evs, labels)
    for rel in ('ndpi/esp.pcapng', 'ndpi/pptp.pcap', 'ndpi/softether.pcap'):
        p = os.path.join(corpus, rel)
        if os.path.exists(p):
            labels = ndpi_labels(p + '.out')
            all_ok &= grade(rel, flows(sensor, p), labels)
    for rel in ('suricata-verify/IKEv2_SA_INIT_2-8-weak.pcap', 'tcpdump/ikev2four.pcap',
                'tcpdump/pptp.pcap', 'packetnet/l2tp.pcap'):
        p = os.path.join(corpus, rel)
        if os.path.exists(p):
            evs = flows(sensor, p)
            all_ok &= grade(rel, evs, by_rule(evs, port_rule))
    p = os.path.join(corpus, 'tcpdump/l2tp-avp-overflow.pcap')
    if os.path.exists(p):
        evs = flows(sensor, p)
        print('tcpdump/l2tp-avp-overflow.pcap: replayed, %d flows, %d taken as l2tp' %
              (len(evs), sum(e.get('app_proto') == 'l2tp' for e in evs)))
    return 0 if all_ok else 1


if __name__ == '__main__':
    sys.exit(main())
