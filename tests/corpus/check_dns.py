#!/usr/bin/env python3
"""DNS facts on other projects' captures in ../shared/corpus (never copied
here): the query names, types and response codes that nDPI's and
suricata-verify's own expected results name.  Skips (77) when absent.

Usage: check_dns.py SIGHTLINE CORPUS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

# capture -> list of (match, count): match is a dict of dotted EVE paths.
CASES = {
    'ndpi/dns.pcap': [
        ({'app_proto': 'dns', 'dns.rrname': 'e7.whatsapp.net', 'dns.rrtype': 'A',
          'dns.rcode': 'NOERROR', 'dns.answer_data': '169.45.219.235,169.47.40.142,169.45.248.121,'
          '108.168.176.234,169.45.248.189,169.45.248.180,169.53.81.79,169.45.219.232'}, 1),
        ({'app_proto': 'dns', 'dns.rrname': 'www.l.google.com', 'dns.rrtype': 'AAAA',
          'dns.rcode': 'NOERROR', 'dns.query_count': 1, 'dns.response_count': 2}, 1),
    ],
    # DNS over TLS on 853 is TLS, not cleartext DNS
    'ndpi/dns_dot.pcap': [({'dest_port': 853, 'app_proto': 'dns'}, 0),
                          ({'dest_port': 853}, 1)],
    # iodine tunnels through NULL records of one resolver 5-tuple
    'ndpi/dns-tunnel-iodine.pcap': [
        ({'app_proto': 'dns', 'dns.rrname': 'vaaaakardli.pirate.sea', 'dns.rrtype': 'NULL',
          'dns.rcode': 'NOERROR'}, 1)],
    # DNSCrypt on 5353 is neither DNS nor mDNS
    'ndpi/dnscrypt-v2.pcap': [({'dest_port': 5353, 'app_proto': None}, 3)],
    # suricata-verify dns-udp-nxdomain-soa: one NXDOMAIN answer
    'suricata-verify/dns-udp-nxdomain-soa.pcap': [
        ({'app_proto': 'dns', 'dns.rrname': 'dne.oisf.net', 'dns.rrtype': 'A',
          'dns.rcode': 'NXDOMAIN', 'dns.answer_data': None}, 1)],
}


def lookup(ev, path):
    cur = ev
    for part in path.split('.'):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def flows(sensor, capture):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'eve.json')
        proc = subprocess.run([sensor, '-q', '-o', out, '-r', capture],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError('exit %d: %s' % (proc.returncode, proc.stderr))
        with open(out) as f:
            return [e for e in map(json.loads, f) if e['event_type'] == 'flow']


def main():
    sensor, corpus = sys.argv[1:3]
    present = [c for c in CASES if os.path.exists(os.path.join(corpus, c))]
    if not present:
        print('skip: no DNS captures under %s' % corpus)
        return 77
    fails = []
    for cap in present:
        evs = flows(sensor, os.path.join(corpus, cap))
        for match, want in CASES[cap]:
            n = sum(1 for e in evs if all(lookup(e, k) == v for k, v in match.items()))
            if n != want:
                fails.append('%s: %d flows match %s, expected %d' % (cap, n, match, want))
    if fails:
        print('FAIL\n  ' + '\n  '.join(fails))
        return 1
    print('ok: %d captures, %d checks' % (len(present), sum(len(CASES[c]) for c in present)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
