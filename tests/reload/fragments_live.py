#!/usr/bin/env python3
"""A geo database and a rule reloaded by SIGHUP show in the next events:
the event writers keep each place's geo block and each rule's alert block
as text (named by the lookup result's and the rule's serials) and must
never copy a block made from the old database or rule into an event after
the reload.  In a network namespace of its own, a sensor on lo sees flows
to 192.0.2.10 while the database lists it in "alpha" and a rule matching
it is tagged frag.alpha; the database is rebuilt listing it in "beta"
only, the rule (same id, same signature_id) retagged frag.beta, the
sensor gets SIGHUP, and the next flows to the same address must carry
dest.geo.intel ["beta"] (and remote.intel, the same place's block under
remote) and alert.metadata.tags ["frag.beta"].  Run with the kept texts
and, as a check of the check, with the test hook
SIGHTLINE_TEST_NO_FRAGMENTS (every field written one by one).

usage: fragments_live.py SIGHTLINE"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
import live_eve  # noqa: E402  (the sender and the EVE reader, shared with intel/refresh-live)

SKIP = 77
NS = 'sl-fragments-test'
fails = []



def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        fails.append(what)
    return cond


def netns(*cmd):
    return ['ip', 'netns', 'exec', NS] + list(cmd)


def build_db(sightline, tmp, name, out):
    csv = os.path.join(tmp, name + '.csv')
    with open(csv, 'w') as f:
        f.write('192.0.2.10/32,%s-exit\n' % name)
    subprocess.run([sightline, 'mmdb', 'build', csv, out], check=True, capture_output=True,
                   env=dict(os.environ, SOURCE_DATE_EPOCH='1700000000'))


def write_rule(rules, tag):
    with open(os.path.join(rules, 'frag.yml'), 'w') as f:
        f.write('title: kept alert block\nid: zz-frag-rule\nsignature_id: 4242\nlevel: low\n'
                'score: 10\nfamily: x\ntags:\n  - frag.%s\n'
                'detection:\n  sel:\n    dest_ip: 192.0.2.10\n  condition: sel\n' % tag)


def places(evs, port):
    """(dest.geo.intel, remote.intel, alert.metadata.tags) of the flow event
    to 192.0.2.10:port and its alert, once both are written."""
    flow = alert = None
    for e in evs:
        if e.get('dest_ip') != '192.0.2.10' or e.get('dest_port') != port:
            continue
        if e.get('event_type') == 'flow':
            flow = e
        elif e.get('event_type') == 'alert':
            alert = e
    if not flow or not alert:
        return []
    return [(flow.get('dest', {}).get('geo', {}).get('intel'),
             flow.get('remote', {}).get('intel'),
             alert.get('alert', {}).get('metadata', {}).get('tags'))]


def send_and_read(eve, port):
    return live_eve.send_and_read(netns, '192.0.2.10', port,
                                  lambda events: places(events(eve), port))


def one_run(sightline, tmp, plain):
    tag = 'plain' if plain else 'kept'
    db = os.path.join(tmp, 'places.mmdb')
    build_db(sightline, tmp, 'alpha', db)
    rules = os.path.join(tmp, 'rules.' + tag)
    os.makedirs(rules)
    write_rule(rules, 'alpha')
    cfg, eve, errp = (os.path.join(tmp, n + '.' + tag) for n in ('cfg', 'eve', 'stderr'))
    with open(cfg, 'w') as f:
        f.write('stats:\n  interval: 1\nintel:\n  builtin: false\n  demo: false\n'
                'databases:\n  - {path: %s, schema: intel}\nrules:\n  path: %s\n' % (db, rules))
    env = dict(os.environ)
    env.pop('SIGHTLINE_TEST_NO_FRAGMENTS', None)
    if plain:
        env['SIGHTLINE_TEST_NO_FRAGMENTS'] = '1'
    errf = open(errp, 'wb')
    p = subprocess.Popen(netns(sightline, '-i', 'lo', '--allow-root', '-c', cfg, '-o', eve,
                               '--set', 'flow.timeouts.udp=1'),
                         stderr=errf, env=env)
    try:
        end = time.monotonic() + 15
        while time.monotonic() < end and '"event_type":"stats"' not in \
                (open(eve).read() if os.path.exists(eve) else ''):
            time.sleep(0.1)
        first = [send_and_read(eve, 7101 + k) for k in range(2)]
        check(first == [(['alpha'], ['alpha'], ['frag.alpha'])] * 2,
              '%s: before the reload 192.0.2.10 is in alpha, its alert tagged frag.alpha '
              '(twice: the second from the kept texts): %s' % (tag, first))
        build_db(sightline, tmp, 'beta', db)
        write_rule(rules, 'beta')
        p.send_signal(signal.SIGHUP)
        end = time.monotonic() + 20
        while time.monotonic() < end and 'databases reloaded' not in open(errp).read():
            time.sleep(0.1)
        check('databases reloaded' in open(errp).read(), '%s: the sensor reloaded' % tag)
        after = [send_and_read(eve, 7111 + k) for k in range(2)]
        check(after == [(['beta'], ['beta'], ['frag.beta'])] * 2,
              '%s: after the reload 192.0.2.10 is in beta only, its alert tagged frag.beta: %s'
              % (tag, after))
        p.terminate()
        check(p.wait(30) == 0, '%s: the sensor stops cleanly' % tag)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        errf.close()


def main():
    sightline = sys.argv[1]
    if os.geteuid() != 0:
        print('SKIP: needs root for a network namespace')
        return SKIP
    if not shutil.which('ip'):
        print('SKIP: needs iproute2')
        return SKIP
    if subprocess.run(['ip', 'netns', 'add', NS], capture_output=True).returncode != 0:
        print('SKIP: cannot create a network namespace')
        return SKIP
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run(['ip', '-n', NS, 'link', 'set', 'lo', 'up'], check=True)
        subprocess.run(['ip', '-n', NS, 'addr', 'add', '192.0.2.10/32', 'dev', 'lo'], check=True)
        one_run(sightline, tmp, False)
        one_run(sightline, tmp, True)
    finally:
        subprocess.run(['ip', 'netns', 'del', NS], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print('%d failed' % len(fails))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
