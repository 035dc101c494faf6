#!/usr/bin/env python3
"""Every command of README's "Using real data" section, checked.

  real_data.py commands SIGHTLINE SOURCE_ROOT
      runs each command in a scratch directory (build/, rules/ and pcaps/
      link to the real ones) with local files standing in for downloads:
      curl fetches from python3 -m http.server on 127.0.0.1 serving fixture
      databases built by `sightline mmdb build`, `npm pack` and geoipupdate
      are replaced by the files they would leave, everything else runs as
      written; then every YAML block of the section is loaded by the sensor
      over pcaps/real/dns.pcap.  A command no rule below covers fails the
      test, so a new command cannot go unchecked.
  real_data.py registry SIGHTLINE SOURCE_ROOT
      asks the registries whether each package the section names exists:
      `npm view PACKAGE` for npm packages, `apt-cache show` for Debian ones
      (skips, exit 77, without npm or without a registry answer)."""
import datetime
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
fails = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        fails.append(what)
    return cond


def section(root):
    text = open(os.path.join(root, 'README.md')).read()
    sec = text.split('### Using real data', 1)[1].split('\n### ', 1)[0]
    blocks = re.findall(r'```(\w+)\n(.*?)```', sec, re.S)
    return [b for lang, b in blocks if lang == 'sh'], [b for lang, b in blocks if lang == 'yaml']


def commands(block):
    """(command, comment, heredoc body) of each command line of a sh block."""
    lines = block.splitlines()
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        cmd, _, comment = line.partition('  #')
        cmd = cmd.strip()
        body = []
        m = re.search(r"<<'?(\w+)'?", cmd)
        if m:
            while i < len(lines) and lines[i] != m.group(1):
                body.append(lines[i])
                i += 1
            i += 1
        out.append((cmd, comment.strip(' #'), body))
    return out


def npm_packages(sh_blocks):
    return sorted({m for b in sh_blocks for m in re.findall(r'npm pack (\S+)', b)})


def apt_packages(sh_blocks):
    return sorted({m for b in sh_blocks for m in re.findall(r'apt-get install -y (\S+)', b)})


# ---- registry ----------------------------------------------------------

def registry(sensor, root):
    sh, _ = section(root)
    checked = 0
    if shutil.which('npm'):
        for pkg in npm_packages(sh):
            p = subprocess.run(['npm', 'view', pkg, 'name'], capture_output=True, text=True,
                               timeout=120)
            if 'E404' in p.stderr:
                check(False, 'npm view %s: the README names a package the registry does not have'
                      % pkg)
            elif p.returncode != 0:
                print('note: npm view %s: no answer from the registry (%s)'
                      % (pkg, p.stderr.strip().splitlines()[-1:] or '?'))
                continue
            else:
                check(p.stdout.strip() == pkg, 'npm view %s: exists' % pkg)
            checked += 1
    else:
        print('note: npm not installed: npm packages not checked')
    if shutil.which('apt-cache'):
        apt, state = isolated_apt()
        for pkg in apt_packages(sh):
            p = subprocess.run(['apt-cache'] + apt + ['show', pkg], capture_output=True, text=True)
            if p.returncode == 0 and ('Package: %s' % pkg) in p.stdout:
                area = re.search(r'^Section: (\S+)', p.stdout, re.M)
                area = area.group(1) if area else 'main'
                check(True, 'apt-cache show %s: exists (%s)' % (pkg, area))
                if '/' in area:  # contrib/net, non-free/...: not enabled on a fresh system
                    text = '\n'.join(sh)
                    enable = text.find(' main %s' % area.split('/')[0])
                    check(0 <= enable < text.find('apt-get install -y ' + pkg),
                          '%s is in %s: the section enables %s before installing it'
                          % (pkg, area, area.split('/')[0]))
                checked += 1
            else:
                print('note: apt-cache show %s: no answer from the Debian archive' % pkg)
        shutil.rmtree(state, ignore_errors=True)
    if checked == 0:
        print('SKIP: no registry could be asked (no npm, no network, no apt lists)')
        sys.exit(SKIP)


