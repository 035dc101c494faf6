#!/usr/bin/env python3
"""Live time (#14): an alert is written while its flow is still open, an idle
flow ends by the wall clock, and every output lets the event go at once.

Two network namespaces joined by a veth pair (made here, removed on exit).
In one, sightline captures the veth and a small RFB (VNC) server listens; from
the other, a client runs the RFB handshake with security type None and then
holds the session open.  The vnc_unencrypted alert must be in every output
(a file written inline, a file behind a writer thread, a unix-dgram socket,
syslog over a unix socket) within 2 s of the handshake while the session is
still open (no `flow` event for it yet).  One UDP datagram with
flow.timeouts.udp=2 must give its `flow` event within 2 + 2 s with no further
packet, with one engine and with two workers (each worker's flows end by the
clock).  Prints the measured delays.  Skips (77) without root or netns.

    live_time.py SIGHTLINE
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

RULE = "fa4e1f6a-02bb-4e98-bc3a-4dadc006e119"  # vnc_unencrypted
A, B = "sl-lt-a-%d" % os.getpid(), "sl-lt-b-%d" % os.getpid()
SRV, CLI = "10.79.0.1", "10.79.0.2"
UDP_TIMEOUT = 2

SERVER = r'''
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5900)); s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
def need(n):
    b = b""
    while len(b) < n:
        k = c.recv(n - len(b))
        if not k: sys.exit(0)
        b += k
    return b
c.sendall(b"RFB 003.008\n"); need(12)
c.sendall(bytes([1, 1])); need(1)             # one security type: None
c.sendall(b"\0\0\0\0"); need(1)               # SecurityResult OK; ClientInit
name = b"farm-desk"
fmt = bytes([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0])
c.sendall((1280).to_bytes(2, "big") + (800).to_bytes(2, "big") + fmt +
          len(name).to_bytes(4, "big") + name)
c.recv(1); time.sleep(30)
'''

CLIENT = r'''
import socket, sys, time
c = socket.create_connection((sys.argv[1], 5900))
def need(n):
    b = b""
    while len(b) < n:
        k = c.recv(n - len(b))
        if not k: sys.exit(1)
        b += k
    return b
need(12); c.sendall(b"RFB 003.008\n")
n = need(1)[0]; need(n); c.sendall(bytes([1]))
need(4); c.sendall(bytes([1]))                # shared
init = need(24); need(int.from_bytes(init[20:24], "big"))   # ServerInit and its name
print("handshake %.6f" % time.time(), flush=True)
time.sleep(float(sys.argv[2]))                # the session stays open, silent
print("closing %.6f" % time.time(), flush=True)
'''


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def netns_up():
    sh("ip", "netns", "add", A)
    sh("ip", "netns", "add", B)
    sh("ip", "link", "add", "vt-a", "netns", A, "type", "veth", "peer", "name", "vt-b",
       "netns", B)
    for ns, dev, ip in ((A, "vt-a", SRV), (B, "vt-b", CLI)):
        sh("ip", "-n", ns, "addr", "add", ip + "/24", "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")


def netns_down():
    sh("ip", "netns", "del", A, check=False)
    sh("ip", "netns", "del", B, check=False)


class Sink:
    """A unix datagram socket the sensor writes to; lines with arrival times."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(path)
        os.chmod(path, 0o666)
        self.s.setblocking(False)
        self.got = []

    def poll(self):
        while True:
            try:
                d = self.s.recv(1 << 20)
            except BlockingIOError:
                return
            self.got.append((time.time(), d.decode(errors="replace")))


class Tail:
    """A file the sensor appends to; complete lines with the time first seen."""

    def __init__(self, path):
        self.path, self.off, self.got, self.part = path, 0, [], ""

    def poll(self):
        try:
            with open(self.path) as f:
                f.seek(self.off)
                data = f.read()
                self.off = f.tell()
        except FileNotFoundError:
            return
        now = time.time()
        data = self.part + data
        lines = data.split("\n")
        self.part = lines.pop()
        self.got += [(now, l) for l in lines]


def first(src, pred):
    for t, line in src.got:
        if pred(line):
            return t
    return None


def start_sensor(sensor, tmp, extra):
    cfg = os.path.join(tmp, "live.yaml")
    with open(cfg, "w") as f:
        f.write("outputs:\n"
                "  - type: file\n    path: %s/inline.json\n    queue: 0\n"
                "  - type: file\n    path: %s/queued.json\n"
                "  - type: unix-dgram\n    path: %s/dgram.sock\n"
                "  - type: syslog\n    transport: unix\n    address: %s/syslog.sock\n"
                % (tmp, tmp, tmp, tmp))
    err = open(os.path.join(tmp, "stderr"), "w")
    return subprocess.Popen(["ip", "netns", "exec", A, sensor, "-i", "vt-a", "--allow-root",
                             "-q", "-c", cfg, "--set", "flow.timeouts.udp=%d" % UDP_TIMEOUT]
                            + extra, stdout=subprocess.DEVNULL, stderr=err)


def wait_for(sources, pred, deadline):
    while time.time() < deadline:
        for s in sources:
            s.poll()
        if all(first(s, pred) for s in sources):
            return True
        time.sleep(0.02)
    return False


