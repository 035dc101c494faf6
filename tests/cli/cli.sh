#!/usr/bin/env bash
# The command line as a user meets it: help, version, usage errors, the
# config dump that loads back, the field list, and 'mmdb build' read back by
# mmdblookup.  Each check names what it expects.
set -u
s=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
expect() { # expect NAME WANT_STATUS REGEX -- command...
  local name=$1 want=$2 rx=$3; shift 4
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ] || ! grep -Eq -- "$rx" <<<"$out"; then
    echo "FAIL $name: exit $rc (want $want), output:"; echo "$out" | head -5; fail=1
  else echo "ok $name"; fi
}
expect help 0 'sightline -r FILE_OR_DIR' -- "$s" --help
expect version 0 '^sightline [0-9]+\.[0-9]+' -- "$s" --version
expect no-input 2 'nothing to read' -- "$s"
expect both-inputs 2 'either -r or -i' -- "$s" -r x -i y
expect bad-option 2 'unknown option' -- "$s" --frobnicate
expect stray-arg 2 'after -r' -- "$s" foo.pcap
expect list-fields 0 '^community_id +string' -- "$s" --list-fields
expect bad-set 2 "unknown key \(did you mean 'flow.max_flows'\?\)" -- "$s" --set flow.max_flow=3 -r x
expect missing-config 2 'nope.yaml' -- "$s" -c "$tmp/nope.yaml" -r x

# Bad-input catalogue (issue #8) not covered by tests/pcap: exact status and message.
src=$(cd "$(dirname "$0")/../.." && pwd)
dns="$src/pcaps/real/dns.pcap"
: >"$tmp/empty.pcap"; printf 'x' >"$tmp/short.pcap"
expect empty-file 2 "empty.pcap: empty file, not a capture$" -- "$s" -o /dev/null -r "$tmp/empty.pcap"
expect short-file 2 'short.pcap: only 1 bytes: too short for a pcap or pcapng header' -- "$s" -o /dev/null -r "$tmp/short.pcap"
printf 'flow:\n  max_flows: [1, 2\n' >"$tmp/syntax.yaml"
expect yaml-syntax 2 "syntax.yaml:3:1: YAML syntax error: did not find expected ',' or ']'" -- "$s" -c "$tmp/syntax.yaml" -o /dev/null -r "$dns"
printf 'flow:\n  max_flow: 5000\n' >"$tmp/unknown.yaml"
expect yaml-unknown-key 2 "unknown.yaml:2:3: unknown key 'flow.max_flow' \(did you mean 'flow.max_flows'\?\)" -- "$s" -c "$tmp/unknown.yaml" -o /dev/null -r "$dns"
printf 'flow:\n  max_flows: lots\n' >"$tmp/type.yaml"
expect yaml-wrong-type 2 "type.yaml:2:14: flow.max_flows: expected a whole number \(flows\), got 'lots'" -- "$s" -c "$tmp/type.yaml" -o /dev/null -r "$dns"
printf 'output:\n  summary: maybe\n' >"$tmp/bool.yaml"
expect yaml-wrong-bool 2 "bool.yaml:2:12: output.summary: expected true or false, got 'maybe'" -- "$s" -c "$tmp/bool.yaml" -o /dev/null -r "$dns"
expect output-missing-dir 2 'nodir/eve.json: cannot open the EVE output: No such file or directory; create the directory first' -- "$s" -q -o "$tmp/nodir/eve.json" -r "$dns"
printf 'databases:\n  - {path: %s/missing.mmdb, schema: maxmind}\n' "$tmp" >"$tmp/db.yaml"
expect database-missing 2 'missing.mmdb: cannot open the database: No such file or directory' -- "$s" -q -c "$tmp/db.yaml" -o /dev/null -r "$dns"

