#!/usr/bin/env python3
"""Grade the QUIC parser on every QUIC capture of ../shared/corpus against
the labels its source project checks: nDPI's .out lines ([Hostname/SNI: ...],
[JA4: ...], [QUIC ver: ...], [User-Agent: ...], [(Advertised) ALPNs: ...]) and
suricata-verify's test.yaml checks (quic.ja4, quic.sni, and the server_name /
alpn entries of quic.extensions).

JA4's ALPN characters are graded against the JA4 specification (first and
last character of the first ALPN value) rather than nDPI, whose older JA4
takes the first two characters ("h3-29" gives "h3" there, "h9" by the spec);
every other character of the fingerprint must equal nDPI's.

Usage: quic_check.py SIGHTLINE CORPUS_DIR   (exit 77 = skipped: corpus absent)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

NDPI_VER = {'V-1': '1', 'V-2': '2'}


def quic_captures(corpus):
    """Rows of MANIFEST.tsv in the quic category: (capture, label file)."""
    with open(os.path.join(corpus, 'MANIFEST.tsv'), encoding='utf-8') as f:
        head = f.readline().rstrip('\n').split('\t')
        for line in f:
            row = dict(zip(head, line.rstrip('\n').split('\t')))
            if row.get('category') == 'quic':
                yield row['file'], row['expected_source_file']


def run(sensor, capture):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'eve.json')
        proc = subprocess.run([sensor, '-q', '-o', out, '-r', capture],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise RuntimeError('sightline exited %d: %s' % (proc.returncode, proc.stderr))
        with open(out, encoding='utf-8') as f:
            events = [json.loads(line) for line in f if line.strip()]
    return [e for e in events if e.get('event_type') == 'flow' and e.get('app_proto') == 'quic']


def endpoint(text):
    """'1.2.3.4:5' or '[::1]:5' -> ('1.2.3.4', 5)."""
    host, port = text.rsplit(':', 1)
    return host.strip('[]'), int(port)


def find_flow(flows, a, b):
    for f in flows:
        ours = {(f['src_ip'], f['src_port']), (f['dest_ip'], f['dest_port'])}
        if ours == {a, b}:
            return f
    return None


def spec_alpn_chars(alpn):
    first = alpn.split(',')[0] if alpn else ''
    if not first:
        return '00'
    if first[0].isalnum() and first[-1].isalnum():
        return first[0] + first[-1]
    return None  # hex form: not exercised by these captures


class Grade:
    def __init__(self):
        self.checks = self.fails = 0

    def eq(self, what, ours, want):
        self.checks += 1
        ok = ours == want
        self.fails += not ok
        print('  %-4s %s: ours=%r label=%r' % ('ok' if ok else 'FAIL', what, ours, want))


def grade_ndpi(g, flows, label_file):
    line_re = re.compile(r'^\s*\d+\s+UDP\s+(\S+)\s+<?->\s+(\S+)\s+\[proto: [\d.]+/QUIC')
    for line in open(label_file, encoding='utf-8'):
        m = line_re.match(line)
        if not m:
            continue
        tags = dict(re.findall(r'\[([^:\]]+): ([^\]]*)\]', line))
        a, b = endpoint(m.group(1)), endpoint(m.group(2))
        f = find_flow(flows, a, b)
        if 'QUIC ver' not in tags and 'Hostname/SNI' not in tags:
            continue  # nDPI named it by port or address only
        name = '%s:%d' % a
        if f is None:
            g.eq(name + ' flow identified as quic', False, True)
            continue
        q = f.get('quic', {})
        ver = tags.get('QUIC ver', '')
        want_ver = NDPI_VER.get(ver, ver.replace('Draft-', 'draft-'))
        g.eq(name + ' quic.version', q.get('version'), want_ver)
        g.eq(name + ' quic.sni', q.get('sni'), tags.get('Hostname/SNI'))
        if 'User-Agent' in tags:
            g.eq(name + ' quic.ua', q.get('ua'), tags['User-Agent'])
        if '(Advertised) ALPNs' in tags:
            g.eq(name + ' quic.alpn', q.get('alpn'), tags['(Advertised) ALPNs'].replace(';', ','))
        if 'JA4' in tags:
            ours, want = q.get('ja4', ''), tags['JA4']
            g.eq(name + ' quic.ja4 except ALPN chars', ours[:8] + ours[10:], want[:8] + want[10:])
            g.eq(name + ' quic.ja4 ALPN chars (spec)', ours[8:10], spec_alpn_chars(q.get('alpn')))


def sv_filters(label_file):
    """The filter blocks of a suricata-verify test.yaml: [(count, {key: value})]."""
    out, cur, in_match = [], None, False
    for raw in open(label_file, encoding='utf-8'):
        line = raw.split('#', 1)[0].rstrip()
        s = line.strip()
        if s.startswith('- filter:'):
            cur = [None, {}]
            out.append(cur)
            in_match = False
        elif cur is not None and s.startswith('count:'):
            cur[0] = int(s.split(':', 1)[1])
        elif cur is not None and s == 'match:':
            in_match = True
        elif cur is not None and in_match and ':' in s:
            k, v = s.split(':', 1)
            cur[1][k.strip()] = v.strip().strip('"\'')
    return [(c, m) for c, m in out if m.get('event_type') == 'quic']


def grade_sv(g, flows, label_file):
    for count, match in sv_filters(label_file):
        want = {}
        if 'quic.ja4' in match:
            want['ja4'] = match['quic.ja4']
        if 'quic.sni' in match:
            want['sni'] = match['quic.sni']
        for k, v in match.items():
            m = re.match(r'quic\.extensions\[(\d+)\]\.name$', k)
            value = match.get('quic.extensions[%s].values[0]' % m.group(1)) if m else None
            if m and v == 'server_name':
                want['sni'] = value
            elif m and v == 'alpn':
                want['alpn_first'] = value
        got = 0
        for f in flows:
            q = f.get('quic', {})
            have = {'ja4': q.get('ja4'), 'sni': q.get('sni'),
                    'alpn_first': (q.get('alpn') or '').split(',')[0]}
            got += all(have[k] == v for k, v in want.items())
        g.eq('flows with %s' % want, got, count)


def main():
    sensor, corpus = sys.argv[1:3]
    if not os.path.isfile(os.path.join(corpus, 'MANIFEST.tsv')):
        print('skip: %s absent' % corpus)
        return 77
    g = Grade()
    for capture, label in quic_captures(corpus):
        print(capture)
        flows = run(sensor, os.path.join(corpus, capture))
        label_path = os.path.join(corpus, label)
        if label.endswith('.out'):
            grade_ndpi(g, flows, label_path)
        elif label.endswith('.yaml'):
            grade_sv(g, flows, label_path)
    print('%d checks, %d failed' % (g.checks, g.fails))
    return 1 if g.fails or not g.checks else 0


if __name__ == '__main__':
    sys.exit(main())
