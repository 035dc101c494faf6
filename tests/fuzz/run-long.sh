#!/usr/bin/env bash
# Run every fuzz harness of tests/fuzz/meson.build under libFuzzer (clang,
# ASan+UBSan), in ./build-fuzz (configured on first use).
#   tests/fuzz/run-long.sh HOURS     share HOURS (may be fractional) among the harnesses
#   tests/fuzz/run-long.sh --ci      CI: each harness a fixed number of runs (at most
#                                    120 s) from a fixed seed over a fresh corpus of its
#                                    seeds: run it before pushing to walk the inputs CI
#                                    will (libFuzzer is not bit-for-bit reproducible; it
#                                    comes close).  SL_FUZZ_SECONDS=N: N seconds each
#                                    instead, random seed, kept corpus
#   tests/fuzz/run-long.sh --ci NAME ...   only those harnesses (also with HOURS)
# Corpora grow in build-fuzz/fuzz-corpus/NAME (seeded from the harness's seed
# directories each run; kept between runs), crashes land in
# build-fuzz/fuzz-artifacts/NAME/, logs in build-fuzz/fuzz-logs/NAME.log.
# Exit 0 when no harness crashed, 1 otherwise (artifact paths and the replay
# command are printed), 2 on usage or build errors.
set -u
cd "$(dirname "$0")/../.."
usage() { sed -n '2,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
if [ "$1" = --ci ]; then
  shift
  if [ -n "${SL_FUZZ_SECONDS:-}" ]; then per=$SL_FUZZ_SECONDS; else ci=1; per=120; fi
elif [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  hours=$1; shift
else
  usage
fi
# The harness list and seeds come from the one table in tests/fuzz/meson.build.
mapfile -t table < <(python3 - <<'PY'
import re
text = open('tests/fuzz/meson.build').read()
body = text[text.index('fuzz_harnesses = ['):]
for m in re.finditer(r"\['(\w+)', \[([^\]]*)\]\]", body[:body.index('\n]')]):
    print(m.group(1), ' '.join(re.findall(r"'([^']+)'", m.group(2))))
PY
)
if [ $# -gt 0 ]; then
  want=" $* "; keep=()
  for row in "${table[@]}"; do [[ "$want" == *" ${row%% *} "* ]] && keep+=("$row"); done
  table=("${keep[@]}")
fi
[ ${#table[@]} -gt 0 ] || { echo "run-long: no such harness: $*"; exit 2; }
[ -n "${hours:-}" ] && per=$(python3 -c "print(max(10, int($hours * 3600 / ${#table[@]})))")

b=build-fuzz
if [ ! -f $b/build.ninja ]; then
  CC=clang meson setup $b -Dfuzzing_engine=libfuzzer -Db_sanitize=address,undefined \
    -Db_lundef=false >/dev/null || { echo "run-long: meson setup failed"; exit 2; }
fi
targets=(); for row in "${table[@]}"; do targets+=("tests/fuzz/fuzz_${row%% *}"); done
ninja -C $b -j2 "${targets[@]}" >/dev/null || { echo "run-long: build failed"; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# CI's runs per harness: about 5 s each on a CI machine fuzzing two at a time
# (a quarter of the executions 20 s runs made there; the mmdb harnesses use
# the slow unwinder, see below).  The time limit above is a
# backstop only.
declare -A ci_runs=(
  [config]=1300 [csv]=100000 [mmdb_build]=15000 [mmdb_open]=5000 [mmdb_asn]=4000
  [decode]=400000 [proto]=1000 [tls_hello]=350000 [quic]=85000 [names]=600
  [rules]=20000 [capture]=120 [roster]=150000 [pcapfile]=30000 [pipeline]=5000
  [pcapng]=30000 [identity]=1800 [report]=1500
)

# One harness: seed its corpus, fuzz for $per seconds, and leave a one-line
# verdict in $b/fuzz-logs/NAME.verdict (the first word is ok or CRASH).
fuzz_one() {
  local name=$1 seeds=$2
  local corpus=$b/fuzz-corpus/$name art=$b/fuzz-artifacts/$name log=$b/fuzz-logs/$name.log
  local verdict=$b/fuzz-logs/$name.verdict limit=(-max_total_time="$per")
  if [ -n "${ci:-}" ]; then
    corpus=$b/ci-corpus/$name; rm -rf "$corpus"
    limit=(-seed=1 -runs="${ci_runs[$name]:-20000}" -max_total_time="$per")
  fi
  mkdir -p "$corpus" "$art" "$(dirname "$log")"
  for s in $seeds; do
    if [ -d "$s" ]; then find "$s" -maxdepth 1 -type f -exec cp -n {} "$corpus/" \;
    else cp -n "$s" "$corpus/"; fi
  done
  # stderr of the target is closed (-close_fd_mask=2; libFuzzer and the
  # sanitizers still report): damaged-capture warnings would fill the log.
  # fuzz_pipeline reaches ~35 k features: libFuzzer's entropic scheduling
  # then spends over 80 % of the time re-weighting them (30 inputs/s instead
  # of hundreds under ASan), so that harness runs without it.
  local opts=() asan=$ASAN_OPTIONS
  [ "$name" = pipeline ] && opts=(-entropic=0)
  # libmaxminddb has no frame pointers: only the slow unwinder reaches the
  # MMDB_open frame that lsan.supp names (its own leak on bad metadata).
  [[ "$name" == mmdb_* ]] && asan+=:fast_unwind_on_malloc=0
  ASAN_OPTIONS=$asan ./$b/tests/fuzz/fuzz_$name "${limit[@]}" -max_len=65536 -timeout=25 \
    -close_fd_mask=2 -artifact_prefix="$art/" "${opts[@]}" "$corpus" >"$log" 2>&1
  local rc=$? execs secs
  execs=$(grep -Eo '^Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' || echo '?')
  secs=$(grep -Eo 'in [0-9]+ second' "$log" | tail -1 | grep -Eo '[0-9]+' || echo "$per")
  if [ $rc -ne 0 ]; then
    { echo "CRASH fuzz_$name (exit $rc): $(ls "$art" | head -3 | sed "s|^|$art/|" | tr '\n' ' ')"
      echo "  replay: build/tests/fuzz/fuzz_$name ARTIFACT   log: $log"; } >"$verdict"
  else
    echo "ok fuzz_$name: $execs executions in ${secs} s, corpus $(ls "$corpus" | wc -l) inputs" >"$verdict"
  fi
}

# As many harnesses at once as there are cores (SL_FUZZ_JOBS overrides):
# each libFuzzer process is single-threaded, so one at a time left the other
# cores idle and doubled CI's fuzzing time.  Verdicts print in table order.
jobs=${SL_FUZZ_JOBS:-$(nproc)}
for row in "${table[@]}"; do
  read -r name seeds <<<"$row"
  rm -f "$b/fuzz-logs/$name.verdict"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  fuzz_one "$name" "$seeds" &
done
wait
crashed=0
for row in "${table[@]}"; do
  name=${row%% *}
  v=$b/fuzz-logs/$name.verdict
  if [ ! -s "$v" ]; then echo "CRASH fuzz_$name: no verdict (the runner died)"; crashed=1; continue; fi
  cat "$v"
  grep -q '^CRASH' "$v" && crashed=1
done
exit $crashed
