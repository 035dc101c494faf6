#!/usr/bin/env python3
"""Install paths agree: `meson install` into a scratch DESTDIR, then every
path the installed systemd unit, the installed man page, the default
configuration, the binary's own data directory and README's install table
name must be there (README: both its prefix columns, the /usr one checked
against what meson makes of --prefix=/usr), and everything installed must
be in README's table.

  paths.py BUILD SOURCE paths    the checks above
  paths.py BUILD SOURCE verify   systemd-analyze verify on the installed unit
                                 (skips without systemd-analyze)"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
ROOT_KEYS = ('prefix', 'sbindir', 'sysconfdir', 'datadir', 'mandir')
failures = []


def bad(msg):
    failures.append(msg)
    print('FAIL: ' + msg)


def dirs_of(build):
    out = subprocess.run(['meson', 'introspect', build, '--buildoptions'], capture_output=True,
                         text=True, check=True).stdout
    opts = {o['name']: o['value'] for o in json.loads(out)}
    return {k: os.path.join(opts['prefix'], opts[k]) for k in ROOT_KEYS}


def install_roots(d):
    """The places the project installs to: a path under one names an installed file."""
    return [os.path.join(d['sbindir'], 'sightline'), os.path.join(d['sbindir'], 'sightline-intel-refresh'),
            os.path.join(d['sysconfdir'], 'sightline'),
            os.path.join(d['datadir'], 'sightline'), os.path.join(d['mandir'], 'man8', 'sightline.8')]


def installed(dest, path):
    return os.path.exists(dest + path)


def abs_paths(text):
    return re.findall(r'(?<![\w$./-])(/[A-Za-z0-9_.+@-][A-Za-z0-9_.+@/-]*)', text)


def check_unit(dest, d, unit_path):
    roots = install_roots(d)
    text = open(unit_path).read()
    keys = {}
    for line in text.splitlines():
        if line.startswith('#') or '=' not in line:
            continue
        k, _, v = line.partition('=')
        keys.setdefault(k, []).append(v)
    logs = ['/var/log/' + v for v in keys.get('LogsDirectory', [])]
    n = 0
    values = abs_paths('\n'.join(v for vs in keys.values() for v in vs))
    for p in sorted(set(abs_paths(text))):
        if under(p, roots):
            n += 1
            if not installed(dest, p):
                bad('the unit names %s, which meson install did not install' % p)
        elif p in logs:
            continue
        elif 'sightline' in p.split('/'):
            bad('the unit names %s, outside what this prefix installs (%s) and not its '
                'LogsDirectory= %s' % (p, ', '.join(roots), logs))
        elif p in values and not os.path.exists(p):
            bad('the unit names %s, which is not on this system' % p)
    exe = keys['ExecStart'][0].split()[0]
    if exe != os.path.join(d['sbindir'], 'sightline') or not os.access(dest + exe, os.X_OK):
        bad('ExecStart runs %s, the installed binary is %s' % (exe, os.path.join(d['sbindir'], 'sightline')))
    env = [v.lstrip('-') for v in keys.get('EnvironmentFile', [])]
    if env != [os.path.join(d['sysconfdir'], 'sightline', 'sightline.env')]:
        bad('EnvironmentFile=%s, want the installed %s/sightline/sightline.env' % (env, d['sysconfdir']))
    if 'man:sightline(8)' in keys.get('Documentation', [''])[0] and \
            not installed(dest, os.path.join(d['mandir'], 'man8', 'sightline.8')):
        bad('Documentation=man:sightline(8), but no sightline.8 installed')
    return n


def under(p, roots):
    return any(p == r or p.startswith(r.rstrip('/') + '/') for r in roots)


def roff_text(path):
    t = open(path).read()
    t = t.replace('\\-', '-').replace('\\&', '')
    return re.sub(r'\\f[BIRP]', '', t)


def check_man(dest, d):
    roots = install_roots(d)
    t = roff_text(dest + os.path.join(d['mandir'], 'man8', 'sightline.8'))
    n = 0
    for p in sorted(set(abs_paths(t))):
        if 'sightline' not in p:
            continue
        n += 1
        if not under(p, roots):
            bad('the man page names %s, outside what this prefix installs (%s)' % (p, ', '.join(roots)))
        elif not installed(dest, p.rstrip('/') or '/'):
            bad('the man page names %s, which meson install did not install' % p)
    files = t.split('.SH FILES', 1)[1].split('.SH ', 1)[0]
    cur = None
    for line in files.splitlines():
        if line.startswith('.I /'):
            cur = line[3:].strip()
        m = re.match(r'\.RI \( (\S+) \)', line)
        if m and cur:
            n += 1
            if not installed(dest, os.path.join(cur, m.group(1))):
                bad('the man page lists %s under %s, which meson install did not install' % (m.group(1), cur))
    return n


def check_config(dest, d, build):
    conf = dest + os.path.join(d['sysconfdir'], 'sightline', 'sightline.yaml')
    n = 0
    for line in open(conf):
        m = re.match(r'\s*(?:- )?[\w.]+:\s+"?(/[^"\s#]*)', line)
        if m and not line.lstrip().startswith('#'):
            n += 1
            if not installed(dest, m.group(1)):
                bad('the default configuration names %s, which meson install did not install' % m.group(1))
    binary = open(dest + os.path.join(d['sbindir'], 'sightline'), 'rb').read()
    pkg = os.path.join(d['datadir'], 'sightline')
    if pkg.encode() + b'\0' not in binary:
        bad('the binary does not look for its data in %s' % pkg)
    elif not installed(dest, os.path.join(pkg, 'sigma')):
        bad('the binary looks for its rule pack in %s/sigma, which was not installed' % pkg)
    elif not installed(dest, os.path.join(pkg, 'products')):
        bad('the binary looks for its product signatures in %s/products, which was not '
            'installed' % pkg)
    return n + 1


def meson_dirs(prefix, tmp):
    """What meson makes of --prefix=PREFIX (e.g. /usr puts etc at /etc)."""
    src, bld = os.path.join(tmp, 'p-src'), os.path.join(tmp, 'p-build-' + prefix.replace('/', '_'))
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(src, 'meson.build'), 'w') as f:
        f.write("project('p')\nforeach o : %s\n  message('DIR ' + o + '=' + (get_option('prefix') / "
                "get_option(o)))\nendforeach\n" % repr(list(ROOT_KEYS[1:])).replace('"', "'"))
    out = subprocess.run(['meson', 'setup', '--prefix=' + prefix, bld, src], capture_output=True,
                         text=True, check=True).stdout
    d = dict(re.findall(r'DIR (\w+)=(\S+)', out))
    d['prefix'] = prefix
    return d


def readme_table(src):
    text = open(os.path.join(src, 'README.md')).read()
    sec = text.split('## Installing and running as a service', 1)[1].split('\n## ', 1)[0]
    rows = [l for l in sec.splitlines() if l.startswith('|')]
    head = [c.strip() for c in rows[0].strip('|').split('|')]
    cols = {}
    for i, h in enumerate(head[1:], 1):
        m = re.search(r'--prefix=(\S+?)`', h)
        if m:
            cols[m.group(1)] = [p for r in rows[2:] for p in re.findall(r'`(/[^`]+)`', r.strip('|').split('|')[i])]
    return cols


def expected(d):
    e, s = os.path.join(d['sysconfdir'], 'sightline'), os.path.join(d['datadir'], 'sightline')
    return sorted([os.path.join(d['sbindir'], 'sightline'), os.path.join(d['mandir'], 'man8', 'sightline.8'),
                   e + '/sightline.yaml', e + '/sightline.env', s + '/sigma/', s + '/intel.mmdb',
                   s + '/demo-geo.mmdb', s + '/systemd/sightline.service', s + '/intel/',
                   s + '/products/', s + '/sightline.schema.json', os.path.join(d['sbindir'], 'sightline-intel-refresh'),
                   s + '/elastic/', s + '/splunk/'])


def check_readme(dest, d, src, tmp):
    cols = readme_table(src)
    if sorted(cols) != ['/usr', '/usr/local']:
        bad('README install table: columns for %s, want --prefix=/usr/local and --prefix=/usr' % sorted(cols))
        return 0
    for prefix, paths in cols.items():
        want = expected(meson_dirs(prefix, tmp))
        if sorted(paths) != want:
            bad('README install table, --prefix=%s: %s; meson puts them at %s' % (prefix, sorted(paths), want))
    if d['prefix'] not in cols:
        print('note: built with prefix %s; README lists /usr/local and /usr' % d['prefix'])
        return 0
    paths = cols[d['prefix']]
    for p in paths:
        if not installed(dest, p.rstrip('/')):
            bad('README says meson install puts %s, it did not' % p)
    for base, _, files in os.walk(dest):
        for f in files:
            p = os.path.join(base, f)[len(dest):]
            if not any(p == q or (q.endswith('/') and p.startswith(q)) for q in paths):
                bad('meson install puts %s, which README\'s install table does not list' % p)
    return len(paths)


def install(build, tmp):
    dest = os.path.join(tmp, 'dest')
    p = subprocess.run(['meson', 'install', '-C', build, '--no-rebuild', '--quiet', '--destdir', dest],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout + p.stderr)
        sys.exit(1)
    return dest


def case_paths(build, src, tmp):
    d = dirs_of(build)
    dest = install(build, tmp)
    n = check_unit(dest, d, dest + os.path.join(d['datadir'], 'sightline', 'systemd', 'sightline.service'))
    m = check_man(dest, d)
    c = check_config(dest, d, build)
    r = check_readme(dest, d, src, tmp)
    if not failures:
        print('ok install paths for prefix %s: %d in the unit, %d in the man page, %d from the '
              'configuration and the binary, %d in README, all installed; everything installed '
              'is in README' % (d['prefix'], n, m, c, r))


def case_verify(build, src, tmp):
    if not shutil.which('systemd-analyze'):
        print('skip: systemd-analyze is missing (Debian package systemd)')
        sys.exit(SKIP)
    d = dirs_of(build)
    dest = install(build, tmp)
    roots = install_roots(d)
    unit = open(dest + os.path.join(d['datadir'], 'sightline', 'systemd', 'sightline.service')).read()
    # The unit names the installed paths; verify it against the staged copies.
    staged = re.sub(r'(?<![\w$./-])(/[A-Za-z0-9_.+@/-]+)',
                    lambda m: dest + m.group(1) if any(m.group(1).startswith(r) for r in roots) else m.group(1),
                    unit)
    path = os.path.join(tmp, 'sightline.service')
    with open(path, 'w') as f:
        f.write(staged)
    env = dict(os.environ, MANPATH=dest + d['mandir'])
    p = subprocess.run(['systemd-analyze', 'verify', path], capture_output=True, text=True, env=env,
                       cwd=tmp, timeout=60)
    out = (p.stdout + p.stderr).strip()
    if p.returncode != 0 or out:
        bad('systemd-analyze verify: exit %d: %s' % (p.returncode, out))
    else:
        print('ok systemd-analyze verify: the installed unit passes (binary, man page and '
              'environment file from the staged install)')


def main():
    build, src, case = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    tmp = tempfile.mkdtemp()
    try:
        {'paths': case_paths, 'verify': case_verify}[case](build, src, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
