#!/usr/bin/env python3
"""Tests of the HTML report (issue #20); standard library only.

    report_test.py SIGHTLINE SOURCE_ROOT OUTDIR browser|corpus|hostile [CORPUS]

browser  each subject scenario (pcaps/scenarios/*) is replayed with its config,
         `sightline report` makes the page twice (byte-identical), `--report` on
         the replay makes it too, and headless Chromium loads each page with the
         network blocked (a proxy to nowhere, every host name unresolvable),
         driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
         no port, nothing to race).  Checks: no console message of level error,
         no exception, no request but the file itself, a section for every
         subject of the events, every heat-map cell (read from the rendered
         DOM) equal to this script's own count of the subject's flow starts and
         sign-ins in that zone's day and hour (Python's zoneinfo), and a PNG
         screenshot saved in OUTDIR (sensor/report/report.png is one of them).
corpus   the same for the events of a whole corpus directory (skips, 77,
         without it).
hostile  hostile and truncated event files: clear errors naming file and line,
         exit codes, escaped text, and bounded output (subjects, rows).
Chromium missing: 77 with the package to install.
"""
import base64
import datetime
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zoneinfo

SKIP = 77
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd, cwd=None, ok=(0,)):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=600)
    if p.returncode not in ok:
        fail("%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()[-2000:]))
    return p


def read_events(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


# ---- the browser, over the DevTools protocol on fds 3/4 ---------------------

class Browser:
    def __init__(self, chromium, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # the child's ends above 4 first, so dup2 onto 3 and 4 never meets itself
        for name in ("to_chrome_r", "from_chrome_w"):
            fd = locals()[name]
            high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
            os.close(fd)
            if name == "to_chrome_r":
                to_chrome_r = high
            else:
                from_chrome_w = high

        def fds():
            os.dup2(to_chrome_r, 3)   # DevTools: chromium reads fd 3, writes fd 4
            os.dup2(from_chrome_w, 4)
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", "--user-data-dir=" + profile,
             "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-default-apps", "--window-size=1280,1600",
             "about:blank"],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        want = self.next_id
        while True:
            m = self.read()
            if m.get("id") == want:
                if "error" in m:
                    fail("DevTools %s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                fail("chromium closed the DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def wait_event(self, method):
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self.read()
            if m.get("method") == method:
                return m
            self.events.append(m)

    def close(self):
        try:
            os.write(self.to_chrome, json.dumps({"id": 0, "method": "Browser.close"}).encode()
                     + b"\0")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


DOM_DUMP = """JSON.stringify({
  sections: Array.from(document.querySelectorAll('section.subject')).map(function (s) {
    return {id: s.getAttribute('data-subject'),
            cells: Array.from(s.querySelectorAll('td[data-hm]')).map(function (c) {
              return [c.getAttribute('data-hm'), c.getAttribute('data-zone'),
                      +c.getAttribute('data-d'), +c.getAttribute('data-h'),
                      +c.textContent];
            })};
  }),
  svgs: document.querySelectorAll('svg').length
})"""


SECTION_BOX = """(function () {
  var s = document.querySelector('section.subject') || document.body;
  var r = s.getBoundingClientRect();
  return JSON.stringify({x: 0, y: Math.max(0, r.top + window.scrollY - 8), width: 1280,
                         height: Math.min(1500, Math.max(200, r.height + 16))});
})()"""


def load_page(chromium, page, shot):
    """Load page; returns (dom data, problems)."""
    profile = tempfile.mkdtemp(prefix="sl-report-chromium-")
    b = Browser(chromium, profile)
    problems = []
    try:
        targets = b.send("Target.getTargets")["targetInfos"]
        tid = next(t["targetId"] for t in targets if t["type"] == "page")
        sid = b.send("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        for dom in ("Page", "Runtime", "Network", "Log"):
            b.send(dom + ".enable", session=sid)
        url = "file://" + os.path.abspath(page)
        b.send("Page.navigate", {"url": url}, session=sid)
        b.wait_event("Page.loadEventFired")
        dom = json.loads(b.send("Runtime.evaluate", {"expression": DOM_DUMP,
                                                     "returnByValue": True},
                                session=sid)["result"]["value"])
        # the top subject's section (heat maps, map), else the page's top
        box = json.loads(b.send("Runtime.evaluate", {"expression": SECTION_BOX,
                                                     "returnByValue": True},
                                session=sid)["result"]["value"])
        png = b.send("Page.captureScreenshot",
                     {"format": "png", "captureBeyondViewport": True,
                      "clip": dict(box, scale=1)}, session=sid)["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(png))
        for m in b.events:
            meth, p = m.get("method"), m.get("params", {})
            if meth == "Network.requestWillBeSent" and p["request"]["url"] != url:
                problems.append("request to " + p["request"]["url"])
            elif meth == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                problems.append("console %s: %s" % (p["type"], p.get("args")))
            elif meth == "Runtime.exceptionThrown":
                problems.append("exception: %s" % p["exceptionDetails"].get("text"))
            elif meth == "Log.entryAdded" and p["entry"]["level"] == "error":
                problems.append("log error: %s" % p["entry"]["text"])
    finally:
        b.close()
        shutil.rmtree(profile, ignore_errors=True)
    return dom, problems


# ---- the checks --------------------------------------------------------------

def parse_time(s):
    if not isinstance(s, str):
        return None
    try:
        return datetime.datetime.strptime(s.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        try:
            return datetime.datetime.strptime(s.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None


def activity(events, sid):
    """The subject's flow starts and sign-in times."""
    out = []
    for e in events:
        if e.get("subject", {}).get("id") != sid:
            continue
        if e.get("event_type") == "flow":
            t = parse_time(e.get("flow", {}).get("start")) or parse_time(e.get("timestamp"))
        elif e.get("event_type") == "signin":
            t = parse_time(e.get("timestamp"))
        else:
            continue
        if t:
            out.append(t)
    return out


def check_heat(events, section):
    times = activity(events, section["id"])
    counts = {}
    for which, zone, d, h, n in section["cells"]:
        counts[(which, zone, d, h)] = n
    zones = sorted({(w, z) for w, z, _, _ in counts})
    if not any(w == "claimed" for w, _ in zones):
        fail("subject %s: no claimed-zone heat map in the page" % section["id"])
    for which, zone in zones:
        tz = zoneinfo.ZoneInfo(zone)
        want = {}
        for t in times:
            lt = t.astimezone(tz)
            want[(lt.weekday(), lt.hour)] = want.get((lt.weekday(), lt.hour), 0) + 1
        for d in range(7):
            for h in range(24):
                got = counts.get((which, zone, d, h))
                if got != want.get((d, h), 0):
                    fail("subject %s, %s zone %s, %s %02d:00: page says %s, events %d" % (
                        section["id"], which, zone, DAYS[d], h, got, want.get((d, h), 0)))
    return len(times)


def check_page(chromium, page, eve, shot, label):
    events = read_events(eve)
    dom, problems = load_page(chromium, page, shot)
    if problems:
        fail("%s: %s" % (label, "; ".join(problems[:5])))
    ids = {e["subject"]["id"] for e in events
           if isinstance(e.get("subject"), dict) and isinstance(e["subject"].get("id"), str)}
    shown = {s["id"] for s in dom["sections"]}
    if ids - shown:
        fail("%s: subjects without a section: %s" % (label, sorted(ids - shown)[:5]))
    cells = sum(check_heat(events, s) for s in dom["sections"])
    print("ok %s: %d subject section(s), %d activities recounted, no request, no console "
          "error, %s" % (label, len(shown), cells, shot))


def report_twice(sightline, eve, out, config, root):
    args = [sightline, "report", "-q", "--subjects", "100000", "-o"]
    cfg = ["-c", config] if config else []
    run(args + [out] + cfg + [eve], cwd=root)
    run(args + [out + ".again"] + cfg + [eve], cwd=root)
    with open(out, "rb") as a, open(out + ".again", "rb") as b:
        if a.read() != b.read():
            fail("%s: two reports of the same events differ" % out)
    os.unlink(out + ".again")


def scenario_pcaps(root, scen):
    """truth.yaml's pcaps: list (no YAML library needed for this shape)."""
    out, inside = [], False
    with open(os.path.join(scen, "truth.yaml")) as f:
        for line in f:
            if line.startswith("pcaps:"):
                inside = True
            elif inside and line.strip().startswith("- "):
                out.append(line.strip()[2:].strip())
            elif inside and line.strip() and not line.startswith(" "):
                break
    return out


def browser(sightline, root, outdir, chromium):
    sdir = os.path.join(root, "pcaps", "scenarios")
    for name in sorted(os.listdir(sdir)):
        scen = os.path.join(sdir, name)
        cfg = os.path.join(scen, "config.yaml")
        eve, page = os.path.join(outdir, name + ".json"), os.path.join(outdir, name + ".html")
        live = os.path.join(outdir, name + "-run.html")
        for p in (eve, page, live):
            if os.path.exists(p):
                os.unlink(p)
        pcaps = scenario_pcaps(root, scen)  # none: sign-in logs alone
        run([sightline, "-q", "-c", cfg, "-o", eve, "--report", live]
            + (["-r"] + pcaps if pcaps else []), cwd=root)
        report_twice(sightline, eve, page, cfg, root)
        check_page(chromium, page, eve, os.path.join(outdir, name + ".png"), name)
        # --report sees the same events as the file: the same page but the input's name
        with open(live) as a, open(page) as b:
            if a.read().replace("this run", eve) != b.read():
                fail("%s: --report and sightline report of the same events differ" % name)


def corpus(sightline, root, outdir, chromium, cdir):
    if not os.path.isdir(cdir):
        print("SKIP: no corpus at %s" % cdir)
        sys.exit(SKIP)
    eve, page = os.path.join(outdir, "corpus.json"), os.path.join(outdir, "corpus.html")
    if os.path.exists(eve):
        os.unlink(eve)
    run([sightline, "-q", "-o", eve, "-r", cdir], cwd=root, ok=(0, 1))
    report_twice(sightline, eve, page, None, root)
    check_page(chromium, page, eve, os.path.join(outdir, "corpus.png"), "corpus")


# ---- hostile input -------------------------------------------------------------

def hostile(sightline, outdir, root):
    def rep(files, out="r.html", ok=(0,), extra=()):
        return run([sightline, "report", "-q", "-o", os.path.join(outdir, out)] + list(extra)
                   + [os.path.join(outdir, f) if f != "-" else f for f in files], ok=ok)

    def write(name, data):
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)

    good = {"timestamp": "2026-03-02T14:00:00.000000+0000", "event_type": "flow", "host": "s1",
            "subject": {"id": "alice", "claimed": {"timezone": "America/Chicago"}},
            "flow": {"start": "2026-03-02T14:00:00.000000+0000"}}
    line = json.dumps(good).encode() + b"\n"
    write("empty.json", b"")
    p = rep(["empty.json"], ok=(2,))
    if "empty.json: no events" not in p.stderr:
        fail("empty file: %r" % p.stderr)
    write("binary.json", bytes(range(256)) * 64)
    p = rep(["binary.json"], ok=(2,))
    if "binary.json:1: not JSON" not in p.stderr or "no events" not in p.stderr:
        fail("binary file: %r" % p.stderr)
    p = rep(["missing.json"], ok=(2,))
    if "missing.json: cannot open" not in p.stderr:
        fail("missing file: %r" % p.stderr)
    # truncated mid-line (a copy cut short), a 5 MiB line, nesting past jansson's limit
    write("cut.json", line * 3 + line[:40])
    write("long.json", line + b'{"x": "' + b"a" * (5 << 20) + b'"}\n' + line)
    write("deep.json", line + b"[" * 5000 + b"]" * 5000 + b"\n")
    p = rep(["cut.json", "long.json", "deep.json"])
    for want in ("cut.json:4: not JSON", "long.json:2: line longer than 4 MiB",
                 "deep.json:2: not JSON"):
        if want not in p.stderr:
            fail("hostile lines: %r missing from %r" % (want, p.stderr))
    with open(os.path.join(outdir, "r.html")) as f:
        html = f.read()
    if "skipped" not in html:
        fail("the page does not say lines were skipped")
    # a SIEM export with flattened names reads as the nested events do
    flat = {"timestamp": good["timestamp"], "event_type": "flow", "subject.id": "alice",
            "subject.claimed.timezone": "America/Chicago", "flow.start": good["timestamp"]}
    write("flat.json", json.dumps(flat).encode() + b"\n")
    rep(["flat.json"])
    with open(os.path.join(outdir, "r.html")) as f:
        html = f.read()
    if 'data-subject="alice"' not in html or 'data-zone="America/Chicago" data-d="0" ' \
            'data-h="8">1<' not in html:
        fail("a flattened export's subject, zone or heat-map count is missing")
    # markup in every string the page shows is escaped
    evil = dict(good, host="<script>alert(1)</script>",
                subject={"id": "<img src=x onerror=alert(1)>", "name": "\"><svg onload=x>",
                         "claimed": {"city": "</td><script>", "timezone": "../../etc/passwd"}},
                event_type="alert", alert={"signature": "<b>x</b>", "scope": "subject",
                                           "score": "1e400"})
    write("evil.json", json.dumps(evil).encode() + b"\n" + line)
    rep(["evil.json"])
    with open(os.path.join(outdir, "r.html")) as f:
        html = f.read()
    for raw in ("<script>alert", "<img src=x", "<svg onload", "</td><script>", "<b>x</b>"):
        if raw in html:
            fail("unescaped text from the events in the page: %s" % raw)
    # bounded: 6000 subjects (4096 tracked), one subject with 20000 flows (200 rows)
    with open(os.path.join(outdir, "many.json"), "wb") as f:
        for i in range(20000):
            e = dict(good, subject={"id": "busy"}, community_id="1:%d" % i,
                     timestamp="2026-03-02T%02d:%02d:00.000000+0000" % (i // 60 % 24, i % 60))
            f.write(json.dumps(e).encode() + b"\n")
        for i in range(6000):
            e = dict(good, subject={"id": "s%05d" % i})
            f.write(json.dumps(e).encode() + b"\n")
    rep(["many.json"], extra=["--subjects", "50"])
    size = os.path.getsize(os.path.join(outdir, "r.html"))
    with open(os.path.join(outdir, "r.html")) as f:
        html = f.read()
    if html.count('<section class="subject"') != 50:
        fail("--subjects 50 wrote %d sections" % html.count('<section class="subject"'))
    if "4096 subject(s) in the events" not in html or "past the 4096 tracked" not in html:
        fail("the subject cap is not stated")
    if "19800 more" not in html:
        fail("the busy subject's timeline does not say 19800 more rows")
    if size > 8 << 20:
        fail("page of 26000 events is %d bytes" % size)
    # standard input, and an unwritable output
    p = subprocess.run([sightline, "report", "-q", "-o", "-", "-"], input=line * 2,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0 or b"(standard input): 2 event(s)" not in p.stdout:
        fail("standard input: %d %r" % (p.returncode, p.stderr))
    p = rep(["cut.json"], out="no/such/dir/r.html", ok=(1,))
    if "no/such/dir/r.html: cannot create" not in p.stderr:
        fail("unwritable output: %r" % p.stderr)
    # --report to a directory that is not there: refused before the replay writes anything
    eve = os.path.join(outdir, "refused.json")
    if os.path.exists(eve):
        os.unlink(eve)
    p = run([sightline, "-q", "-o", eve, "--report", os.path.join(outdir, "no/dir/r.html"),
             "-r", os.path.join(root, "pcaps", "real", "ssh.pcap")], ok=(2,))
    if "no/dir/r.html: cannot write there" not in p.stderr or os.path.exists(eve):
        fail("--report to a missing directory: %r" % p.stderr)
    print("ok hostile: errors name file and line; escaped; bounded (%d bytes for 26000 "
          "events)" % size)


def main():
    sightline, root, outdir, mode = sys.argv[1:5]
    sightline = os.path.abspath(sightline)
    os.makedirs(outdir, exist_ok=True)
    if mode == "hostile":
        return hostile(sightline, outdir, root)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP: no chromium (Debian: apt-get install chromium)")
        sys.exit(SKIP)
    if mode == "browser":
        browser(sightline, root, outdir, chromium)
    else:
        corpus(sightline, root, outdir, chromium, sys.argv[5])


if __name__ == "__main__":
    main()
