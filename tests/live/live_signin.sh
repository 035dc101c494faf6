#!/usr/bin/env bash
# Live sign-ins joined with live capture: a sensor on a veth in a namespace made
# here, with a datagram identity socket and a followed sign-in file.  An Okta
# record pushed into the socket and an Entra ID record appended to the file
# after the sensor started bind two accounts to two addresses of the other
# namespace; the UDP flows from those addresses must be charged to the people
# the roster lists for the accounts, and both sign-ins must be signin events.
# Skips (77) without root or netns support.
set -u
sensor=$1
[ "$(id -u)" = 0 ] || { echo "skip: needs root for network namespaces"; exit 77; }
command -v ip >/dev/null && command -v python3 >/dev/null || { echo "skip: needs iproute2 and python3"; exit 77; }
a=sl-sig-a-$$ b=sl-sig-b-$$
tmp=$(mktemp -d)
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
  ip netns del "$a" 2>/dev/null; ip netns del "$b" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$a" && ip netns add "$b" || { echo "skip: cannot create network namespaces"; exit 77; }
ip link add vs-a netns "$a" type veth peer name vs-b netns "$b" || exit 1
ip -n "$a" addr add 10.79.0.1/24 dev vs-a && ip -n "$a" link set vs-a up && ip -n "$a" link set lo up
ip -n "$b" addr add 10.79.0.2/24 dev vs-b && ip -n "$b" addr add 10.79.0.3/24 dev vs-b
ip -n "$b" link set vs-b up

cat >"$tmp/roster.yaml" <<'YAML'
people:
  - name: Carol Davis
    accounts: [carol.davis@example.com]
  - name: Dan Ito
    accounts: [dan.ito@example.com]
YAML
cat >"$tmp/sensor.yaml" <<YAML
sensor: {vantage: edge}
home_networks: [10.79.0.1/32]
scoring: {roster: $tmp/roster.yaml}
identity:
  sources:
    - socket: $tmp/id.sock
      socket_type: datagram
    - path: $tmp/entra.jsonl
      mode: follow
      format: entra
YAML
ip netns exec "$a" "$sensor" -c "$tmp/sensor.yaml" -i vs-a --allow-root -q -o "$tmp/eve.json" 2>"$tmp/stderr" &
pid=$!
for _ in $(seq 50); do [ -S "$tmp/id.sock" ] && break; sleep 0.1; done
[ -S "$tmp/id.sock" ] || { echo "FAIL: the identity socket was not created"; cat "$tmp/stderr"; exit 1; }
python3 - "$tmp" <<'PY' || { echo "FAIL: could not push the sign-ins"; exit 1; }
import datetime, json, socket, sys
tmp = sys.argv[1]
now = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1))
t = now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
okta = {"published": t, "eventType": "user.session.start", "outcome": {"result": "SUCCESS"},
        "actor": {"alternateId": "Carol.Davis@example.com"}, "client": {"ipAddress": "10.79.0.2"}}
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(json.dumps(okta).encode(), tmp + "/id.sock")
entra = {"createdDateTime": t, "userPrincipalName": "dan.ito@example.com", "ipAddress": "10.79.0.3",
         "status": {"errorCode": 0}, "appDisplayName": "Microsoft Teams"}
with open(tmp + "/entra.jsonl", "a") as f:
    f.write(json.dumps(entra) + "\n")
PY
sleep 1.5   # the file is looked at each pass of the loop (at least every 200 ms)
ip netns exec "$b" python3 - <<'PY'
import socket
for src, port in (("10.79.0.2", 5150), ("10.79.0.3", 5151)):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.sendto(b"hello", ("10.79.0.1", port))
PY
sleep 0.5
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
fail=0
[ "$rc" = 0 ] || { echo "FAIL: exit status $rc after SIGTERM"; cat "$tmp/stderr"; fail=1; }
check() { # check WHAT PYTHON-CONDITION-ON-e
  python3 - "$tmp/eve.json" "$2" <<'PY' || { echo "FAIL: $1"; fail=1; }
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
g = lambda e, p: (lambda v: v)(__import__("functools").reduce(lambda d, k: d.get(k, {}) if isinstance(d, dict) else {}, p.split("."), e))
sys.exit(0 if any(eval(sys.argv[2]) for e in ev) else 1)
PY
}
check "Carol's sign-in from the socket is no signin event" \
  'e["event_type"] == "signin" and g(e, "signin.account") == "Carol.Davis@example.com" and g(e, "subject.id") == "Carol Davis"'
check "Dan's sign-in from the followed file is no signin event" \
  'e["event_type"] == "signin" and g(e, "signin.format") == "entra" and g(e, "subject.id") == "Dan Ito"'
check "the flow from 10.79.0.2 is not charged to Carol Davis through her binding" \
  'e["event_type"] == "flow" and e.get("dest_port") == 5150 and g(e, "subject.id") == "Carol Davis" and g(e, "subject.account") == "Carol.Davis@example.com"'
check "the flow from 10.79.0.3 is not charged to Dan Ito" \
  'e["event_type"] == "flow" and e.get("dest_port") == 5151 and g(e, "subject.id") == "Dan Ito"'
[ "$fail" = 0 ] || { cat "$tmp/stderr"; grep -v '"stats"' "$tmp/eve.json" | cut -c1-400; }
[ "$fail" = 0 ] && echo "ok: live sign-ins from a socket and a followed file charge live flows"
exit "$fail"