def system_debian_sources():
    """(URI, suite) pairs of the machine's Debian archive, read from its apt
    sources (either format), so the test names no mirror of its own."""
    pairs = []
    for path in ['/etc/apt/sources.list'] + [os.path.join('/etc/apt/sources.list.d', f)
                                             for f in sorted(os.listdir('/etc/apt/sources.list.d'))
                                             if f.endswith(('.list', '.sources'))]:
        try:
            text = open(path).read()
        except OSError:
            continue
        for m in re.finditer(r'^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)\s+.*\bmain\b', text, re.M):
            pairs.append((m.group(1), m.group(2)))
        for stanza in text.split('\n\n'):
            f = dict(re.findall(r'^(\w[\w-]*):\s*(.*)$', stanza, re.M))
            if f.get('Types', '').split()[:1] == ['deb'] and 'main' in f.get('Components', ''):
                pairs += [(u, s) for u in f.get('URIs', '').split() for s in f.get('Suites', '').split()]
    return pairs


def isolated_apt():
    """apt options for the system's archive with contrib enabled, in a state
    directory of our own (the machine's apt configuration is not touched)."""
    state = tempfile.mkdtemp()
    os.makedirs(os.path.join(state, 'lists', 'partial'))
    src = os.path.join(state, 'sources.list')
    with open(src, 'w') as f:
        for uri, suite in system_debian_sources():
            f.write('deb %s %s main contrib\n' % (uri, suite))
    opts = ['-o', 'Dir::Etc::sourcelist=' + src, '-o', 'Dir::Etc::sourceparts=-',
            '-o', 'Dir::State::Lists=' + os.path.join(state, 'lists')]
    subprocess.run(['apt-get'] + opts + ['update'], capture_output=True, timeout=300)
    return opts, state


# ---- commands ----------------------------------------------------------

def build_db(sensor, path, dbtype, csv_text):
    src = path + '.src.csv'
    with open(src, 'w') as f:
        f.write(csv_text)
    p = subprocess.run([sensor, 'mmdb', 'build', '--type', dbtype, src, path],
                       capture_output=True, text=True)
    os.unlink(src)
    if p.returncode != 0:
        raise RuntimeError('fixture %s: %s' % (path, p.stderr))


NET = '198.51.100.0/24'  # dns.pcap's server is 198.51.100.20


