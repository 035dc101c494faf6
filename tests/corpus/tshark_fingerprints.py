#!/usr/bin/env python3
"""JA3, JA3S and JA4 against tshark, flow by flow (issue #18, "Done means").

For every capture under the given directories, tshark (4.0: no JA4 of its
own) decodes the TLS, DTLS and QUIC hellos; this script takes

  JA3   tshark's tls.handshake.ja3 / dtls.handshake.ja3 of the flow's first
        ClientHello (for QUIC, computed here from the decoded fields: tshark
        does not hash QUIC hellos),
  JA3S  tshark's ja3s of the flow's last ServerHello (after a
        HelloRetryRequest the real one),
  JA4   computed here from the same decoded ClientHello fields, following
        the JA4 specification (FoxIO-LLC/ja4, technical_details/JA4.md),

and compares each with sightline's tls.* / dtls.* / quic.* field of the flow
with the same addresses and ports.  OpenVPN's control channel is decoded by
tshark on port 1194 with its defaults; for an OpenVPN flow sightline found
on another port, or with tls-auth, tshark is run again with decode-as and the
tls-auth settings (HMAC sizes 20, 32, 16, 64 tried in turn), and those
handshakes are counted apart ("with hints").

Prints per kind: handshakes tshark decoded, agree, disagree, missing (ours
absent).  Exit 1 on any disagreement or missing value, 77 when tshark or the
directories are absent.

Usage: tshark_fingerprints.py SIGHTLINE DIR [DIR...] [-v]
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HELLOS = ('tls.handshake.type==1 || tls.handshake.type==2 || '
          'dtls.handshake.type==1 || dtls.handshake.type==2')
JA4_VERSIONS = {0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3',
                0x0002: 's2', 0xfeff: 'd1', 0xfefd: 'd2', 0xfefc: 'd3'}


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from captures import captures  # noqa: E402  (one walker for every test script)


def as_list(v):
    return v if isinstance(v, list) else [] if v is None else [v]


def is_grease(v):
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def find(node, suffix):
    """Every value under node whose key ends with suffix (depth first, in order)."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k.endswith(suffix):
                out.extend(as_list(v))
            elif isinstance(v, (dict, list)):
                out.extend(find(v, suffix))
    elif isinstance(node, list):
        for v in node:
            out.extend(find(v, suffix))
    return out


def handshakes(node, proto=None):
    """(protocol prefix, handshake dict) for every handshake message in a layer tree."""
    if isinstance(node, list):
        for v in node:
            yield from handshakes(v, proto)
        return
    if not isinstance(node, dict):
        return
    for k, v in node.items():
        if k in ('tls.handshake', 'dtls.handshake'):
            for h in as_list(v):
                if isinstance(h, dict):
                    yield k.split('.')[0], h
        elif isinstance(v, (dict, list)):
            yield from handshakes(v, proto)


def extensions(h):
    """[(type, extension dict)] in the order tshark lists them."""
    out = []
    for k, v in h.items():
        if k.startswith('Extension: '):
            for e in as_list(v):
                t = find(e, '.handshake.extension.type')
                if t:
                    out.append((int(t[0]), e))
    return out


def sha12(text):
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def ja4_alpn(first):
    if not first:
        return '00'
    a, z = first[0], first[-1]
    if a.isascii() and a.isalnum() and z.isascii() and z.isalnum():
        return a + z
    raw = first.encode('utf-8', 'surrogateescape')
    return '%x%x' % (raw[0] >> 4, raw[-1] & 0xf)


def ja4(h, transport):
    """JA4 of a ClientHello from tshark's decoded fields (JA4.md)."""
    ciphers = [int(c, 16) for c in find(h.get(next((k for k in h if k.endswith('.ciphersuites')), ''), {}),
                                        '.ciphersuite')]
    ciphers = [c for c in ciphers if not is_grease(c)]
    exts = extensions(h)
    types = [t for t, _ in exts if not is_grease(t)]
    version = int(find(h, '.handshake.version')[0], 16)
    sigs, alpn, vers = [], '', []
    for t, e in exts:
        if t == 13:
            sigs = [int(s, 16) for s in find(e, '.handshake.sig_hash_alg')]
        elif t == 16:
            alpn = (find(e, '.handshake.extensions_alpn_str') or [''])[0]
        elif t == 43:
            vers = [int(v, 16) for v in find(e, '.extensions.supported_version')]
    vers = [v for v in vers if not is_grease(v)]
    if vers:
        version = max(vers) if version >> 8 != 0xfe else min(vers)
    a = '%s%s%s%02d%02d%s' % (transport, JA4_VERSIONS.get(version, '00'), 'd' if 0 in types else 'i',
                              min(len(ciphers), 99), min(len(types), 99), ja4_alpn(alpn))
    b = sha12(','.join('%04x' % c for c in sorted(ciphers))) if ciphers else '000000000000'
    rest = sorted(t for t in types if t not in (0, 16))
    text = ','.join('%04x' % t for t in rest)
    if sigs:
        text += '_' + ','.join('%04x' % s for s in sigs)
    c = sha12(text) if rest else '000000000000'
    return '%s_%s_%s' % (a, b, c)