# librdkafka and librelp are opened when an output needs them: one that cannot be
# loaded refuses the output at start, naming the file (here a missing one).
printf 'outputs:\n  - {type: kafka, brokers: "127.0.0.1:9", topic: t}\n' >"$tmp/kafka.yaml"
expect kafka-lib-missing 2 "cannot load /nonexistent/librdkafka.so.1 from SIGHTLINE_LIBRDKAFKA" -- env SIGHTLINE_LIBRDKAFKA=/nonexistent/librdkafka.so.1 "$s" -q -c "$tmp/kafka.yaml" -r "$dns"
printf 'outputs:\n  - {type: relp, address: "127.0.0.1:9"}\n' >"$tmp/relp.yaml"
expect relp-lib-missing 2 "cannot load /nonexistent/librelp.so.0 from SIGHTLINE_LIBRELP" -- env SIGHTLINE_LIBRELP=/nonexistent/librelp.so.0 "$s" -q -c "$tmp/relp.yaml" -r "$dns"

# Rule packs and rosters given to a replay: refused before any packet, with FILE:LINE:COL.
mkdir -p "$tmp/rules"
printf 'title: t\nid: t1\nlevel: low\nscore: 10\nfamily: x\ndetection:\n  sel:\n    remote.contry: KP\n  condition: sel\n' >"$tmp/rules/bad.yml"
expect rules-unknown-field 2 "rules/bad.yml:8:5: unknown field 'remote.contry' \(did you mean 'remote.country'\? see sightline --list-fields\)" -- "$s" -q -o /dev/null -R "$tmp/rules" -r "$dns"
printf 'people:\n  - name: a\n    ip: 203.0.113.7\n    timezone: Mars/Olympus_Mons\n' >"$tmp/tz.yaml"
expect roster-bad-zone 2 "tz.yaml:4:15: timezone: time zone 'Mars/Olympus_Mons': cannot open .*check the spelling against the IANA list" -- "$s" -q -o /dev/null --roster "$tmp/tz.yaml" -r "$dns"
printf 'people:\n  - name: a\n    emial: x\n' >"$tmp/key.yaml"
expect roster-unknown-key 2 "key.yaml:3:5: unknown key 'emial'; known keys: name, ip" -- "$s" -q -o /dev/null --roster "$tmp/key.yaml" -r "$dns"
printf 'people:\n  - name: a\n    lat: [1, 2]\n' >"$tmp/rtype.yaml"
expect roster-wrong-type 2 "rtype.yaml:3:10: .*expected a single value, got a list" -- "$s" -q -o /dev/null --roster "$tmp/rtype.yaml" -r "$dns"
printf 'people: [\n  - name: a\n' >"$tmp/rsyntax.yaml"
expect roster-yaml-syntax 2 "rsyntax.yaml:.*YAML syntax error" -- "$s" -q -o /dev/null --roster "$tmp/rsyntax.yaml" -r "$dns"
cp "$s" "$tmp/alone"
expect products-bundled-missing 2 "the bundled product signatures are missing: give a directory with identify.signatures" -- "$tmp/alone" -q -o /dev/null -r "$dns"
products="$(cd "$(dirname "$s")" && pwd)/rules/products"
expect rules-bundled-missing 2 "the bundled rule pack is missing: give one with -R PATH, or run without rules: --set rules.enabled=false" -- "$tmp/alone" -q -o /dev/null --set identify.signatures="$products" -r "$dns"

# Product signatures: a user's brand file checked, tested and loaded with no
# rebuild; a mistake is an error at FILE:LINE:COL that names the key.
mkdir -p "$tmp/brands"
cat >"$tmp/brands/acme.yml" <<'YML'
family: vpn
signatures:
  - product: acme-vpn
    reference: https://vpn.example.com/docs
    hosts: ["*.acmevpn.example"]
    certificates: [{o: Acme VPN Ltd}]
    tests:
      match: [{host: gw1.acmevpn.example}, {cert.subject: "CN=gw1,O=Acme VPN Ltd"}]
      nomatch: [{host: acmevpn.example.org}]
