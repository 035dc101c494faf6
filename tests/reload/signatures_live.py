#!/usr/bin/env python3
"""A user adds a product signature file and SIGHUPs the running sensor: no
rebuild, no restart.  In a network namespace of its own, sightline captures
plain HTTP on lo with identify.extra_signatures pointing at a directory of
the user's brands.  A request with Host gw1.newbrand.example before the new
file exists stays unnamed; after the file is written and SIGHUP is sent
(the sensor says the reload is done), the same request is named newbrand,
category vpn, app_source sni.  A broken file then keeps the running set and
the error names FILE:LINE:COL.

usage: signatures_live.py SIGHTLINE"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
PORT = 8080

SERVER = r'''
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', %d))
s.listen(8)
print('ready', flush=True)
while True:
    c, _ = s.accept()
    c.recv(4096)
    c.sendall(b'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n')
    c.close()
''' % PORT

CLIENT = r'''
import socket, sys
c = socket.create_connection(('127.0.0.1', %d))
c.sendall(b'GET / HTTP/1.1\r\nHost: gw1.newbrand.example\r\nUser-Agent: t/' + sys.argv[1].encode() + b'\r\n\r\n')
c.recv(4096)
c.close()
''' % PORT

BRAND = '''family: vpn
signatures:
  - product: newbrand
    reference: https://newbrand.example/docs/firewall
    hosts: ["*.newbrand.example"]
    tests:
      match: [{host: gw1.newbrand.example}]
'''

PLACEHOLDER = '''family: remote-access
signatures:
  - product: acme-assist
    reference: https://acme.example/docs
    hosts: ["*.acme-assist.example"]
'''


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def flows(path, ua):
    out = []
    try:
        with open(path, 'rb') as f:
            for line in f:
                if b'"event_type":"flow"' in line and line.endswith(b'\n'):
                    e = json.loads(line)
                    if e.get('http', {}).get('http_user_agent') == 't/' + ua:
                        out.append(e)
    except FileNotFoundError:
        pass
    return out


def wait_for(pred, secs, what, tick=None):
    """Poll pred; tick() (when given) once a second moves the sensor's
    packet clock, which alone expires the closed flows of a live capture."""
    end = time.monotonic() + secs
    last = time.monotonic()
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        if tick and time.monotonic() - last >= 1:
            tick()
            last = time.monotonic()
        time.sleep(0.1)
    fail('timed out waiting for ' + what)


def scenario(sensor, tmp, ns):
    brands = os.path.join(tmp, 'brands')
    os.mkdir(brands)
    with open(os.path.join(brands, 'acme.yml'), 'w') as f:
        f.write(PLACEHOLDER)
    cfg, eve, errp = (os.path.join(tmp, n) for n in ('cfg.yaml', 'eve.json', 'stderr'))
    with open(cfg, 'w') as f:
        f.write('stats:\n  interval: 1\nflow:\n  timeouts:\n    tcp_closed: 1\n'
                'identify:\n  extra_signatures: %s\nrules:\n  enabled: false\n' % brands)
    errf = open(errp, 'wb')
    nsx = ['ip', 'netns', 'exec', ns]
    server = subprocess.Popen(nsx + [sys.executable, '-c', SERVER], stdout=subprocess.PIPE)
    p = subprocess.Popen(nsx + [sensor, '-i', 'lo', '--allow-root', '--bpf',
                                'tcp port %d' % PORT, '-c', cfg, '-o', eve], stderr=errf)
    try:
        server.stdout.readline()
        wait_for(lambda: os.path.exists(eve) and b'"stats"' in open(eve, 'rb').read(), 15,
                 'the first stats event (capture open)')
        def tick():
            subprocess.run(nsx + [sys.executable, '-c', CLIENT, 'tick'], check=True)
        subprocess.run(nsx + [sys.executable, '-c', CLIENT, 'before'], check=True)
        before = wait_for(lambda: flows(eve, 'before'), 20, 'the first request\'s flow event',
                          tick)
        with open(os.path.join(brands, 'newbrand.yml'), 'w') as f:
            f.write(BRAND)
        p.send_signal(signal.SIGHUP)
        wait_for(lambda: 'reloaded' in open(errp).read(), 20, 'the reload to be done')
        subprocess.run(nsx + [sys.executable, '-c', CLIENT, 'after'], check=True)
        after = wait_for(lambda: flows(eve, 'after'), 20, 'the second request\'s flow event',
                         tick)
        with open(os.path.join(brands, 'broken.yml'), 'w') as f:
            f.write('family: vpn\nsignatures:\n  - product: x\n    reference: https://x.example\n'
                    '    hostz: [a.example]\n')
        p.send_signal(signal.SIGHUP)
        err = wait_for(lambda: 'keeping the running' in open(errp).read() and open(errp).read(),
                       20, 'the broken reload to be refused')
    finally:
        p.terminate()
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
        server.kill()
    if before[0].get('app'):
        fail('named before the signature existed: %s' % before[0].get('app'))
    a = after[0]
    if (a.get('app'), a.get('category'), a.get('app_source')) != ('newbrand', 'vpn', 'sni'):
        fail('after SIGHUP: app %s category %s app_source %s' %
             (a.get('app'), a.get('category'), a.get('app_source')))
    if "broken.yml:5:5: unknown key 'hostz'" not in err:
        fail('the broken file is not named at FILE:LINE:COL: %s' % err)
    print('ok: unnamed before the file, newbrand/vpn/sni after SIGHUP, a broken file refused '
          'at broken.yml:5:5 with the running set kept')


def main():
    sensor = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print('skip: needs root for a network namespace')
        return SKIP
    if not shutil.which('ip'):
        print('skip: needs iproute2 (ip)')
        return SKIP
    ns = 'sl-sigs-%d' % os.getpid()
    if subprocess.run(['ip', 'netns', 'add', ns]).returncode != 0:
        print('skip: cannot create a network namespace')
        return SKIP
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'], check=True)
        scenario(sensor, tmp, ns)
    finally:
        subprocess.run(['ip', 'netns', 'del', ns])
        if os.environ.get('KEEP'):
            print('kept', tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
