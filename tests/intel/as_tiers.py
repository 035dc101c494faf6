#!/usr/bin/env python3
"""AS-number lines are weaker evidence than address lines (issue #17 part 2).
With databases built here (no demo data): an address that a VPN list holds
only through its AS -- resolved at build time (mmdb build --asn, recorded in
the record's as_lists) or at lookup time (an ASN database gives the AS) --
shows under evidence.as_lists, not evidence.lists, and "Tunnel to a
commercial VPN provider or Tor" stays quiet on its TLS flow; the same
address on an address line shows under evidence.lists and the alert fires,
naming the list; a DNS flow to it raises no tunnel alert either way.

usage: as_tiers.py SIGHTLINE SOURCE_ROOT"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

VPN_OR_TOR = '8a2e4b17-3c5d-4f60-b1a9-6d7c8e9f0a02'
SERVER = '198.51.100.20'


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def build(s, tmp, name, args):
    out = os.path.join(tmp, name)
    r = subprocess.run([s, 'mmdb', 'build'] + args + [out], capture_output=True, text=True)
    if r.returncode != 0:
        fail('mmdb build %s: %s' % (name, r.stderr))
    return out


def run(s, tmp, dbs, pcap):
    cfg = os.path.join(tmp, 'cfg.yaml')
    with open(cfg, 'w') as f:
        f.write('intel:\n  demo: false\n  builtin: false\ndatabases:\n')
        for path, schema in dbs:
            f.write('  - {path: %s, schema: %s}\n' % (path, schema))
    r = subprocess.run([s, '-c', cfg, '-r', pcap, '-o', '-'], capture_output=True, text=True)
    if r.returncode != 0:
        fail('sightline on %s: %s' % (pcap, r.stderr))
    return [json.loads(line) for line in r.stdout.splitlines()]


def flow_to_server(events, app_proto):
    for e in events:
        if e['event_type'] == 'flow' and e.get('dest_ip') == SERVER and \
                e.get('app_proto') == app_proto:
            return e
    fail('no %s flow to %s' % (app_proto, SERVER))
    return None


def tunnel_alerts(events, app_proto):
    return [e for e in events if e['event_type'] == 'alert' and
            e['alert'].get('rule_id') == VPN_OR_TOR and e.get('app_proto') == app_proto]


def check(label, events, want_lists, want_as, want_alert):
    f = flow_to_server(events, 'tls')
    ev = f.get('evidence', {})
    if ev.get('lists') != want_lists or ev.get('as_lists') != want_as:
        fail('%s: evidence %s, want lists %s as_lists %s' % (label, ev, want_lists, want_as))
    got = tunnel_alerts(events, 'tls')
    if bool(got) != want_alert:
        fail('%s: %d tunnel alerts on the TLS flow, want %s' % (label, len(got), want_alert))
    if got and got[0].get('evidence', {}).get('lists') != ['vpn']:
        fail('%s: the alert does not name the list: %s' % (label, got[0].get('evidence')))


def main():
    s, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    tls = os.path.join(root, 'pcaps', 'real', 'tls12.pcap')
    dns = os.path.join(root, 'pcaps', 'real', 'dns.pcap')
    tmp = tempfile.mkdtemp()
    try:
        def w(name, text):
            p = os.path.join(tmp, name)
            with open(p, 'w') as f:
                f.write(text)
            return p
        asn_csv = w('asn.csv', '%s,198.51.100.255,64500,Example Carrier\n' % '198.51.100.0')
        as_line = w('vpn.csv', '# a VPN provider list by AS\nAS64500,vpn\n')
        addr_dir = os.path.join(tmp, 'addr')
        os.mkdir(addr_dir)
        addr_line = os.path.join(addr_dir, 'vpn.csv')
        with open(addr_line, 'w') as f:
            f.write('%s/32,vpn\n' % SERVER)
        resolved = build(s, tmp, 'resolved.mmdb', ['--asn', asn_csv, as_line])
        unresolved = build(s, tmp, 'unresolved.mmdb', [as_line])
        address = build(s, tmp, 'address.mmdb', [addr_line])
        asn_db = build(s, tmp, 'asn.mmdb', ['--type', 'GeoLite2-ASN', w(
            'asn-src.csv', '198.51.100.0/24,asn,autonomous_system_number=64500\n')])
        check('AS line resolved at build', run(s, tmp, [(resolved, 'intel')], tls),
              None, ['vpn'], False)
        check('AS line at lookup', run(s, tmp, [(asn_db, 'maxmind'), (unresolved, 'intel')], tls),
              None, ['vpn'], False)
        check('address line', run(s, tmp, [(address, 'intel')], tls), ['vpn'], None, True)
        if tunnel_alerts(run(s, tmp, [(address, 'intel')], dns), 'dns'):
            fail('a tunnel alert on a DNS flow to a listed address')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('ok: AS-only lists under evidence.as_lists with no tunnel alert (build-time and '
          'lookup-time), an address line under evidence.lists with the alert naming it, DNS quiet')
    return 0


if __name__ == '__main__':
    sys.exit(main())
