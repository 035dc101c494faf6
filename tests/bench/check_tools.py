#!/usr/bin/env python3
"""Test of the benchmark's tools (suite 'bench'; no timing is asserted):
zc_read counts what bare_read counts and refuses what is not a whole classic
pcap file; mixstat's packets, flows, packets per flow and services agree with
a reference count written here; mkmix --packets writes the same bytes twice,
its copies' flows are distinct; bench.py reuses a mix only for the same
recipe and stops on a short-flow mix that is not edge-shaped.
    check_tools.py BUILD_DIR WORKDIR
"""
import collections
import importlib.util
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAIL = []


def check(ok, what):
    if not ok:
        FAIL.append(what)


def run(*cmd):
    return subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def records(path):
    """(caplen data, original length) of each record of a little- or big-endian pcap."""
    with open(path, "rb") as f:
        data = f.read()
    end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    at = 24
    while at < len(data):
        _, _, caplen, length = struct.unpack(end + "IIII", data[at:at + 16])
        yield data[at + 16:at + 16 + caplen], length
        at += 16 + caplen


def flow_key(d):
    """Reference flow key: Ethernet (802.1Q tags), IPv4 or IPv6 without extension
    headers, ports of TCP/UDP; None for anything else."""
    off, et = 14, struct.unpack(">H", d[12:14])[0]
    while et in (0x8100, 0x88A8):
        et, off = struct.unpack(">H", d[off + 2:off + 4])[0], off + 4
    if et == 0x0800:
        proto, a, b, l4 = d[off + 9], d[off + 12:off + 16], d[off + 16:off + 20], \
            off + (d[off] & 15) * 4
    elif et == 0x86DD:
        proto, a, b, l4 = d[off + 6], d[off + 8:off + 24], d[off + 24:off + 40], off + 40
    else:
        return None
    ports = struct.unpack(">HH", d[l4:l4 + 4]) if proto in (6, 17) else (0, 0)
    return (proto,) + tuple(sorted([(a, ports[0]), (b, ports[1])]))


def check_readers(build, work):
    bare, zc = os.path.join(build, "tests/bench/bare_read"), os.path.join(build,
                                                                         "tests/bench/zc_read")
    classic = [os.path.join(ROOT, "pcaps/real", f) for f in ("dns.pcap", "ssh.pcap",
                                                               "quic.pcap", "tls13.pcap")]
    for caps in ([c] for c in classic), [classic]:
        for c in caps:
            want, got = run(bare, *c).stdout.split(), run(zc, *c).stdout.split()
            check(want[:4] == got[:4] and want[-1] == got[-1],
                  "zc_read counts %s, bare_read %s on %s" % (got, want, c))
    ike = os.path.join(ROOT, "pcaps/real/ike.pcap")         # pcapng
    r = run(zc, ike)
    check(r.returncode == 1 and b"pcapng" in r.stderr, "zc_read took a pcapng file: %s" % r)
    cut = os.path.join(work, "cut.pcap")
    with open(classic[1], "rb") as f, open(cut, "wb") as g:
        g.write(f.read()[:-7])
    r = run(zc, cut)
    check(r.returncode == 1 and b"runs past the end" in r.stderr,
          "zc_read took a capture cut mid-record: %s" % r)


def reference_shape(path):
    flows, pkts = collections.Counter(), 0
    for d, _ in records(path):
        pkts += 1
        k = flow_key(d)
        if k:
            flows[k] += 1
    v = sorted(flows.values())
    svc = collections.Counter()
    for k, n in flows.items():
        ports = {k[1][1], k[2][1]}
        name = {(17, 53): "dns", (6, 443): "tls", (17, 443): "quic"}
        for p in ports:
            if (k[0], p) in name:
                svc[name[(k[0], p)]] += 1
    return {"packets": pkts, "flows": len(v), "median": v[(len(v) + 1) // 2 - 1],
            "p90": v[-(-9 * len(v) // 10) - 1], "max": v[-1]}, svc


def check_mixstat(build, work, short):
    got = json.loads(run(os.path.join(build, "tests/bench/mixstat"), short).stdout)
    want, svc = reference_shape(short)
    for k, v in want.items():
        check(got[k] == v, "mixstat %s %s, reference %s" % (k, got[k], v))
    for k, v in svc.items():
        check(got["services"].get(k, {}).get("flows") == v,
              "mixstat %s flows %s, reference %d" % (k, got["services"].get(k), v))
    return got


def check_mkmix(build, work, short, one):
    mkmix, mixstat = (os.path.join(build, "tests/bench", t) for t in ("mkmix", "mixstat"))
    n = one["packets"]
    mixes = [os.path.join(work, "mix%d.pcap" % i) for i in (1, 2)]
    for m in mixes:
        r = run(mkmix, "--packets", str(2 * n), m, short)
        check(r.returncode == 0, "mkmix --packets failed: %s" % r.stderr)
    with open(mixes[0], "rb") as a, open(mixes[1], "rb") as b:
        check(a.read() == b.read(), "mkmix wrote different bytes from the same inputs")
    two = json.loads(run(mixstat, mixes[0]).stdout)
    check(two["packets"] == 2 * n and two["flows"] == 2 * one["flows"],
          "two copies hold %d packets in %d flows, one %d in %d" % (
              two["packets"], two["flows"], n, one["flows"]))
    r = run(mkmix, "--packets", "x", mixes[0], short)
    check(r.returncode == 2 and b"usage" in r.stderr, "mkmix took --packets x")


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", os.path.join(ROOT,
                                                                        "tests/bench/bench.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def check_bench(build, work):
    bench = load_bench()
    mixdir = os.path.join(work, "mixes")
    os.makedirs(mixdir, exist_ok=True)
    cap, rec = bench.build_mix(build, mixdir, "short", ["short", "--flows", "50"],
                               ["--packets", "5000"])
    first = os.stat(cap).st_mtime_ns
    cap2, rec2 = bench.build_mix(build, mixdir, "short", ["short", "--flows", "50"],
                                 ["--packets", "5000"])
    check(rec2 == rec and os.stat(cap2).st_mtime_ns == first,
          "bench.py rebuilt a mix whose recipe did not change")
    _, rec3 = bench.build_mix(build, mixdir, "short", ["short", "--flows", "50"],
                              ["--packets", "6000"])
    check(rec3["recipe"] != rec["recipe"] and rec3["shape"]["packets"] >= 6000,
          "bench.py reused a mix for another recipe")
    check(rec3["sha256"] == bench.file_sha256(cap), "bench.py recorded a wrong sha256")
    try:
        bench.check_shape(rec3["shape"], bench.SHORT_SHAPE["packets"])
        FAIL.append("bench.py accepted a %d-flow short mix" % rec3["shape"]["flows"])
    except SystemExit as e:
        check("not edge-shaped" in str(e), "bench.py stopped without saying why: %s" % e)


def main():
    build, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    short = os.path.join(work, "short.pcap")
    subprocess.run([os.path.join(build, "pcaps/sl-pcapgen"), "short", "--flows", "300",
                    "--seed", "3", short], check=True)
    check_readers(build, work)
    one = check_mixstat(build, work, short)
    check_mkmix(build, work, short, one)
    check_bench(build, work)
    for f in FAIL:
        print("FAIL " + f)
    if not FAIL:
        print("ok: readers agree, mixstat %d packets %d flows median %d, mkmix and bench.py "
              "recipes" % (one["packets"], one["flows"], one["median"]))
    return 1 if FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
