#!/usr/bin/env bash
# Live capture end to end: two network namespaces joined by a veth pair (made
# here, removed on exit), sightline capturing on one end while the other
# pings it and sends UDP, then SIGTERM: every open flow must be written and
# the exit status must be 0.  Also: an unprivileged user gets a clear
# "permission denied" and exit 1.  Skips (77) without root or netns support.
set -u
sensor=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "skip: needs root for network namespaces"; exit 77; }
command -v ip >/dev/null && command -v ping >/dev/null || { echo "skip: needs iproute2 and ping"; exit 77; }
a=sl-live-a-$$ b=sl-live-b-$$
tmp=$(mktemp -d)
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
  ip netns del "$a" 2>/dev/null; ip netns del "$b" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$a" && ip netns add "$b" || { echo "skip: cannot create network namespaces"; exit 77; }
ip link add vl-a netns "$a" type veth peer name vl-b netns "$b" || exit 1
ip -n "$a" addr add 10.78.0.1/24 dev vl-a && ip -n "$a" link set vl-a up && ip -n "$a" link set lo up
ip -n "$b" addr add 10.78.0.2/24 dev vl-b && ip -n "$b" link set vl-b up

ip netns exec "$a" "$sensor" -i vl-a --allow-root -o "$tmp/eve.json" 2>"$tmp/stderr" &
pid=$!
sleep 1
ip netns exec "$b" ping -c 3 -i 0.2 10.78.0.1 >/dev/null || { echo "FAIL: ping across the veth failed"; exit 1; }
ip netns exec "$b" bash -c 'echo hello >/dev/udp/10.78.0.1/5140' 2>/dev/null
sleep 0.5
kill -TERM "$pid"
wait "$pid"; rc=$?; pid=
fail=0
[ "$rc" = 0 ] || { echo "FAIL: exit status $rc after SIGTERM"; cat "$tmp/stderr"; fail=1; }
grep -q '"proto":"ICMP","icmp_type":8' "$tmp/eve.json" || { echo "FAIL: no ICMP echo flow"; fail=1; }
grep -q '"dest_port":5140,"proto":"UDP"' "$tmp/eve.json" || { echo "FAIL: no UDP flow to 5140"; fail=1; }
grep -q '"event_type":"stats"' "$tmp/eve.json" || { echo "FAIL: no stats event"; fail=1; }
grep -q 'stopped by signal' "$tmp/stderr" || { echo "FAIL: no signal note on stderr"; fail=1; }
n=$(grep '"event_type":"flow"' "$tmp/eve.json" | grep -vc '"in_iface":"vl-a"')
[ "$n" = 0 ] || { echo "FAIL: $n flow events without in_iface vl-a"; fail=1; }

# Two workers: two handles in one PACKET_FANOUT group; every flow once.
ip netns exec "$a" "$sensor" -i vl-a --workers 2 --allow-root -q -o "$tmp/w2.json" 2>"$tmp/w2.err" &
pid=$!
sleep 1
ip netns exec "$b" ping -c 2 -i 0.2 10.78.0.1 >/dev/null
for port in 5141 5142 5143 5144 5145 5146; do
  ip netns exec "$b" bash -c "echo hi >/dev/udp/10.78.0.1/$port" 2>/dev/null
done
sleep 0.5
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ "$rc" = 0 ] || { echo "FAIL: --workers 2 exit $rc"; cat "$tmp/w2.err"; fail=1; }
for port in 5141 5142 5143 5144 5145 5146; do
  n=$(grep '"event_type":"flow"' "$tmp/w2.json" | grep -c "\"dest_port\":$port,\"proto\":\"UDP\"")
  [ "$n" = 1 ] || { echo "FAIL: --workers 2: UDP flow to $port reported $n times"; fail=1; }
done
n=$(grep '"event_type":"flow"' "$tmp/w2.json" | grep -c '"icmp_type":8')
[ "$n" = 1 ] || { echo "FAIL: --workers 2: ICMP echo flow reported $n times"; fail=1; }

# Permission denied on the interface, as an unprivileged user.  The build
# tree may be unreadable to uid 65534 (a clone under a mode-700 mktemp
# directory), which would stop the run before the interface: rules are off
# and the product signatures are read from a world-readable copy.
if command -v setpriv >/dev/null; then
  pub=$(mktemp -d); chmod 755 "$pub"; cp -r "$src/rules/products" "$pub/"
  cp "$src/pcaps/real/dns.pcap" "$pub/"; chmod -R a+rX "$pub"
  out=$(ip netns exec "$a" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
        "$sensor" -i vl-a -o /dev/null --set rules.enabled=false \
        --set identify.signatures="$pub/products" 2>&1); rc=$?
  [ "$rc" = 1 ] || { echo "FAIL: unprivileged capture exit $rc, expected 1: $out"; fail=1; }
  echo "$out" | grep -q 'vl-a: permission denied' || { echo "FAIL: message: $out"; fail=1; }
  # A program whose bundled files its user cannot read says so (not "missing").
  priv=$(mktemp -d); cp "$sensor" "$priv/"; cp -r "$src/rules" "$priv/"
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
        "$priv/$(basename "$sensor")" -r "$pub/dns.pcap" -o /dev/null 2>&1); rc=$?
  rm -rf "$priv" "$pub"
  [ "$rc" != 0 ] && echo "$out" | grep -q 'not readable by uid 65534' ||
    { echo "FAIL: unreadable bundled files, exit $rc: $out"; fail=1; }
fi
[ "$fail" = 0 ] && echo "ok: live capture, SIGTERM flush, permission message"
exit "$fail"
