#!/usr/bin/env bash
# Single-core replay rate of sightline against a bare pcap_next_ex loop over
# the same input, medians of 5 runs each, measured in one run of this script
# (the machine is shared: compare the ratio, not the absolute figures).
#   tests/bench/replay_ratio.sh [CAPTURE] [REPEAT]
# CAPTURE defaults to the largest capture in ../shared/corpus; it is listed
# REPEAT times (default 200) so each run lasts long enough to time.
set -eu
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
cap=${1:-$(ls -S ../shared/corpus/*/*.pcap* 2>/dev/null | grep -v '\.out$' | head -1)}
rep=${2:-200}
[ -f "$cap" ] || { echo "no capture to measure (give one as the first argument)"; exit 2; }
meson compile -C "$build" sightline tests/bench/bare_read >/dev/null
files=(); for _ in $(seq "$rep"); do files+=("$cap"); done
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bare=(); sens=()
for _ in 1 2 3 4 5; do
  bare+=("$("$build/tests/bench/bare_read" "${files[@]}" | awk '{print $5}')")
  s0=$(date +%s.%N)
  taskset -c 0 "$build/sightline" -q -o /dev/null -r "${files[@]}"
  s1=$(date +%s.%N)
  sens+=("$(echo "$s1 - $s0" | bc)")
done
pk=$("$build/tests/bench/bare_read" "$cap" | awk '{print $1}')
total=$((pk * rep))
mb=$(printf '%s\n' "${bare[@]}" | median)
ms=$(printf '%s\n' "${sens[@]}" | median)
echo "input: $cap x $rep = $total packets"
printf 'bare pcap_next_ex loop: median %.3f s, %.0f packets/s\n' "$mb" "$(echo "$total / $mb" | bc -l)"
printf 'sightline (one core):   median %.3f s, %.0f packets/s\n' "$ms" "$(echo "$total / $ms" | bc -l)"
printf 'ratio sightline/bare:   %.2f\n' "$(echo "$mb / $ms" | bc -l)"
"$build/sightline" -q -o - -r "$cap" | tail -1 | python3 -c 'import json,sys; s=json.load(sys.stdin)["stats"]["flow"]; print("flow state: %d bytes per flow (%d of them the flow-table record and hash buckets, the rest parser state), capacity %d" % (s["bytes_per_flow"], s["table_bytes_per_flow"], s["capacity"]))'