class Fixtures:
    def __init__(self, sensor, root, tmp):
        self.sensor, self.tmp = sensor, tmp
        self.month = datetime.date.today().strftime('%Y-%m')
        self.srv = os.path.join(tmp, 'srv')
        self.geoip = os.path.join(tmp, 'GeoIP')
        for d in (self.srv, os.path.join(self.srv, 'free'), os.path.join(self.srv, 'data'),
                  self.geoip):
            os.makedirs(d)
        for name in ('build', 'rules', 'pcaps'):
            target = os.path.dirname(sensor) if name == 'build' else os.path.join(root, name)
            os.symlink(target, os.path.join(tmp, name))
        city = NET + ',x,country.iso_code=NL,city.names.en=Amsterdam,' \
            'location.latitude=52.37,location.longitude=4.9\n'
        asn = NET + ',x,autonomous_system_number=64500,autonomous_system_organization=Example\n'
        for name, dbtype, text in (('dbip-city-lite', 'DBIP-City-Lite', city),
                                   ('dbip-asn-lite', 'DBIP-ASN-Lite (compat=GeoLite2-ASN)', asn)):
            path = os.path.join(self.srv, 'free', '%s-%s.mmdb' % (name, self.month))
            build_db(sensor, path, dbtype, text)
            with open(path, 'rb') as f, gzip.open(path + '.gz', 'wb') as g:
                g.write(f.read())
            os.unlink(path)
        build_db(sensor, os.path.join(self.srv, 'data', 'ipinfo_lite.mmdb'), 'ipinfo lite',
                 NET + ',x,country_code=NL,asn=AS64500,as_name=Example\n')
        build_db(sensor, os.path.join(tmp, 'corp-egress.mmdb'), 'corp',
                 NET + ',x,geo.cc=NL,geo.town=Amsterdam,geo.pos.lat=52.3,geo.pos.lon=4.9,'
                 'net.asn=64500,flags.vpn=true,tags=corp\n')
        self.http = subprocess.Popen([sys.executable, '-u', '-m', 'http.server', '0', '--bind',
                                      '127.0.0.1', '--directory', self.srv],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        m = re.search(r'port (\d+)', self.http.stdout.readline())
        self.base = 'http://127.0.0.1:%s' % m.group(1)

    def stop(self):
        self.http.terminate()
        self.http.wait(10)

    def npm_tarball(self, pkg, names):
        """What `npm pack PKG` leaves: PKG's tarball, holding the files the
        section names under package/ (fixture databases and ASN CSVs)."""
        pkgdir = os.path.join(self.tmp, 'npmsrc', 'package')
        shutil.rmtree(os.path.dirname(pkgdir), ignore_errors=True)
        os.makedirs(pkgdir)
        for n in names:
            path = os.path.join(pkgdir, n)
            if n.endswith('.mmdb'):
                kind = 'asn' if 'asn' in n else 'city'
                build_db(self.sensor, path, '%s %s' % (kind, 'ipv6' if 'ipv6' in n else 'ipv4'),
                         NET + ',x,country_code=NL,city=Amsterdam,latitude=52.37,longitude=4.9\n')
            elif n.endswith('.csv'):
                with open(path, 'w') as f:
                    if 'ipv6' in n:
                        f.write('2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,60729,'
                                '"Stiftung Erneuerbare Freiheit, test"\n')
                    else:
                        f.write('198.51.100.0,198.51.100.255,60729,'
                                '"Stiftung Erneuerbare Freiheit, test"\n')
        tgz = os.path.join(self.tmp, '%s-1.0.0.tgz' % pkg.lstrip('@').replace('/', '-'))
        subprocess.run(['tar', 'czf', tgz, '-C', os.path.dirname(pkgdir), 'package'], check=True)


def files_named(sh, yaml, pkg):
    """The package/ files the section uses after `npm pack pkg`: named in the
    `ls package/` comment, in --asn arguments or in the YAML paths."""
    text = '\n'.join(sh + yaml)
    names = set(re.findall(r'package/([\w.-]+\.(?:mmdb|csv))', text))
    for listing in re.findall(r'ls package/ +# (.*)', text):
        names |= {n for n in listing.split() if n.endswith(('.mmdb', '.csv'))}
    stem = pkg.split('/')[-1].replace('-mmdb', '')
    return sorted(n for n in names if n.startswith(stem + '-'))


# Debian 12's two sources formats as a fresh system has them (mirror elided).
APT_FIXTURES = {
    'debian.sources': 'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm '
                      'bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/'
                      'debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://mirror.invalid/'
                      'debian-security\nSuites: bookworm-security\nComponents: main\n',
    'sources.list': 'deb http://mirror.invalid/debian bookworm main non-free-firmware\n'
                    'deb-src http://mirror.invalid/debian bookworm main non-free-firmware\n'
                    'deb http://mirror.invalid/debian-security bookworm-security main\n',
}


def run_sh(cmd, cwd, what):
    p = subprocess.run(['bash', '-c', 'set -e -o pipefail\n' + cmd], cwd=cwd, capture_output=True,
                       text=True, timeout=120, env=dict(os.environ, IPINFO_TOKEN='test-token'))
    check(p.returncode == 0, '%s: exit %d %s' % (what, p.returncode, (p.stdout + p.stderr)
                                                  .strip()[-300:]))
    return p.stdout + p.stderr


def run_command(fx, cmd, comment, body, sh, yaml):
    tmp = fx.tmp
    m = re.match(r'^sudo apt-get install -y (\S+)$', cmd)
    if m or cmd == 'sudo apt-get update':
        print('ok   %s: the package is checked by the registry test' % cmd)
        return
    m = re.match(r'^sudo (sed -i .*) (/etc/apt/\S+)$', cmd)
    if m:
        fixture = os.path.join(tmp, os.path.basename(m.group(2)))
        with open(fixture, 'w') as f:
            f.write(APT_FIXTURES[os.path.basename(m.group(2))])
        run_sh('%s %s' % (m.group(1), fixture), tmp, cmd)
        lines = [l for l in open(fixture).read().splitlines()
                 if l.startswith(('Components:', 'deb '))]
        check(lines and all(' main contrib' in l for l in lines),
              '%s adds contrib: %s' % (os.path.basename(m.group(2)), lines))
        return
    if cmd.startswith('sudo tee /etc/GeoIP.conf'):
        keys = {l.split()[0] for l in body if l.strip()}
        check(keys == {'AccountID', 'LicenseKey', 'EditionIDs'},
              'GeoIP.conf uses geoipupdate\'s keys: %s' % sorted(keys))
        eds = [l.split()[1:] for l in body if l.startswith('EditionIDs')][0]
        check(eds == ['GeoLite2-City', 'GeoLite2-ASN'], 'GeoIP.conf editions: %s' % eds)
        return
    if cmd.startswith('sudo geoipupdate'):
        written = sorted(set(re.findall(r'\b(GeoLite2-\w+\.mmdb)', comment)))
        check(bool(written), 'geoipupdate: the comment names its files: %s' % written)
        for path in written:
            dbtype = path[:-5]
            if not os.path.exists(os.path.join(fx.geoip, path)):
                build_db(fx.sensor, os.path.join(fx.geoip, path), dbtype,
                         NET + (',x,country.iso_code=NL,location.latitude=52.37,'
                                'location.longitude=4.9\n' if 'City' in dbtype else
                                ',x,autonomous_system_number=64500\n'))
        print('ok   %s: stood in by fixture databases in %s' % (cmd, fx.geoip))
        return
    m = re.match(r'^npm pack (\S+) && (tar xzf \S+)$', cmd)
    if m:
        names = files_named(sh, yaml, m.group(1))
        check(bool(names), 'npm pack %s: the section names files of it: %s' % (m.group(1), names))
        fx.npm_tarball(m.group(1), names)
        run_sh(m.group(2), tmp, m.group(2))
        return
    if cmd.startswith('curl '):
        local = re.sub(r'https://[^/\s"]+', fx.base, cmd)
        run_sh(local, tmp, cmd)
        return
    if cmd.startswith('ls package/'):
        out = run_sh(cmd, tmp, cmd)
        for n in comment.split():
            if n.endswith(('.mmdb', '.csv')):
                check(n in out.split(), 'ls package/ shows %s' % n)
        return
    if cmd.startswith(('gunzip ', 'build/sightline ')):
        out = run_sh(cmd, tmp, cmd)
        if '--asn' in cmd:
            check('list tor: 1 of 1 AS number resolved' in out,
                  'mmdb build --asn resolved the tor list: %r' % out.strip()[-200:])
        return
    check(False, 'README command not covered by tests/docs/real_data.py: %s' % cmd)


def localise(fx, text):
    text = text.replace('/var/lib/GeoIP/', fx.geoip + '/')
    return re.sub(r'(dbip-\w+-lite-)\d{4}-\d{2}(\.mmdb)', r'\g<1>%s\2' % fx.month, text)


def commands_case(sensor, root):
    for tool in ('curl', 'tar', 'gunzip'):
        if not shutil.which(tool):
            print('SKIP: needs %s' % tool)
            sys.exit(SKIP)
    sh, yaml = section(root)
    tmp = tempfile.mkdtemp()
    fx = None
    try:
        fx = Fixtures(sensor, root, tmp)
        for y in yaml:  # named configurations first: commands read them
            m = re.match(r'# (\S+\.yaml)\n', y)
            if m:
                with open(os.path.join(tmp, m.group(1)), 'w') as f:
                    f.write(localise(fx, y))
        for b in sh:
            for cmd, comment, body in commands(b):
                run_command(fx, cmd, comment, body, sh, yaml)
        for i, y in enumerate(yaml):
            cfg = os.path.join(tmp, 'block%d.yaml' % i)
            with open(cfg, 'w') as f:
                f.write(localise(fx, y))
            p = subprocess.run([sensor, '-c', cfg, '-o', '/dev/null', '-r',
                                os.path.join(root, 'pcaps', 'real', 'dns.pcap')], cwd=tmp,
                               capture_output=True, text=True, timeout=120)
            first = y.strip().splitlines()[0]
            check(p.returncode == 0, 'YAML block %d (%s) loads and runs: %s' %
                  (i + 1, first, p.stderr.strip()[-300:]))
    finally:
        if fx:
            fx.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    mode, sensor, root = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    if mode == 'registry':
        registry(sensor, root)
    else:
        commands_case(sensor, root)
    print('%d failed' % len(fails))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