YML
expect products-check-user 0 '^1 product signatures OK' -- "$s" rules check --products "$tmp/brands"
expect products-test-user 0 '3 passed, 0 failed' -- "$s" rules test --products "$tmp/brands"
expect products-test-bundled 0 'passed, 0 failed \(product signatures\)' -- "$s" rules test
printf 'family: vpn\nsignatures:\n  - product: x\n    reference: https://e.example\n    hots: [a.example]\n' >"$tmp/bad-sig.yml"
expect products-unknown-key 2 "bad-sig.yml:5:5: unknown key 'hots' in a signature" -- "$s" rules check --products "$tmp/bad-sig.yml"
expect products-bad-start 2 "bad-sig.yml:5:5: unknown key 'hots'.*rules check --products" -- "$s" -q -o /dev/null --set identify.extra_signatures="$tmp/bad-sig.yml" -r "$dns"

# --dump-config output loads back and dumps identically, with a change kept.
"$s" --set flow.max_flows=5000 --set home_networks=10.0.0.0/8 --dump-config >"$tmp/c.yaml"
"$s" -c "$tmp/c.yaml" --dump-config >"$tmp/c2.yaml"
if cmp -s "$tmp/c.yaml" "$tmp/c2.yaml" && grep -q 'max_flows: 5000' "$tmp/c2.yaml"; then echo "ok dump-roundtrip"
else echo "FAIL dump-roundtrip"; diff "$tmp/c.yaml" "$tmp/c2.yaml" | head; fail=1; fi

# mmdb build
printf '# DPRK address space\n175.45.176.0/22,dprk,country=KP\n2001:db8::/32,doc-v6\n' >"$tmp/dprk.csv"
printf '175.45.177.0/24,tor,anon.tor=true\n' >"$tmp/tor.csv"
expect mmdb-build 0 'wrote .*intel.mmdb from 2 list' -- "$s" mmdb build "$tmp/dprk.csv" "$tmp/tor.csv" "$tmp/intel.mmdb"
expect mmdb-help 0 'most specific' -- "$s" mmdb build --help
expect mmdb-missing 2 'nope.csv' -- "$s" mmdb build "$tmp/nope.csv" "$tmp/x.mmdb"
printf 'cidr,label\n1.2.3.4/8,x\n' >"$tmp/bad.csv"
expect mmdb-bad-cidr 2 'bad.csv:2: ' -- "$s" mmdb build "$tmp/bad.csv" "$tmp/x.mmdb"
expect mmdb-no-output 2 'give at least one' -- "$s" mmdb build "$tmp/dprk.csv"
if command -v mmdblookup >/dev/null; then
  expect mmdblookup-overlap 0 '"tor"' -- mmdblookup --file "$tmp/intel.mmdb" --ip 175.45.177.9 label
  expect mmdblookup-lists 0 '"dprk".*' -- mmdblookup --file "$tmp/intel.mmdb" --ip 175.45.177.9 lists 0
  expect mmdblookup-v6 0 '"doc-v6"' -- mmdblookup --file "$tmp/intel.mmdb" --ip 2001:db8::1 label
  expect mmdblookup-miss 6 'Could not find an entry' -- mmdblookup --file "$tmp/intel.mmdb" --ip 8.8.8.8
fi

