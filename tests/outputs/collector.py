#!/usr/bin/env python3
"""A real collector (issue 15 part 7): README's "Feeding rsyslog" configuration,
taken from README.md as written there, runs in a real rsyslogd on loopback
(only its ports, file paths and listening address are changed).  The sensor
replays pcaps/real, the laptop-farm scenario (flow and subject alerts) and
tls-big-hello (a 10.7 kB flow event) into it, over UDP, TCP and RELP, one
transport a run, each run also writing its own file.  For every run rsyslog
must have written exactly the events of that file, in order, each JSON-equal
to the sensor's line (same values, same types, same key order), nothing in
unparsed.log and no mmjsonparse failure object ({"msg": ...}); over all runs
flow, alert, subject and stats events must have passed and an event over
8 KiB on every transport.  README's sensor-side YAML must be a configuration
the sensor accepts, and the rsyslog part a valid drop-in for Debian's
/etc/rsyslog.conf (checked with rsyslogd -N1 when that file exists).

Skips (77) when rsyslogd or mmjsonparse is missing; without imrelp
(rsyslog-relp) RELP is left out and the rest still runs.

usage: collector.py SIGHTLINE SOURCE_ROOT"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rsyslog_harness  # noqa: E402

SKIP = 77
SECTION = '### Feeding rsyslog'
LOG_DIR = '/var/log/sightline/'
NEEDED = {'flow', 'alert', 'subject', 'stats'}
RUNS = [  # name, -c config (or None), captures
    ('real', None, ['pcaps/real']),
    ('laptop-farm', 'pcaps/scenarios/laptop-farm/config.yaml', ['pcaps/gen-out/laptop-farm.pcap']),
    ('tls-big-hello', None, ['pcaps/gen-out/tls-big-hello.pcap']),
]
TRANSPORTS = {  # input module -> the sensor's output entry (address filled in)
    'imudp': '  - type: syslog\n    transport: udp\n    address: "127.0.0.1:%d"\n',
    'imtcp': '  - type: syslog\n    transport: tcp\n    address: "127.0.0.1:%d"\n',
    'imrelp': '  - type: relp\n    address: "127.0.0.1:%d"\n',
}


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def skip(msg):
    print('skip: ' + msg)
    sys.exit(SKIP)


# ---- README: the section's rsyslog block and sensor YAML, as written ----

def readme_blocks(root):
    """The fenced blocks of README's "Feeding rsyslog": (info string, text)."""
    text = open(os.path.join(root, 'README.md'), encoding='utf-8').read()
    start = text.find('\n' + SECTION + '\n')
    if start < 0:
        fail('README.md has no "%s" subsection' % SECTION)
    body = text[start + len(SECTION) + 2:]
    end = re.search(r'^#{2,3} ', body, re.M)
    body = body[:end.start()] if end else body
    return re.findall(r'^```(\w*)\n(.*?)^```$', body, re.M | re.S)


def readme_config(root):
    blocks = readme_blocks(root)
    rs = [b for info, b in blocks if info == '' and 'mmjsonparse' in b]
    ym = [b for info, b in blocks if info == 'yaml' and 'outputs:' in b]
    if len(rs) != 1 or len(ym) != 1:
        fail('"%s" must hold one rsyslog block (with mmjsonparse) and one yaml block '
             '(with outputs:); found %d and %d' % (SECTION, len(rs), len(ym)))
    return rs[0], ym[0]


def input_modules(conf):
    return re.findall(r'^input\(type="(\w+)"', conf, re.M)


def without(conf, module):
    """The configuration without `module`'s load and input lines."""
    return re.sub(r'^(module\(load="%s"\)|input\(type="%s" .*)\n' % (module, module), '', conf,
                  flags=re.M)


def localise(conf, rs, inputs):
    """The README configuration with the harness's ports, the loopback address
    and rs.dir for /var/log/sightline/; everything else untouched."""
    for m in ('imudp', 'imtcp', 'imrelp'):
        pat = r'^input\(type="%s" port="\d+"' % m
        if len(re.findall(pat, conf, re.M)) != 1:
            fail('README rsyslog block: want one line starting input(type="%s" port="N"' % m)
        if m in inputs:
            conf = re.sub(pat, 'input(type="%s" address="127.0.0.1" port="%d"' % (m, rs.ports[m]),
                          conf, flags=re.M)
        else:  # imrelp cannot load here: the module line and its input go
            conf = without(conf, m)
    if conf.count(LOG_DIR) != 2:
        fail('README rsyslog block: want two files under %s (events, unparsed)' % LOG_DIR)
    return conf.replace(LOG_DIR, rs.dir + '/')


