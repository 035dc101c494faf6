#!/bin/sh
# Rebuild the TLS fuzz seeds from the project's own captures (pcaps/real):
# raw ClientHello bodies for fuzz_tls_hello, and whole flows in the
# fuzz_proto input format (byte 0 = 0: TCP to port 443, see tests/fuzz/fuzz_proto.c; then
# [dir][len:2][payload] per packet).  Needs tshark.  Usage: gen_tls_seeds.sh SRCROOT
set -eu
root=$1; idx=0
out=$root/tests/fuzz/seeds
mkdir -p "$out/tls_hello" "$out/proto"
n=0
for cap in tls12 tls13; do
  tshark -r "$root/pcaps/real/$cap.pcap" -Y 'tls.handshake.type==1' -T fields -e tcp.payload 2>/dev/null |
  while read -r hex; do
    n=$((n + 1))
    # record header (5) + handshake header (4) = 18 hex digits before the body
    printf '%s' "$hex" | cut -c19- | xxd -r -p > "$out/tls_hello/$cap-$n.bin"
  done
done
tshark -r "$root/pcaps/real/tls12.pcap" -Y 'tls.handshake.type==11' -T fields -e tls.handshake.certificate 2>/dev/null |
  head -1 | cut -d, -f1 | xxd -r -p > "$out/tls_hello/cert.der"
flow() { # capture client-port name [max packets]
  tshark -r "$root/pcaps/real/$1.pcap" -Y "tcp.port==$2 && tcp.len>0" -T fields -e tcp.srcport -e tcp.payload 2>/dev/null |
  head -n "${4:-100}" | python3 -c '
import sys
idx, port, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
b = bytearray([idx])
for line in sys.stdin:
    sport, hexp = line.split()
    p = bytes.fromhex(hexp)
    b += bytes([0 if sport == port else 1]) + len(p).to_bytes(2, "big") + p
open(out, "wb").write(b)' "$idx" "$2" "$out/proto/$3"
}
flow tls13 42870 tls-clienthello.bin 1
flow tls12 42864 tls12-flight-cert.bin
flow tls13 42874 tls13-flow.bin