def ja3_of(h):
    """JA3 from decoded fields (for QUIC, which tshark 4.0 does not hash)."""
    version = int(find(h, '.handshake.version')[0], 16)
    ciphers = [int(c, 16) for c in find(h.get(next((k for k in h if k.endswith('.ciphersuites')), ''), {}),
                                        '.ciphersuite')]
    exts = extensions(h)
    groups, formats = [], []
    for t, e in exts:
        if t == 10:
            groups = [int(g, 16) for g in find(e, '.extensions_supported_group')]
        elif t == 11:
            formats = [int(f) for f in find(e, '.extensions_ec_point_format')]
    join = lambda vs: '-'.join(str(v) for v in vs if not is_grease(v))
    text = '%d,%s,%s,%s,%s' % (version, join(ciphers), join([t for t, _ in exts]), join(groups),
                               join(formats))
    return hashlib.md5(text.encode()).hexdigest()


def flow_key(layers):
    ip = as_list(layers.get('ip') or layers.get('ipv6'))
    if not ip:
        return None
    ip = ip[-1]
    src = ip.get('ip.src') or ip.get('ipv6.src')
    dst = ip.get('ip.dst') or ip.get('ipv6.dst')
    for l4 in ('tcp', 'udp'):
        t = as_list(layers.get(l4))
        if t:
            t = t[-1]
            return (l4.upper(), frozenset([(src, int(t[l4 + '.srcport'])), (dst, int(t[l4 + '.dstport']))]))
    return None


def tshark_hellos(path, extra=()):
    """{flow key: {'ch': [(transport, handshake)], 'sh': [handshake]}} in frame order."""
    cmd = ['tshark', '-r', path, '-T', 'json', '--no-duplicate-keys', '-Y', HELLOS] + list(extra)
    run = subprocess.run(cmd, capture_output=True, timeout=600)
    try:
        frames = json.loads(run.stdout.decode(errors='surrogateescape') or '[]')
    except json.JSONDecodeError:
        return {}
    out = {}
    for fr in frames:
        layers = fr['_source']['layers']
        key = flow_key(layers)
        if not key:
            continue
        for name in ('tls', 'dtls', 'quic'):
            for prefix, h in handshakes(layers.get(name)):
                kind = find(h, '.handshake.type')
                transport = 'q' if name == 'quic' else 'd' if prefix == 'dtls' else 't'
                slot = out.setdefault(key, {'ch': [], 'sh': []})
                if kind and kind[0] == '1':
                    slot['ch'].append((transport, h))
                elif kind and kind[0] == '2':
                    slot['sh'].append((transport, h))
    return out


def run_sensor(sensor, path):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'eve.json')
        subprocess.run([sensor, '-q', '-o', out, '-r', path], capture_output=True, timeout=600)
        flows = {}
        if os.path.exists(out):
            with open(out) as f:
                for line in f:
                    ev = json.loads(line)
                    if ev.get('event_type') != 'flow' or ev.get('proto') not in ('TCP', 'UDP'):
                        continue
                    key = (ev['proto'], frozenset([(ev['src_ip'], ev.get('src_port')),
                                                   (ev['dest_ip'], ev.get('dest_port'))]))
                    flows.setdefault(key, []).append(ev)
        return flows


def ours(events, block, field):
    """Our values of block.field; a JA3/JA3S is EVE's {hash, string} object
    in TLS and QUIC, a plain string elsewhere (dtls)."""
    vals = set()
    for ev in events:
        v = (ev.get(block) or {}).get(field)
        if isinstance(v, dict):
            v = v.get('hash')
        if v:
            vals.add(str(v))
    return vals


