#!/usr/bin/env python3
"""`sightline rules check` on the catalogue of broken rule files: each file's
first line says `# expect: LINE:COL message fragment`; the check must exit 2
and print FILE:LINE:COL: with that fragment.  Then the bundled pack must pass
both `rules check` and `rules test`."""
import pathlib
import re
import subprocess
import sys


def run(*args):
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def broken(sightline, folder):
    failures = 0
    files = sorted(folder.glob("*.yml"))
    for f in files:
        m = re.match(r"# expect: (\d+:\d+) (.+)", f.read_text().splitlines()[0])
        if not m:
            print(f"{f}: first line must be '# expect: LINE:COL fragment'")
            failures += 1
            continue
        rc, out = run(sightline, "rules", "check", str(f))
        want = f"{f}:{m.group(1)}: "
        line = next((l for l in out.splitlines() if l.startswith(want)), None)
        if rc != 2 or line is None or m.group(2) not in line:
            print(f"FAIL {f.name}: exit {rc}, wanted {want}... containing {m.group(2)!r}\n{out}")
            failures += 1
    print(f"{len(files) - failures} of {len(files)} broken rule files rejected as expected")
    return failures, len(files)


def main():
    sightline, src = sys.argv[1], pathlib.Path(sys.argv[2])
    failures, n = broken(sightline, pathlib.Path(src / "tests/rules/broken"))
    if n < 15:
        print(f"only {n} broken cases; the catalogue must keep at least 15")
        failures += 1
    pack = str(src / "rules/sigma")
    for cmd, want in (("check", "rules OK"), ("test", " 0 failed")):
        rc, out = run(sightline, "rules", cmd, pack)
        if rc != 0 or want not in out:
            print(f"FAIL rules {cmd} {pack}: exit {rc}\n{out}")
            failures += 1
    # a failing example must be reported and give exit 1
    bad = src / "tests/rules/failing-example.yml"
    rc, out = run(sightline, "rules", "test", str(bad))
    if rc != 1 or "1 passed, 1 failed" not in out or f"{bad}:" not in out:
        print(f"FAIL rules test {bad}: exit {rc}\n{out}")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
