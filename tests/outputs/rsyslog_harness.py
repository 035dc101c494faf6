"""A real rsyslog daemon for tests: its own configuration, work directory,
pid file and output file, listening on loopback only, run in the foreground
(`rsyslogd -n -f CONF -i PIDFILE`) so a test can stop and restart it.

Inputs are imudp, imtcp (plain TCP syslog, octet-counted or LF-framed) and
imrelp (RELP); every message they receive goes through one ruleset, in direct
mode (no in-memory queue that a shutdown could discard), to one file written
with a template (the default writes the MSG part, i.e. the EVE JSON, one per
line).  Another test can pass its own template or extra rules, or a whole
configuration of its own (`config`: a function of the Rsyslog object, e.g.
the README's, bound to rs.ports and writing under rs.dir).

    rs = Rsyslog(workdir, inputs=('imtcp', 'imrelp'))   # skips (77) if missing
    rs.start(); rs.ports['imtcp'] ...; rs.stop(); rs.start()  # same ports
    rs.messages()  # lines written so far
    module_loads('mmjsonparse', workdir)  # False when rsyslogd cannot load it

Nothing here touches the system's rsyslog: no /dev/log, no /var/log, no
system configuration."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

SKIP = 77
RAW_TEMPLATE = 'template(name="sl_raw" type="string" string="%msg%\\n")'


def skip(reason):
    print('skip: ' + reason)
    sys.exit(SKIP)


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening(port, udp=False):
    """True once a socket listens on 127.0.0.1:port, TCP or UDP (read from
    /proc, so the check itself opens no session the daemon would log).  A
    bound UDP socket shows state 07 (unconnected), a listening TCP one 0A."""
    want = ':%04X' % port
    with open('/proc/net/udp' if udp else '/proc/net/tcp') as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            if parts[1].endswith(want) and parts[3] == ('07' if udp else '0A'):
                return True
    return False


def find_rsyslogd():
    return shutil.which('rsyslogd') or next(
        (p for p in ('/usr/sbin/rsyslogd', '/sbin/rsyslogd') if os.path.exists(p)), None)


def module_loads(name, workdir):
    """True when rsyslogd (which must exist) can load module `name`: a
    configuration check (-N1) of a file that loads it and has one action
    (rsyslogd refuses a configuration without any)."""
    os.makedirs(workdir, exist_ok=True)
    conf = os.path.join(workdir, 'probe-%s.conf' % name)
    with open(conf, 'w') as f:
        f.write('module(load="%s")\n*.* action(type="omfile" file="%s")\n'
                % (name, os.path.join(workdir, 'probe.log')))
    p = subprocess.run([find_rsyslogd(), '-N1', '-f', conf], capture_output=True, timeout=30)
    return p.returncode == 0


class Rsyslog:
    """One rsyslogd in the foreground.  inputs: names of input modules
    ('imudp', 'imtcp', 'imrelp'), each given a free port in self.ports;
    template: the rsyslog template statement named sl_raw; rules: statements
    run on every message before the file action (e.g.
    'action(type="mmjsonparse")').  config: instead of all that, a function
    taking this object and returning a configuration of the caller's own
    (modules, maxMessageSize, templates, rulesets, inputs on self.ports);
    the harness adds only its work directory and its log."""

    def __init__(self, workdir, inputs=('imtcp',), template=RAW_TEMPLATE, rules='',
                 max_message='256k', config=None):
        self.exe = find_rsyslogd()
        if not self.exe:
            skip('rsyslogd not found (Debian package rsyslog)')
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.conf = os.path.join(workdir, 'rsyslog.conf')
        self.pidfile = os.path.join(workdir, 'rsyslogd.pid')
        self.out = os.path.join(workdir, 'received.log')
        self.log = os.path.join(workdir, 'rsyslogd.log')
        self.ports = {m: free_port(socket.SOCK_DGRAM if m == 'imudp' else socket.SOCK_STREAM)
                      for m in inputs}
        self.proc = None
        self.restarts = 0
        with open(self.conf, 'w') as f:
            if config:
                f.write('global(workDirectory="%s")\n%s\n' % (self.dir, config(self)))
                f.write('*.* action(type="omfile" file="%s")\n' % self.log)
            else:
                f.write(self.config(inputs, template, rules, max_message))
        self.check()

    def config(self, inputs, template, rules, max_message):
        lines = ['global(workDirectory="%s" maxMessageSize="%s")' % (self.dir, max_message)]
        lines += ['module(load="%s")' % m for m in inputs]
        lines.append(template)
        lines.append('ruleset(name="sl" queue.type="direct") {')
        if rules:
            lines.append('  ' + rules)
        lines.append('  action(type="omfile" file="%s" template="sl_raw")' % self.out)
        lines.append('}')
        for m in inputs:
            lines.append('input(type="%s" address="127.0.0.1" port="%d" ruleset="sl")'
                         % (m, self.ports[m]))
        # rsyslogd's own messages (start, stop, session errors), for diagnosis
        lines.append('*.* action(type="omfile" file="%s")' % self.log)
        return '\n'.join(lines) + '\n'

    def check(self):
        """rsyslogd -N1 loads every module: a missing one (rsyslog-relp) is
        a skip with the daemon's own words, not a failure."""
        p = subprocess.run([self.exe, '-N1', '-f', self.conf], capture_output=True, timeout=30)
        if p.returncode != 0:
            text = (p.stdout + p.stderr).decode(errors='replace')
            why = [l for l in text.splitlines() if 'could not load module' in l]
            if why:
                skip('rsyslogd cannot load a module (imrelp is in Debian package '
                     'rsyslog-relp, mmjsonparse in rsyslog): ' + why[0].strip())
            raise RuntimeError('rsyslogd rejects the test configuration:\n' + text)

    def start(self, timeout=15):
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        err = open(os.path.join(self.dir, 'rsyslogd.stderr'), 'ab')
        self.proc = subprocess.Popen([self.exe, '-n', '-f', self.conf, '-i', self.pidfile],
                                     stdout=err, stderr=err, stdin=subprocess.DEVNULL)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError('rsyslogd exited with %d at start; see %s'
                                   % (self.proc.returncode, self.log))
            if all(listening(p, m == 'imudp') for m, p in self.ports.items()):
                return
            time.sleep(0.05)
        raise RuntimeError('rsyslogd did not listen on %s within %d s' % (self.ports, timeout))

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stop the daemon (SIGTERM: its normal shutdown) and wait for it."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, down_seconds=0.0):
        self.stop()
        time.sleep(down_seconds)
        self.start()
        self.restarts += 1

    def messages(self):
        """Every line the daemon wrote, bytes without the newline."""
        if not os.path.exists(self.out):
            return []
        with open(self.out, 'rb') as f:
            return [l for l in f.read().split(b'\n') if l]

    def wait_messages(self, n, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(self.messages()) >= n:
                return True
            time.sleep(0.05)
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
