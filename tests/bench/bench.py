#!/usr/bin/env python3
"""The benchmark (issue: operations and speed).  Never part of the timed
test suite: run it by hand on a quiet machine.

    tests/bench/bench.py [--build build] [--mb 512] [--runs 5] [--live]

From one run it prints, each the median of --runs: a bare pcap_next_ex loop
over a mixed capture of at least --mb megabytes (the physical limit of
reading the file on this machine), sightline on one core with every parser,
enrichment and the default rules on, nDPI's ndpiReader when installed
(Debian libndpi-bin), and sightline with 1..N workers.  Then packets/s,
Gbit/s, the ratios, peak RSS, bytes of flow state per flow, the RSS of a
capture with 1 M concurrent flows, and with --live a tcpreplay run at
1 Gbit/s onto a veth in a network namespace this script creates.

The mixed capture is built by tests/bench/mkmix from the project's own
captures (pcaps/real, pcaps/gen-out) and generator (long sessions from
`sl-pcapgen bulk` when it exists), every copy's addresses rewritten so the
flows are distinct.  Absolute figures depend on the machine and its load;
the ratios are measured in one run and are what the targets are about.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_timed(cmd, cpu=None):
    """Run cmd (pinned to cpu when given); return its wall-clock seconds."""
    if cpu is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", cpu] + cmd
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t1 = time.perf_counter()
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d): %s" % (" ".join(cmd[:3]), p.returncode,
                                                p.stderr.decode()[-500:]))
    return t1 - t0


def peak_rss_kb(cmd):
    """Peak RSS of one run, measured by GNU time (-f %M), in kB."""
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    try:
        return int(p.stderr.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def median_of(n, fn):
    vals = [fn() for _ in range(n)]
    return statistics.median(vals)


def build_mix(build, out, mb):
    inputs = []
    for d in ("pcaps/real", "pcaps/gen-out"):
        p = os.path.join(ROOT, d)
        inputs += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".pcap"))
    gen = os.path.join(build, "pcaps", "sl-pcapgen")
    bulk = os.path.join(os.path.dirname(out), "bulk.pcap")
    r = subprocess.run([gen, "bulk", bulk], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode == 0 and os.path.exists(bulk):
        inputs.append(bulk)
    r = subprocess.run([os.path.join(build, "tests", "bench", "mkmix"), out, str(mb)] + inputs,
                       stdout=subprocess.PIPE, check=True)
    print(r.stdout.decode().strip())


def count_packets(build, cap):
    out = subprocess.run([os.path.join(build, "tests", "bench", "bare_read"), cap],
                         stdout=subprocess.PIPE, check=True).stdout.decode().split()
    return int(out[0]), int(out[2])


def sightline_stats(build, cap, extra=()):
    p = subprocess.run([os.path.join(build, "sightline"), "-q", "-o", "-", "-r", cap] + list(extra),
                       stdout=subprocess.PIPE, check=True)
    for line in reversed(p.stdout.decode().splitlines()):
        ev = json.loads(line)
        if ev.get("event_type") == "stats":
            return ev["stats"]
    return {}


def supports(build, flag):
    h = subprocess.run([os.path.join(build, "sightline"), "--help"], stdout=subprocess.PIPE)
    return flag in h.stdout.decode()


def line(name, secs, pkts, nbytes, base=None):
    rate = pkts / secs
    gbps = nbytes * 8 / secs / 1e9
    ratio = "" if base is None else "  %.2fx of bare" % (base / secs)
    print("  %-34s %8.3f s %12.0f pkt/s %7.2f Gbit/s%s" % (name, secs, rate, gbps, ratio))
    return rate


def live_test(build, cap):
    """tcpreplay at 1 Gbit/s onto a veth whose peer sightline captures, in a
    namespace created here.  Reports pcap drops from the stats event."""
    if os.geteuid() != 0 or not shutil.which("tcpreplay"):
        print("live: skipped (needs root and tcpreplay: apt-get install tcpreplay)")
        return
    ns = "slbench%d" % os.getpid()
    sh = lambda *a: subprocess.run(list(a), check=True)
    sh("ip", "netns", "add", ns)
    try:
        sh("ip", "link", "add", "slb0", "type", "veth", "peer", "name", "slb1")
        sh("ip", "link", "set", "slb1", "netns", ns)
        sh("ip", "link", "set", "slb0", "up", "mtu", "9000")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "slb1", "up", "mtu", "9000")
        out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
        cmd = ["ip", "netns", "exec", ns, os.path.join(build, "sightline"), "-q", "-i", "slb1",
               "-o", out, "--set", "capture.buffer_mb=512", "--allow-root"]
        sens = subprocess.Popen(cmd, stderr=subprocess.PIPE)
        time.sleep(1.5)
        r = subprocess.run(["tcpreplay", "-i", "slb0", "--mbps=1000", cap],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        tail = [l for l in r.stdout.decode().splitlines() if "Rated" in l or "Actual" in l]
        time.sleep(1.0)
        sens.terminate()
        sens.wait(timeout=60)
        stats = {}
        with open(out) as f:
            for l in f:
                ev = json.loads(l)
                if ev.get("event_type") == "stats":
                    stats = ev["stats"]
        os.unlink(out)
        cap_stats = stats.get("capture", {})
        print("live (tcpreplay 1 Gbit/s onto a veth):")
        for t in tail:
            print("  tcpreplay: " + t.strip())
        print("  sightline: packets %s, kernel drops %s, interface drops %s" % (
            stats.get("packets", stats.get("decode", {}).get("packets", "?")),
            cap_stats.get("kernel_drops", cap_stats.get("drops", "?")),
            cap_stats.get("ifdrops", "?")))
    finally:
        subprocess.run(["ip", "link", "del", "slb0"], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "del", ns])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--mb", type=int, default=512, help="size of the mixed capture (MB)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default=None, help="directory for the capture (default a temp dir)")
    ap.add_argument("--live", action="store_true", help="also run the tcpreplay veth test")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    subprocess.run(["meson", "compile", "-C", build, "sightline", "tests/bench/bare_read",
                    "tests/bench/mkmix"], stdout=subprocess.DEVNULL, check=True)
    work = a.work or tempfile.mkdtemp(prefix="sightline-bench-")
    cap = os.path.join(work, "mix.pcap")
    if not os.path.exists(cap):
        build_mix(build, cap, a.mb)
    pkts, nbytes = count_packets(build, cap)
    ncpu = os.cpu_count() or 1
    print("machine: %d cores; capture %s: %d packets, %.1f MB of packet data" % (
        ncpu, cap, pkts, nbytes / 1e6))
    bare_cmd = [os.path.join(build, "tests", "bench", "bare_read"), cap]
    sl_cmd = [os.path.join(build, "sightline"), "-q", "-o", "/dev/null", "-r", cap]
    bare = median_of(a.runs, lambda: run_timed(bare_cmd, cpu="0"))
    sens = median_of(a.runs, lambda: run_timed(sl_cmd, cpu="0"))
    print("one core, offline, median of %d:" % a.runs)
    line("bare pcap_next_ex loop", bare, pkts, nbytes)
    sl_rate = line("sightline (all parsers, intel, rules)", sens, pkts, nbytes, bare)
    if shutil.which("ndpiReader"):
        nd_cmd = ["ndpiReader", "-i", cap, "-q", "-v", "0"]
        nd = median_of(a.runs, lambda: run_timed(nd_cmd, cpu="0"))
        nd_rate = line("ndpiReader", nd, pkts, nbytes, bare)
        print("  sightline / ndpiReader: %.2fx" % (sl_rate / nd_rate))
    else:
        print("  ndpiReader: not installed (apt-get install libndpi-bin), no comparison")
    rss = peak_rss_kb(sl_cmd)
    st = sightline_stats(build, cap)
    fl = st.get("flow", {})
    print("memory: peak RSS %s kB; flow state %s bytes per flow; %s flows, at most %s at once" % (
        rss, fl.get("bytes_per_flow"), fl.get("created"), fl.get("active_max")))
    if supports(build, "--workers"):
        print("workers (offline, same capture, median of %d):" % a.runs)
        one = None
        for n in range(1, ncpu + 1):
            t = median_of(a.runs, lambda: run_timed(sl_cmd + ["--workers", str(n)]))
            one = one or t
            print("  %d worker(s): %8.3f s  %12.0f pkt/s  %.2fx of one worker" % (
                n, t, pkts / t, one / t))
    else:
        print("workers: this build has no --workers option")
    gen = os.path.join(build, "pcaps", "sl-pcapgen")
    flood = os.path.join(work, "million.pcap")
    r = subprocess.run([gen, "flood", "--syn", "1000000", "--udp", "0", flood],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode == 0 and os.path.exists(flood):
        cmd = [os.path.join(build, "sightline"), "-q", "-o", "/dev/null", "-r", flood,
               "--set", "flow.max_flows=1048576", "--set", "flow.timeout_tcp_new=86400"]
        print("1 M concurrent flows: peak RSS %s kB (target 524288 kB)" % peak_rss_kb(cmd))
    else:
        print("1 M concurrent flows: this build's sl-pcapgen has no flood mode")
    if a.live:
        live_test(build, cap)
    if not a.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
