#!/usr/bin/env python3
"""The bundled databases, read back by `mmdblookup` (Debian's mmdb-bin), the
reference reader: every entry of the source CSV lists gives its label at
the first, middle and last address of its prefix (or at the AS number's own
address, 100::ASN), the most specific entry winning where lists overlap;
addresses outside every list find nothing.

Usage: check_bundled.py DB.mmdb LIST.csv...   (exit 77 without mmdblookup)
"""
import csv
import ipaddress
import shutil
import subprocess
import sys

OUTSIDE = ['8.8.8.8', '1.1.1.1', '9.9.9.9', '10.0.0.1', '2606:4700::1111',
           '2001:db8:ffff::1', '100::1', '100::ffff:ffff', '::ffff:8.8.4.4']


def entries(paths):
    """(network, label, list name) of every line; AS lines as 100::ASN/128."""
    out = []
    for path in paths:
        name = path.rsplit('/', 1)[-1][:-4]
        with open(path, newline='', encoding='utf-8') as f:
            for row in csv.reader(line for line in f if not line.startswith('#')):
                if not row or not row[0].strip() or row[0].strip().lower() == 'cidr':
                    continue
                first, label = row[0].strip(), row[1].strip()
                if first.upper().startswith('AS'):
                    asn = int(first[2:])
                    net = ipaddress.ip_network('100::%x:%x/128' % (asn >> 16, asn & 0xffff))
                else:
                    net = ipaddress.ip_network(first)
                out.append((net, label, name))
    return out


def expected(ents, addr):
    """Label of the most specific covering entry (the last of equals), and
    the names of every list covering addr."""
    best, lists = None, []
    for net, label, name in ents:
        if addr.version == net.version and addr in net:
            if best is None or net.prefixlen >= best[0].prefixlen:
                best = (net, label)
            if name not in lists:
                lists.append(name)
    return (best[1] if best else None), lists


def lookup(db, ip, *path):
    proc = subprocess.run(['mmdblookup', '--file', db, '--ip', ip] + list(path),
                          capture_output=True, text=True)
    text = proc.stdout + proc.stderr
    if 'Could not find an entry' in text:
        return None
    return [line.strip().split('"')[1] for line in text.splitlines() if '<utf8_string>' in line]


def probes(net):
    yield net.network_address
    yield net.network_address + net.num_addresses // 2
    yield net.broadcast_address


def main():
    if not shutil.which('mmdblookup'):
        print('mmdblookup not installed')
        return 77
    db, paths = sys.argv[1], sys.argv[2:]
    ents = entries(paths)
    fails, checked = [], 0
    for net, _, _ in ents:
        for addr in probes(net):
            label, lists = expected(ents, addr)
            got_label = lookup(db, str(addr), 'label')
            got_lists = lookup(db, str(addr), 'lists')
            checked += 1
            if got_label != [label] or got_lists != lists:
                fails.append('%s: expected %s %s, got %s %s' % (addr, label, lists, got_label, got_lists))
    for ip in OUTSIDE:
        checked += 1
        if lookup(db, ip, 'label') is not None:
            fails.append('%s: outside every list, but found %s' % (ip, lookup(db, ip, 'label')))
    for f in fails:
        print('FAIL ' + f)
    print('%s: %d addresses checked against %d entries, %d failed' % (db, checked, len(ents), len(fails)))
    return 1 if fails or not ents else 0


if __name__ == '__main__':
    sys.exit(main())