# Sign-in logs (issue #16): identity check on the sample exports, a file of
# no known format, bad records, the json format through a config, and the
# refusal to pretend sign-ins join a capture.
ids="$src/tests/identity"
expect identity-samples 0 'entra-graph-page.json: 8 records \(file, newest first: read backwards\)' -- "$s" identity check "$ids/okta-export.json" "$ids/okta-api.jsonl" "$ids/entra-graph-page.json" "$ids/entra-portal.json"
expect identity-counts 0 'sign-ins     10: okta 10; success 8, failure 2, unknown 0' -- "$s" --identity "$ids/okta-api.jsonl" --identity-check
expect identity-unknown 2 'dns.pcap:1: not a known sign-in log format: it starts with binary data' -- "$s" identity check "$dns"
printf '"Time","Actor","Event Type","IP Address"\n"2024-03-05T14:03:11Z","bob@example.com","user.session.start","198.51.100.23"\n' >"$tmp/okta.csv"
expect identity-csv 2 'okta.csv:1: .*export the log as JSON, not CSV' -- "$s" identity check "$tmp/okta.csv"
expect identity-missing 2 'nope.json: cannot open the sign-in log: No such file or directory' -- "$s" --identity "$tmp/nope.json" --identity-check
{ head -n 2 "$ids/okta-api.jsonl"; echo '{"published":"2024-03-05T13:59:00Z","eventType":"user.session.start","actor":{"alternateId":"x@example.com"},"client":{"ipAddress":"192.0.2.400"}}'; tail -n 1 "$ids/okta-api.jsonl"; } >"$tmp/bad.jsonl"
expect identity-bad-record 1 "bad.jsonl:3: client.ipAddress '192.0.2.400' is not an IPv4 or IPv6 address \(bad_address\); record skipped" -- "$s" identity check "$tmp/bad.jsonl"
sabs=$(cd "$(dirname "$s")" && pwd)/$(basename "$s")
(cd "$ids" && expect identity-json 0 'sign-ins     4: json 4; success 3, failure 1' -- "$sabs" identity check -c vpn-connect.yaml; exit $fail) || fail=1
expect identity-format-flag 2 'usable entra sign-in' -- "$s" identity check --format entra "$ids/okta-api.jsonl"
printf 'identity:\n  sources:\n    - path: x.jsonl\n      format: json\n' >"$tmp/idjson.yaml"
expect identity-config-json 2 'idjson.yaml:3:7: identity.sources\[0\]: format json needs fields.time' -- "$s" -c "$tmp/idjson.yaml" --identity-check
expect identity-with-capture 0 '"event_type":"signin","src_ip":"175.45.176.17"' -- "$s" -q -o - --identity "$ids/okta-api.jsonl" -r "$dns"
expect identity-alone 0 'sign-ins: .*okta-api.jsonl: 10 \(success 8, failure 2\)' -- "$s" -o /dev/null --identity "$ids/okta-api.jsonl"
expect identity-alone-unreadable 2 'nope.jsonl: cannot open the sign-in log' -- "$s" -o /dev/null --identity "$tmp/nope.jsonl"
printf 'identity:\n  sources:\n    - socket: %s/id.sock\n' "$tmp" >"$tmp/idsock.yaml"
expect identity-socket-named 0 'id.sock: a socket: not read \(sightline identity check --wait SECONDS' -- "$s" identity check -c "$tmp/idsock.yaml"
# --wait: a collector on the stream socket sends two records; SIGTERM ends the wait.
"$s" identity check --wait 30 -c "$tmp/idsock.yaml" >"$tmp/wait.out" 2>&1 & wpid=$!
for _ in $(seq 100); do [ -S "$tmp/id.sock" ] && break; sleep 0.05; done
python3 - "$tmp/id.sock" "$ids/okta-api.jsonl" <<'PY'
import socket, sys
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1])
c.sendall(b''.join(open(sys.argv[2], 'rb').readlines()[:2])); c.close()
PY
sleep 0.5; kill -TERM $wpid; wait $wpid; wrc=$?
if [ $wrc = 0 ] && grep -q 'sign-ins     2: okta 2' "$tmp/wait.out" && [ ! -e "$tmp/id.sock" ]; then echo "ok identity-wait-stream"
else echo "FAIL identity-wait-stream: exit $wrc"; cat "$tmp/wait.out"; fail=1; fi
expect identity-usage 2 'Usage: sightline identity check' -- "$s" identity frobnicate
expect identity-help 0 'Graph' -- "$s" identity --help

