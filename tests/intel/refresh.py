#!/usr/bin/env python3
"""sightline-intel-refresh against a local HTTP server (python3 -m http.server
on 127.0.0.1, started here; nothing leaves the machine).  Test lists name
their sources in '# source:' headers: a Tor-style address list, an X4BNet-
style AS list, an address-range list, an ip-location-db ASN CSV and (when
npm is installed) an npm package in a local folder.

  build  the refresh fetches, converts and builds: mmdblookup finds each
         fetched address and the prefixes of each AS; an AS number another
         list names keeps its list; a failed download or a source that is
         not what its header says exits 1 and keeps the old database.
  live   (root: a network namespace of its own) a sensor capturing lo runs
         with the refreshed database; an address newly added to the source
         shows in dest.geo.intel after the refresh signals it (SIGHUP).

usage: refresh.py build|live SIGHTLINE REFRESH_SCRIPT"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
import live_eve  # noqa: E402  (the sender and the EVE reader, shared with reload/fragments)

SKIP = 77
NS = 'sl-refresh-test'
fails = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        fails.append(what)
    return cond


def skip(why):
    print('SKIP: ' + why)
    sys.exit(SKIP)


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)


class Fixture:
    """Source files served over HTTP, and the lists that name them."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.srv = os.path.join(tmp, 'srv')
        self.lists = os.path.join(tmp, 'lists')
        self.out = os.path.join(tmp, 'var', 'intel.mmdb')
        os.makedirs(self.srv)
        os.makedirs(self.lists)
        write(os.path.join(self.srv, 'torbulkexitlist'), '192.0.2.10\n')
        write(os.path.join(self.srv, 'ASN.txt'),
              'AS64500 # Example VPN, "Inc."\nAS60729 # Tor Servers (Tor exit nodes)\n')
        write(os.path.join(self.srv, 'vpnips.txt'), '# ranges\n198.51.100.128/25\n')
        write(os.path.join(self.srv, 'asn-ipv4.csv'),
              '203.0.113.0,203.0.113.127,64500,"Example VPN, Inc."\n'
              '203.0.113.128,203.0.113.255,60729,"Stiftung Erneuerbare Freiheit, test"\n')
        write(os.path.join(self.srv, 'error.html'), '<html>Not here</html>\n')
        self.npm = shutil.which('npm') is not None
        pkg = os.path.join(tmp, 'npmpkg')
        os.makedirs(pkg)
        write(os.path.join(pkg, 'package.json'), '{"name": "sl-test-asn", "version": "1.0.0"}\n')
        write(os.path.join(pkg, 'asn-ipv6.csv'),
              '2001:db8:64::,2001:db8:64:ffff:ffff:ffff:ffff:ffff,64500,"Example VPN, Inc."\n')
        self.pkg = pkg
        self.http = subprocess.Popen([sys.executable, '-u', '-m', 'http.server', '0', '--bind',
                                      '127.0.0.1', '--directory', self.srv],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.http.stdout.readline()
        m = re.search(r'port (\d+)', line)
        if not m:
            self.http.kill()
            skip('python3 -m http.server did not start: %r' % line)
        self.base = 'http://127.0.0.1:%s' % m.group(1)
        self.write_lists()

    def write_lists(self, tor_source='torbulkexitlist'):
        write(os.path.join(self.lists, 'tor.csv'),
              '# Tor\n# source: %s/%s addresses label=tor-exit\n'
              '# source: %s/asn-ipv4.csv asn-db\ncidr,label,note\nAS60729,tor-servers,as a whole\n'
              % (self.base, tor_source, self.base))
        write(os.path.join(self.lists, 'vpn.csv'),
              '# VPN\n# source: %s/ASN.txt asn-list label=x4bnet-vpn\n'
              '# source: %s/vpnips.txt addresses label=x4bnet-vpn\n%s'
              'cidr,label,note\n162.159.193.0/24,cloudflare-warp,WARP\n'
              % (self.base, self.base,
                 '# source: npm:%s#asn-ipv6.csv asn-db\n' % self.pkg if self.npm else ''))

    def stop(self):
        self.http.terminate()
        self.http.wait(10)


def refresh(sensor, script, fx, *extra):
    cmd = ['sh', script, '--lists', fx.lists, '--output', fx.out, '--sightline', sensor,
           '--timeout', '20'] + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, npm_config_update_notifier='false',
                                npm_config_offline='true'))
    return p.returncode, p.stdout + p.stderr