def openvpn_hints(flows, decoded):
    """tshark option sets that may decode the control channel of OpenVPN flows
    tshark left undecoded: decode-as on the server port, tls-auth HMAC sizes."""
    hints = []
    for key, evs in flows.items():
        ev = evs[0]
        if ev.get('app_proto') != 'openvpn' or key in decoded:
            continue
        mode = (ev.get('openvpn') or {}).get('mode')
        if mode not in ('plain', 'tls-auth'):
            continue
        port = ev.get('dest_port')
        base = ['-d', '%s.port==%d,openvpn' % (ev['proto'].lower(), port)]
        if mode == 'plain':
            hints.append((key, base))
        else:
            for size in (20, 32, 16, 64):
                hints.append((key, base + ['-o', 'openvpn.tls_auth_detection_override:TRUE',
                                           '-o', 'openvpn.tls_auth:TRUE',
                                           '-o', 'openvpn.tls_auth_hmac_size:%d' % size]))
    return hints


def compare_flow(stats, label, key, tk, events, rel, verbose):
    block_of = {'t': 'tls', 'd': 'dtls', 'q': 'quic'}
    where = '%s %s %s' % (rel, key[0], ' <-> '.join('%s:%s' % ep for ep in sorted(key[1], key=str)))
    checks = []
    if tk['ch']:
        transport, h = tk['ch'][0]
        block = block_of[transport]
        ja3 = (find(h, '.handshake.ja3') or [None])[0] if transport != 'q' else ja3_of(h)
        if ja3:
            checks.append(('ja3', block, 'ja3', ja3))
        checks.append(('ja4', block, 'ja4', ja4(h, transport)))
    if tk['sh']:
        transport, h = tk['sh'][-1]
        ja3s = (find(h, '.handshake.ja3s') or [None])[0]
        if ja3s and transport != 'q':
            checks.append(('ja3s', block_of[transport], 'ja3s', ja3s))
    for kind, block, field, want in checks:
        st = stats.setdefault((label, block + '.' + kind), {'n': 0, 'agree': 0, 'disagree': [], 'missing': []})
        st['n'] += 1
        got = ours(events, block, field)
        if want in got:
            st['agree'] += 1
            if verbose:
                print('  agree %s %s.%s %s' % (where, block, field, want))
        elif got:
            st['disagree'].append('%s: %s.%s tshark %s, ours %s' % (where, block, field, want, ','.join(sorted(got))))
        else:
            st['missing'].append('%s: %s.%s tshark %s, ours (none)' % (where, block, field, want))


def main():
    args = [a for a in sys.argv[1:] if a != '-v']
    verbose = '-v' in sys.argv[1:]
    if len(args) < 2:
        print(__doc__)
        return 2
    sensor, dirs = args[0], [d for d in args[1:] if os.path.isdir(d)]
    if not shutil.which('tshark'):
        print('skip: tshark not installed (apt-get install tshark)')
        return 77
    if not dirs:
        print('skip: none of %s exists' % ' '.join(args[1:]))
        return 77
    stats = {}
    for path in captures(*dirs):
        rel = os.path.relpath(path, os.path.commonpath(dirs + [path]) if len(dirs) > 1 else dirs[0])
        decoded = tshark_hellos(path)
        flows = run_sensor(sensor, path)
        for key, tk in decoded.items():
            compare_flow(stats, 'tshark', key, tk, flows.get(key, []), rel, verbose)
        for key, extra in openvpn_hints(flows, decoded):
            if key in decoded:
                continue  # an earlier HMAC size decoded it
            more = tshark_hellos(path, extra).get(key)
            if more:
                decoded[key] = more
                compare_flow(stats, 'tshark with hints', key, more, flows.get(key, []), rel, verbose)
    failed = False
    print('%-18s %-10s %6s %6s %9s %8s' % ('decoded by', 'field', 'hellos', 'agree', 'disagree', 'missing'))
    for (label, kind) in sorted(stats):
        st = stats[(label, kind)]
        print('%-18s %-10s %6d %6d %9d %8d' % (label, kind, st['n'], st['agree'], len(st['disagree']),
                                               len(st['missing'])))
        for line in st['disagree']:
            print('    disagree: ' + line)
        for line in st['missing']:
            print('    missing: ' + line)
        failed |= bool(st['disagree'] or st['missing'])
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
