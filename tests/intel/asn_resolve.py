#!/usr/bin/env python3
"""AS lists with free data, as a user meets them: an intel list that names an
AS number (tor.csv: AS60729) is built three ways and replayed over dns.pcap,
whose flows go to 198.51.100.20:

1. plain `mmdb build`, no database that gives AS numbers: the sensor warns
   at start (stderr and the summary's intel line) that the list's AS lines
   match nothing, and the flows carry no intel;
2. `mmdb build --asn asn-ipv4.csv` (ip-location-db's layout, an organisation
   with quoted commas): the build says the list gained a prefix, and the
   flows carry ["tor"] with no ASN database in the sensor, and no warning;
3. `--asn` with a GeoLite2-ASN layout .mmdb instead of the CSV: the same;
   and the plain build next to that GeoLite2-ASN database as a lookup
   database still matches at lookup time, without a warning.

usage: asn_resolve.py SIGHTLINE SOURCE_ROOT"""
import json
import os
import subprocess
import sys
import tempfile

fails = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        fails.append(what)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def replay(sensor, root, tmp, dbs):
    cfg = os.path.join(tmp, 'cfg.yaml')
    with open(cfg, 'w') as f:
        f.write('intel:\n  builtin: false\n  demo: false\ndatabases:\n')
        for path, schema in dbs:
            f.write('  - {path: %s, schema: %s}\n' % (path, schema))
    rc, out, err = run([sensor, '-c', cfg, '-o', '-', '-r',
                        os.path.join(root, 'pcaps', 'real', 'dns.pcap')])
    intel = set()
    flows = 0
    for line in out.splitlines():
        e = json.loads(line)
        if e.get('event_type') == 'flow' and e.get('dest_ip') == '198.51.100.20':
            flows += 1
            intel.add(tuple(e.get('dest', {}).get('geo', {}).get('intel', [])))
    return rc, flows, intel, err


def main():
    sensor, root = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        p = lambda name: os.path.join(tmp, name)
        with open(p('tor.csv'), 'w') as f:
            f.write('# test list\ncidr,label,note\nAS60729,tor-servers,"exits, AS-wide"\n')
        with open(p('asn-ipv4.csv'), 'w') as f:
            f.write('1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\n'
                    '198.51.100.0,198.51.100.63,60729,"Stiftung Erneuerbare Freiheit, test"\n'
                    '198.51.100.64,198.51.100.255,64496,"Someone, Else"\n')
        with open(p('geo-asn.csv'), 'w') as f:
            f.write('198.51.100.0/26,x,autonomous_system_number=60729,'
                    'autonomous_system_organization="Stiftung, test"\n')

        rc, _, err = run([sensor, 'mmdb', 'build', p('tor.csv'), p('plain.mmdb')])
        check(rc == 0, 'plain build: exit 0 (%s)' % err.strip())
        rc, flows, intel, err = replay(sensor, root, tmp, [(p('plain.mmdb'), 'intel')])
        check(rc == 0 and flows > 0, 'plain build replays: %d flows to 198.51.100.20' % flows)
        check(intel == {()}, 'plain build without an ASN database: no intel (%s)' % intel)
        check('sightline: warning: the AS-number lines of intel list tor (plain.mmdb) match '
              'nothing' in err, 'plain build without an ASN database: warning on stderr')
        check('WARNING: the AS-number lines of intel list tor' in
              ''.join(l for l in err.splitlines() if l.strip().startswith('intel:')),
              "plain build without an ASN database: warning in the summary's intel line")

        rc, _, err = run([sensor, 'mmdb', 'build', '--asn', p('asn-ipv4.csv'), p('tor.csv'),
                          p('resolved.mmdb')])
        check(rc == 0, 'build --asn CSV: exit 0 (%s)' % err.strip())
        check('sightline: list tor: 1 of 1 AS number resolved, 1 prefix added' in err,
              'build --asn CSV says what the list gained: %r' % err.strip())
        rc, flows, intel, err = replay(sensor, root, tmp, [(p('resolved.mmdb'), 'intel')])
        check(intel == {('tor',)}, 'resolved at build: flows carry intel ["tor"] (%s)' % intel)
        check('warning' not in err.lower(), 'resolved at build: no warning')

        rc, _, err = run([sensor, 'mmdb', 'build', '--type', 'GeoLite2-ASN', p('geo-asn.csv'),
                          p('GeoLite2-ASN.mmdb')])
        check(rc == 0, 'GeoLite2-ASN layout database built (%s)' % err.strip())
        rc, _, err = run([sensor, 'mmdb', 'build', '--asn', p('GeoLite2-ASN.mmdb'),
                          p('tor.csv'), p('resolved2.mmdb')])
        check(rc == 0 and 'list tor: 1 of 1 AS number resolved, 1 prefix added' in err,
              'build --asn GeoLite2-ASN.mmdb: %r' % err.strip())
        rc, flows, intel, err = replay(sensor, root, tmp, [(p('resolved2.mmdb'), 'intel')])
        check(intel == {('tor',)}, 'resolved from an .mmdb: flows carry ["tor"] (%s)' % intel)

        rc, flows, intel, err = replay(sensor, root, tmp, [(p('GeoLite2-ASN.mmdb'), 'maxmind'),
                                                         (p('plain.mmdb'), 'intel')])
        check(intel == {('tor',)}, 'unresolved list with an ASN database: matched at lookup '
              '(%s)' % intel)
        check('warning' not in err.lower(), 'unresolved list with an ASN database: no warning')

        rc, _, err = run([sensor, 'mmdb', 'build', '--asn', p('absent.csv'), p('tor.csv'),
                          p('x.mmdb')])
        check(rc == 2 and 'absent.csv: cannot open: No such file or directory' in err,
              'a missing ASN source is a usage error naming it (%d %r)' % (rc, err.strip()))
    print('%d failed' % len(fails))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