def check_debian_dropin(conf, tmp):
    """rsyslogd -N1 on Debian's main configuration with the block as the only
    file of its include directory (no socket is opened by a check)."""
    main = '/etc/rsyslog.conf'
    if not os.path.exists(main):
        print('note: no %s here; the drop-in check is left out' % main)
        return
    d = os.path.join(tmp, 'rsyslog.d')
    os.makedirs(d)
    with open(os.path.join(d, '50-sightline.conf'), 'w') as f:
        f.write(conf)
    text = open(main).read()
    if '$IncludeConfig /etc/rsyslog.d/*.conf' not in text:
        print('note: %s does not include /etc/rsyslog.d; the drop-in check is left out' % main)
        return
    text = text.replace('$IncludeConfig /etc/rsyslog.d/*.conf', '$IncludeConfig %s/*.conf' % d)
    text = re.sub(r'^\$WorkDirectory .*$', '$WorkDirectory %s' % tmp, text, flags=re.M)
    with open(os.path.join(tmp, 'debian.conf'), 'w') as f:
        f.write(text)
    p = subprocess.run([rsyslog_harness.find_rsyslogd(), '-N1', '-f', os.path.join(tmp, 'debian.conf')],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        fail('the README block is not a valid drop-in for %s:\n%s' % (main, p.stdout + p.stderr))
    print('ok: the README block is a valid drop-in for Debian\'s %s (rsyslogd -N1)' % main)


def check_sensor_yaml(sensor, yaml_text, tmp):
    path = os.path.join(tmp, 'readme-sensor.yaml')
    with open(path, 'w') as f:
        f.write(yaml_text)
    p = subprocess.run([sensor, '-c', path, '--dump-config'], capture_output=True, text=True,
                       timeout=30)
    if p.returncode != 0:
        fail('the sensor rejects README\'s outputs for rsyslog: %s' % p.stderr)


# ---- runs ----

def lines(path):
    if not os.path.exists(path):
        return []
    with open(path, 'rb') as f:
        return [l for l in f.read().split(b'\n') if l]


def canonical(raw):
    """Type- and order-preserving form: 82 and 82.0 differ, key order counts."""
    return json.dumps(json.loads(raw, object_pairs_hook=list), ensure_ascii=False)


def replay(sensor, root, tmp, name, cfg, pcaps, module, port):
    own = os.path.join(tmp, 'own-%s-%s.json' % (name, module))
    path = os.path.join(tmp, 'sensor-%s-%s.yaml' % (name, module))
    with open(path, 'w') as f:
        if cfg:
            f.write(open(os.path.join(root, cfg)).read() + '\n')
        f.write('outputs:\n  - type: file\n    path: "%s"\n' % own + TRANSPORTS[module] % port)
    p = subprocess.run([sensor, '-q', '-c', path, '-r'] + [os.path.join(root, c) for c in pcaps],
                       cwd=root, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        fail('%s over %s: sensor exit %d: %s' % (name, module, p.returncode, p.stderr))
    return lines(own)


def check_run(label, own, got, unparsed):
    if unparsed:
        fail('%s: rsyslog could not parse %d message(s), e.g. %r' % (label, len(unparsed),
                                                                    unparsed[0][:200]))
    if len(got) != len(own):
        fail('%s: rsyslog wrote %d events, the sensor\'s file holds %d' % (label, len(got), len(own)))
    for i, (a, b) in enumerate(zip(own, got)):
        o = json.loads(b)
        if list(o) == ['msg']:
            fail('%s: event %d is mmjsonparse\'s failure object: %r' % (label, i + 1, b[:200]))
        if canonical(a) != canonical(b):
            fail('%s: event %d differs from the sensor\'s line\n sensor:  %s\n rsyslog: %s'
                 % (label, i + 1, a[:400], b[:400]))


def collect(sensor, root, tmp, rs, modules):
    events = os.path.join(rs.dir, 'events.json')
    unparsed = os.path.join(rs.dir, 'unparsed.log')
    types, big = set(), {}
    for name, cfg, pcaps in RUNS:
        for m in modules:
            before, bad_before = len(lines(events)), len(lines(unparsed))
            own = replay(sensor, root, tmp, name, cfg, pcaps, m, rs.ports[m])
            label = '%s over %s' % (name, m)
            end = time.monotonic() + 30
            while time.monotonic() < end and len(lines(events)) - before < len(own):
                time.sleep(0.05)
            time.sleep(0.3)  # anything beyond the expected count would show by now
            got = lines(events)[before:]
            check_run(label, own, got, lines(unparsed)[bad_before:])
            types |= {json.loads(l)['event_type'] for l in got}
            big[m] = max(big.get(m, 0), max(len(l) for l in own))
            print('ok: %-26s %4d events, all parsed and equal (largest %d bytes)'
                  % (label, len(got), max(len(l) for l in own)))
    return types, big


def main():
    sensor, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not rsyslog_harness.find_rsyslogd():
        skip('rsyslogd not found (Debian package rsyslog)')
    conf, yaml_text = readme_config(root)
    with tempfile.TemporaryDirectory(prefix='sl-collector-') as tmp:
        if not rsyslog_harness.module_loads('mmjsonparse', os.path.join(tmp, 'probe')):
            skip('rsyslogd cannot load mmjsonparse (Debian package rsyslog)')
        modules = [m for m in input_modules(conf) if m in TRANSPORTS]
        if 'imrelp' in modules and not rsyslog_harness.module_loads('imrelp', os.path.join(tmp, 'probe')):
            print('note: rsyslogd cannot load imrelp (Debian package rsyslog-relp): RELP left out')
            modules.remove('imrelp')
        if not {'imudp', 'imtcp'} <= set(modules):
            fail('README rsyslog block must have imudp and imtcp inputs; it has %s' % modules)
        check_sensor_yaml(sensor, yaml_text, tmp)
        left_out = [m for m in TRANSPORTS if m not in modules]
        check_debian_dropin(without(conf, left_out[0]) if left_out else conf,
                            os.path.join(tmp, 'debian'))
        with rsyslog_harness.Rsyslog(os.path.join(tmp, 'rs'), inputs=modules,
                                     config=lambda rs: localise(conf, rs, modules)) as rs:
            rs.start()
            types, big = collect(sensor, root, tmp, rs, modules)
    if not NEEDED <= types:
        fail('event types that passed: %s; missing %s' % (sorted(types), sorted(NEEDED - types)))
    small = {m: n for m, n in big.items() if n <= 8192}
    if small:
        fail('no event over 8 KiB passed over %s (largest %s)' % (sorted(small), small))
    print('ok: event types %s over %s; largest event per transport %s'
          % (sorted(types), ', '.join(modules), big))
    return 0


if __name__ == '__main__':
    sys.exit(main())
