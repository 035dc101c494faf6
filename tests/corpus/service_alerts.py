#!/usr/bin/env python3
"""No "tunnel" alert on a plain service flow (issue #17): over every capture
of pcaps/ and of the corpus (when present), with the default rule pack and
the bundled databases, no flow alert of a tunnel family (vpn, tunnel) may
stand on a plain service flow -- ICMP, DNS/mDNS/DHCP, plain HTTP, or TLS or
an unidentified payload on a mail, DNS, NTP or web port -- unless a product
was named on the wire or by a name (certificate, SNI, DNS, ALPN, JA4, user
agent): an address-list or database hit alone never makes such a flow a
tunnel.  The plain-service test reads the flow's own facts, not
evidence.flow.

Usage: service_alerts.py SIGHTLINE PCAPS_DIR [CORPUS_DIR]
Exit: 0 none, 1 some (each listed).
"""
import json
import os
import subprocess
import sys

TUNNEL_FAMILIES = {'vpn', 'tunnel'}
SERVICE_PROTOS = {'dns', 'mdns', 'dhcp', 'http'}
SERVICE_PORTS = {25, 53, 80, 110, 123, 143, 465, 587, 993, 995}
NAMED = {'wire', 'certificate', 'sni', 'alpn', 'user-agent', 'ja4', 'dns', 'association'}


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from captures import captures  # noqa: E402  (one walker for every test script)


def plain_service(e):
    if e.get('proto') in ('ICMP', 'IPv6-ICMP', 'ICMPv6'):
        return True
    ap = e.get('app_proto')
    if ap in SERVICE_PROTOS:
        return True
    return ap in (None, 'tls') and e.get('dest_port') in SERVICE_PORTS


def violations(sightline, pcap):
    res = subprocess.run([sightline, '-r', pcap, '-o', '-'], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=False)
    out = []
    for line in res.stdout.decode('utf-8', 'replace').splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        a = e.get('alert', {})
        if e.get('event_type') != 'alert' or a.get('scope') != 'flow':
            continue
        if a.get('category') not in TUNNEL_FAMILIES or not plain_service(e):
            continue
        if e.get('app') and e.get('app_source') in NAMED:
            continue
        out.append('%s: "%s" on %s %s:%s -> %s:%s (app_proto %s, remote.intel %s, anon %s)' % (
            os.path.basename(pcap), a.get('signature'), e.get('proto'), e.get('src_ip'),
            e.get('src_port'), e.get('dest_ip'), e.get('dest_port'), e.get('app_proto'),
            e.get('remote', {}).get('intel'), e.get('remote', {}).get('anon')))
    return out


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    files = captures(argv[2])
    if len(argv) > 3 and os.path.isdir(argv[3]):
        files += captures(argv[3])
    else:
        print('note: no corpus; project captures only')
    bad = []
    for p in files:
        bad += violations(argv[1], p)
    for b in bad:
        print('FAIL ' + b)
    print('%d captures, %d tunnel alerts on plain service flows' % (len(files), len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