def lookup(db, ip, key):
    p = subprocess.run(['mmdblookup', '--file', db, '--ip', ip, key], capture_output=True, text=True)
    found = re.findall(r'"(.*)" <utf8_string>', p.stdout)
    return found[0] if found else None


def lists_at(db, ip):
    p = subprocess.run(['mmdblookup', '--file', db, '--ip', ip, 'lists'], capture_output=True,
                       text=True)
    return re.findall(r'"([^"]*)" <utf8_string>', p.stdout)


def case_build(sensor, script, fx):
    if not shutil.which('mmdblookup'):
        skip('needs mmdblookup (Debian package mmdb-bin)')
    rc, out = refresh(sensor, script, fx, '--list-sources')
    check(rc == 0 and 'tor: addresses %s/torbulkexitlist label=tor-exit' % fx.base in out,
          '--list-sources names each source without fetching: %r' % out[:200])
    rc, out = refresh(sensor, script, fx, '--no-reload')
    check(rc == 0, 'refresh exits 0: %s' % out.strip()[-300:])
    check('tor: 1 entries from %s/torbulkexitlist' % fx.base in out, 'tor: 1 fetched address')
    check('vpn: 1 entries from %s/ASN.txt' % fx.base in out,
          'vpn: 1 AS number (AS60729 stays in tor.csv)')
    check(re.search(r'list tor: 1 of 1 AS number resolved, 1 prefix added', out) is not None,
          'the tor list AS was resolved through the ASN CSV')
    check(re.search(r'list vpn: 1 of 1 AS number resolved, %d prefix' % (2 if fx.npm else 1), out)
          is not None, 'the vpn list AS was resolved (CSV%s)' % (' and npm' if fx.npm else ''))
    db = fx.out
    check(lookup(db, '192.0.2.10', 'label') == 'tor-exit', 'fetched exit 192.0.2.10 is tor-exit')
    check(lookup(db, '203.0.113.200', 'label') == 'tor-servers', 'AS60729 range is tor-servers')
    check(lookup(db, '203.0.113.5', 'label') == 'x4bnet-vpn', 'AS64500 range is x4bnet-vpn')
    check(lookup(db, '203.0.113.5', 'note') == "Example VPN, \"Inc.\"",
          'the AS list comment with commas and quotes is the note: %r'
          % lookup(db, '203.0.113.5', 'note'))
    check(lookup(db, '198.51.100.200', 'label') == 'x4bnet-vpn', 'fetched range 198.51.100.128/25')
    check(lookup(db, '162.159.193.1', 'label') == 'cloudflare-warp', "the list's own lines stay")
    check(lists_at(db, '100::ed39') == ['tor'], 'AS60729 only in tor: %s' % lists_at(db, '100::ed39'))
    if fx.npm:
        check(lookup(db, '2001:db8:64::1', 'label') == 'x4bnet-vpn',
              'npm:FOLDER#asn-ipv6.csv source resolved the IPv6 range')
    else:
        print('note: npm not installed; the npm: source form is not exercised')
    before = open(db, 'rb').read()
    fx.write_lists(tor_source='missing.txt')
    rc, out = refresh(sensor, script, fx, '--no-reload')
    check(rc == 1 and '%s/missing.txt: download failed' % fx.base in out,
          'a failed download exits 1 naming it: %r' % out.strip()[-200:])
    check(open(db, 'rb').read() == before, 'a failed download keeps the database')
    fx.write_lists(tor_source='error.html')
    rc, out = refresh(sensor, script, fx, '--no-reload')
    check(rc == 1 and 'error.html: line 1 is not addresses: <html>Not here</html>' in out,
          'an HTML page is not an address list: %r' % out.strip()[-200:])
    check(open(db, 'rb').read() == before, 'a malformed source keeps the database')
    fx.write_lists()
    rc, out = refresh(sensor, script, fx, '--pidfile', os.path.join(fx.tmp, 'none.pid'))
    check(rc == 1 and 'none.pid: cannot read the pid file' in out,
          'a missing pid file is an error after the build: %r' % out.strip()[-200:])


