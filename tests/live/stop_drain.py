#!/usr/bin/env python3
"""Nothing the kernel captured is lost at SIGTERM (live).

A veth pair in a network namespace made here (removed on exit), IPv6 off so
every frame on it is one tcpreplay sent.  sightline captures one end; once
it says READY=1 on its NOTIFY_SOCKET (capture open), it is stopped (SIGSTOP) while tcpreplay sends a few thousand frames into the other:
they wait in the capture ring.  Then SIGCONT and SIGTERM at once.  sightline
must read what the kernel had already captured before it writes its final
events: stats.capture.packets equals what tcpreplay sent, with one engine and
with two workers (one PACKET_FANOUT group), kernel drops 0.  Before, the loop
stopped at the next batch and every frame left in the ring went uncounted.
Skips (77) without root, network namespaces or tcpreplay.

    stop_drain.py SIGHTLINE CAPTURE
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from notify_ready import ready_socket, wait_ready, close as close_ready  # noqa: E402

NS = "sl-sd-%d" % os.getpid()
LOOPS = 60
PPS = 20000  # paced: at top speed the veth's backlog (netdev_max_backlog) drops
             # frames before any capture sees them


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def skip(why):
    print("skip: " + why)
    sys.exit(77)


def netns_up():
    if sh("ip", "netns", "add", NS, check=False).returncode != 0:
        skip("cannot create a network namespace")
    sh("ip", "netns", "exec", NS, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
       "net.ipv6.conf.default.disable_ipv6=1")
    sh("ip", "-n", NS, "link", "add", "sd0", "type", "veth", "peer", "name", "sd1")
    for dev in ("sd0", "sd1"):
        sh("ip", "-n", NS, "link", "set", dev, "up")


def link_drops():
    """Frames the veth pair dropped before the capture tap (both ends' counts)."""
    n = 0
    for dev in ("sd0", "sd1"):
        out = sh("ip", "-n", NS, "-s", "-j", "link", "show", dev).stdout.decode()
        s64 = json.loads(out)[0]["stats64"]
        n += s64["rx"]["dropped"] + s64["tx"]["dropped"]
    return n


def last_stats(path):
    stats = None
    with open(path) as f:
        for line in f:
            ev = json.loads(line)
            if ev.get("event_type") == "stats":
                stats = ev["stats"]
    return stats


def run(sensor, cap, workers, tmp):
    out = os.path.join(tmp, "w%d.json" % workers)
    err = open(os.path.join(tmp, "w%d.err" % workers), "w")
    note, env = ready_socket(os.path.join(tmp, "w%d" % workers))
    p = subprocess.Popen(["ip", "netns", "exec", NS, sensor, "-i", "sd1", "--allow-root",
                          "-q", "--workers", str(workers), "-o", out], stderr=err, env=env)
    try:
        if not wait_ready(note) or p.poll() is not None:
            sys.exit("FAIL: sightline did not start capturing: " + open(err.name).read())
        before = link_drops()
        os.kill(p.pid, signal.SIGSTOP)  # ip netns exec execs the sensor: same pid
        r = sh("ip", "netns", "exec", NS, "tcpreplay", "-i", "sd0", "--pps=%d" % PPS,
               "--loop=%d" % LOOPS, cap)
        m = re.search(r"Successful packets:\s+(\d+)", r.stdout.decode())
        if not m:
            sys.exit("FAIL: tcpreplay: " + r.stdout.decode()[-400:])
        sent = int(m.group(1))
        time.sleep(0.5)  # every frame through the stack
        os.kill(p.pid, signal.SIGCONT)
        os.kill(p.pid, signal.SIGTERM)
        rc = p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        close_ready(note)
    lost = link_drops() - before
    st = last_stats(out) or {}
    cap_st = st.get("capture", {})
    got, drops = cap_st.get("packets"), cap_st.get("kernel_drops")
    print("workers %d: sent %d, captured %s, kernel drops %s, dropped by the veth before "
          "capture %d, exit %d" % (workers, sent, got, drops, lost, rc))
    ok = rc == 0 and got == sent - lost and drops == 0
    if not ok:
        print("FAIL: workers %d: %s of %d frames read before exit (stderr: %s)" % (
            workers, got, sent, open(err.name).read().strip()[-300:]))
    return ok


def main():
    sensor, cap = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        skip("needs root for network namespaces")
    if not shutil.which("tcpreplay"):
        skip("needs tcpreplay (apt-get install tcpreplay)")
    tmp = tempfile.mkdtemp(prefix="sl-sd-")
    for w in (1, 2):
        os.mkdir(os.path.join(tmp, "w%d" % w))
    try:
        netns_up()
        ok = all([run(sensor, cap, w, tmp) for w in (1, 2)])
    finally:
        sh("ip", "netns", "del", NS, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    if not ok:
        sys.exit(1)
    print("ok: every captured frame read before exit, 1 and 2 workers")


if __name__ == "__main__":
    main()