# Progress line: only on a terminal (script(1) gives one), never in a pipe.
many=(); for _ in $(seq 4000); do many+=("$src/pcaps/real/tls12.pcap"); done
printf '%q ' "$s" -o /dev/null --set output.progress_interval=100 -r "${many[@]}" >"$tmp/prog.sh"
if command -v script >/dev/null; then
  if script -qc "bash $tmp/prog.sh" /dev/null | tr '\r' '\n' | grep -Eq '^sightline: +[0-9.]+% of input, file [0-9]+/4000, [0-9]+ packets, [0-9]+ packets/s'; then
    echo "ok progress-on-tty"
  else echo "FAIL progress-on-tty: no progress line on a terminal"; fail=1; fi
fi
if bash "$tmp/prog.sh" 2>&1 | grep -q '% of input'; then
  echo "FAIL progress-in-pipe: progress line written to a pipe"; fail=1
else echo "ok progress-in-pipe"; fi

# SIGINT during an offline replay: stop reading, write the open flows and the
# stats event, exit 0.
many=(); for _ in $(seq 20000); do many+=("$src/pcaps/real/tls12.pcap"); done  # ~900k packets
"$s" -o "$tmp/sig.json" -r "${many[@]}" 2>"$tmp/sig.err" &
pid=$!
# Signal mid-replay: once events have reached the file (flows of earlier
# files end as the same tuples reopen), not on a timer that a fast machine
# beats or a loaded one never reaches.
for _ in $(seq 1000); do
  [ -s "$tmp/sig.json" ] && break
  sleep 0.01
done
kill -INT "$pid"; wait "$pid"; rc=$?
files_read=$(tail -1 "$tmp/sig.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["capture"]["files"])' 2>/dev/null)
if [ "$rc" = 0 ] && grep -q 'stopped by signal' "$tmp/sig.err" && [ -n "$files_read" ] && [ "$files_read" -lt 20000 ] &&
   grep -q '"event_type":"flow"' "$tmp/sig.json"; then
  echo "ok sigint-offline ($files_read of 20000 files read, flows and stats written)"
else echo "FAIL sigint-offline: exit $rc, files $files_read"; head -3 "$tmp/sig.err"; fail=1; fi

# The service manager's readiness protocol (NOTIFY_SOCKET, sd_notify): READY=1
# once the capture is open, STOPPING=1 when reading ends, in that order; a
# socket that cannot be reached is a warning, not an error.
got=$(python3 - "$s" "$src/pcaps/real/dns.pcap" "$tmp" <<'PY'
import os, socket, subprocess, sys
s, cap, tmp = sys.argv[1:]
path = os.path.join(tmp, "notify.sock")
so = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); so.bind(path); so.settimeout(10)
r = subprocess.run([s, "-q", "-r", cap, "-o", "/dev/null"], env=dict(os.environ, NOTIFY_SOCKET=path))
lines = []
so.settimeout(0.5)
try:
    while True:
        lines.append(so.recv(256).decode())
except socket.timeout:
    pass
print(r.returncode, " ".join(lines))
PY
)
if [ "$got" = "0 READY=1 STOPPING=1" ]; then echo "ok notify-socket"
else echo "FAIL notify-socket: got '$got', expected '0 READY=1 STOPPING=1'"; fail=1; fi
err=$(NOTIFY_SOCKET=/nonexistent/notify "$s" -q -r "$src/pcaps/real/dns.pcap" -o /dev/null 2>&1); rc=$?
if [ "$rc" = 0 ] && echo "$err" | grep -q 'NOTIFY_SOCKET=/nonexistent/notify: cannot connect'; then
  echo "ok notify-socket-unreachable"
else echo "FAIL notify-socket-unreachable: exit $rc: $err"; fail=1; fi
exit $fail