def netns(*cmd):
    return ['ip', 'netns', 'exec', NS] + list(cmd)




def intel_of(evs, dst, port):
    return [e.get('dest', {}).get('geo', {}).get('intel', []) for e in evs
            if e.get('event_type') == 'flow' and e.get('dest_ip') == dst and
            e.get('dest_port') == port]


def send_and_read(eve, dst, port):
    return live_eve.send_and_read(netns, dst, port,
                                  lambda events: intel_of(events(eve), dst, port))


def case_live(sensor, script, fx):
    if os.geteuid() != 0:
        skip('needs root for a network namespace')
    if not shutil.which('ip'):
        skip('needs iproute2')
    if subprocess.run(['ip', 'netns', 'add', NS], capture_output=True).returncode != 0:
        skip('cannot create a network namespace')
    sensor_p = None
    try:
        subprocess.run(['ip', '-n', NS, 'link', 'set', 'lo', 'up'], check=True)
        for a in ('192.0.2.10/32', '192.0.2.99/32'):
            subprocess.run(['ip', '-n', NS, 'addr', 'add', a, 'dev', 'lo'], check=True)
        rc, out = refresh(sensor, script, fx, '--no-reload')
        if not check(rc == 0, 'first refresh: %s' % out.strip()[-300:]):
            return
        cfg, eve, errp = (os.path.join(fx.tmp, n) for n in ('cfg.yaml', 'eve.json', 'stderr'))
        write(cfg, 'stats:\n  interval: 1\nintel:\n  builtin: false\n  demo: false\n'
              'databases:\n  - {path: %s, schema: intel}\n' % fx.out)
        errf = open(errp, 'wb')
        sensor_p = subprocess.Popen(netns(sensor, '-i', 'lo', '--allow-root', '-c', cfg, '-o', eve,
                                          '--set', 'flow.timeouts.udp=1', '--set',
                                          'rules.enabled=false'), stderr=errf)
        pidfile = os.path.join(fx.tmp, 'sightline.pid')
        write(pidfile, '%d\n' % sensor_p.pid)
        end = time.monotonic() + 15
        while time.monotonic() < end and '"event_type":"stats"' not in \
                (open(eve).read() if os.path.exists(eve) else ''):
            time.sleep(0.1)
        check(send_and_read(eve, '192.0.2.10', 7001) == ['tor'], 'a listed exit carries ["tor"]')
        check(send_and_read(eve, '192.0.2.99', 7003) == [], '192.0.2.99 is not listed yet')
        write(os.path.join(fx.srv, 'torbulkexitlist'), '192.0.2.10\n192.0.2.99\n')
        rc, out = refresh(sensor, script, fx, '--pidfile', pidfile)
        check(rc == 0 and 'sent SIGHUP to %d' % sensor_p.pid in out,
              'refresh rebuilt and signalled the sensor: %s' % out.strip()[-300:])
        end = time.monotonic() + 20
        while time.monotonic() < end and 'databases reloaded' not in open(errp).read():
            time.sleep(0.1)
        check('databases reloaded' in open(errp).read(), 'the sensor reloaded')
        got = send_and_read(eve, '192.0.2.99', 7005)
        check(got == ['tor'], 'after the reload 192.0.2.99 carries ["tor"]: %s' % got)
        sensor_p.terminate()
        check(sensor_p.wait(30) == 0, 'the sensor stops cleanly')
        errf.close()
    finally:
        if sensor_p and sensor_p.poll() is None:
            sensor_p.kill()
            sensor_p.wait()
        subprocess.run(['ip', 'netns', 'del', NS], capture_output=True)


def main():
    mode, sensor, script = sys.argv[1:4]
    if not shutil.which('curl'):
        skip('needs curl')
    tmp = tempfile.mkdtemp()
    fx = None
    try:
        fx = Fixture(tmp)
        {'build': case_build, 'live': case_live}[mode](sensor, script, fx)
    finally:
        if fx:
            fx.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print('%d failed' % len(fails))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