def vnc_case(sensor, tmp):
    """The alert of an open VNC session in every output within 2 s."""
    fails = []
    srcs = {"file (inline)": Tail(os.path.join(tmp, "inline.json")),
            "file (queued)": Tail(os.path.join(tmp, "queued.json")),
            "unix-dgram": Sink(os.path.join(tmp, "dgram.sock")),
            "syslog (unix)": Sink(os.path.join(tmp, "syslog.sock"))}
    p = start_sensor(sensor, tmp, [])
    srv = subprocess.Popen(["ip", "netns", "exec", A, sys.executable, "-c", SERVER, SRV],
                           stdout=subprocess.PIPE, text=True)
    try:
        srv.stdout.readline()
        time.sleep(1.5)  # the capture is open
        cli = subprocess.Popen(["ip", "netns", "exec", B, sys.executable, "-c", CLIENT, SRV,
                                "6"], stdout=subprocess.PIPE, text=True)
        line = cli.stdout.readline().split()
        if not line or line[0] != "handshake":
            return ["FAIL: the RFB client did not finish its handshake"]
        t_hs = float(line[1])
        alert = lambda l: RULE in l and '"event_type":"alert"' in l
        wait_for(list(srcs.values()), alert, t_hs + 3)
        closing = None
        for name, s in srcs.items():
            t = first(s, alert)
            if t is None:
                fails.append("FAIL: %s: no vnc_unencrypted alert within 3 s of the handshake"
                             % name)
                continue
            print("vnc alert in %-14s %.3f s after the handshake" % (name, t - t_hs))
            if t - t_hs > 2:
                fails.append("FAIL: %s: the alert came %.3f s after the handshake (> 2 s)"
                             % (name, t - t_hs))
        flows = [l for _, l in srcs["file (inline)"].got
                 if '"event_type":"flow"' in l and '"dest_port":5900' in l]
        if flows:
            fails.append("FAIL: the session's flow event is out already: the alert was not "
                         "written while it was open")
        cli.wait(timeout=15)
    finally:
        srv.kill()
        srv.wait()
        p.terminate()
        p.wait(timeout=20)
    return fails


def udp_case(sensor, tmp, workers):
    """One datagram per port; each flow written within its timeout + 2 s."""
    fails = []
    for f in ("inline.json", "queued.json"):
        if os.path.exists(os.path.join(tmp, f)):
            os.unlink(os.path.join(tmp, f))
    for s in ("dgram.sock", "syslog.sock"):
        if os.path.exists(os.path.join(tmp, s)):
            os.unlink(os.path.join(tmp, s))
    sinks = [Sink(os.path.join(tmp, "dgram.sock")), Sink(os.path.join(tmp, "syslog.sock"))]
    srcs = [Tail(os.path.join(tmp, "inline.json"))] + sinks  # read all: a dgram queue is short
    p = start_sensor(sensor, tmp, ["--workers", str(workers)])
    try:
        time.sleep(1.5)
        ports = range(5141, 5149)
        t0 = time.time()
        sh("ip", "netns", "exec", B, sys.executable, "-c",
           "import socket,sys\nfor p in range(5141,5149):\n"
           " socket.socket(socket.AF_INET,socket.SOCK_DGRAM).sendto(b'idle',(sys.argv[1],p))",
           SRV)
        for port in ports:
            pred = (lambda port: lambda l: '"event_type":"flow"' in l and
                    '"dest_port":%d,' % port in l)(port)
            wait_for(srcs, pred, t0 + UDP_TIMEOUT + 3)
            t = first(srcs[0], pred)
            if t is None:
                fails.append("FAIL: --workers %d: the idle UDP flow to %d was not written "
                             "within %d s" % (workers, port, UDP_TIMEOUT + 3))
                continue
            if t - t0 > UDP_TIMEOUT + 2:
                fails.append("FAIL: --workers %d: the idle UDP flow to %d came %.3f s after "
                             "its datagram (> timeout %d s + 2 s)" % (workers, port, t - t0,
                                                                       UDP_TIMEOUT))
            if port == ports[0] or port == ports[-1]:
                print("idle udp flow to %d, --workers %d: written %.3f s after its only "
                      "datagram (timeout %d s)" % (port, workers, t - t0, UDP_TIMEOUT))
    finally:
        p.terminate()
        p.wait(timeout=20)
        for s in sinks:
            s.s.close()
    return fails


def main():
    sensor = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("skip: needs root for network namespaces")
        return 77
    if not shutil.which("ip"):
        print("skip: needs iproute2")
        return 77
    tmp = tempfile.mkdtemp(prefix="sl-live-time-")
    os.chmod(tmp, 0o755)
    try:
        try:
            netns_up()
        except subprocess.CalledProcessError as e:
            print("skip: cannot create network namespaces: %s" % e.stderr.decode().strip())
            return 77
        fails = vnc_case(sensor, tmp)
        fails += udp_case(sensor, tmp, 1)
        fails += udp_case(sensor, tmp, 2)
    finally:
        netns_down()
        err = open(os.path.join(tmp, "stderr")).read() if os.path.exists(
            os.path.join(tmp, "stderr")) else ""
        shutil.rmtree(tmp, ignore_errors=True)
    for f in fails:
        print(f)
    if fails and err:
        print("sensor stderr:\n" + err[-2000:])
    if not fails:
        print("ok: alert while the session is open, idle flows on time, every output at once")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
