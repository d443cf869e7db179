#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, LeakSanitizer on) and runs each for a
# bounded time (default 60 s). Any crash, hang, leak or sanitizer report fails the run; the
# input that caused it is left in out/fuzz/<target>/ (crash-*, leak-*, timeout-*).
# Run them longer with e.g.: bash scripts/fuzz.sh 3600   (or one target: TARGETS=snapshot ...)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
seed="${FUZZ_SEED:-1}"  # fixed by default, so a CI failure can be replayed; FUZZ_SEED=0 draws one
bash scripts/install-deps.sh --fuzz
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
for target in ${TARGETS:-package manifest scenario snapshot repro run results}; do
  work="out/fuzz/$target"
  mkdir -p "$work/corpus"
  cp -n fuzz/corpus/"$target"/* "$work/corpus/" 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s"
  status=0
  (cd "$work" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "../../../build/fuzz/fuzz/${target}_fuzzer" corpus -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1) > "$work/log.txt" 2>&1 || status=$?
  grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|SUMMARY)" "$work/log.txt" || true
  if [ "$status" -ne 0 ]; then
    tail -40 "$work/log.txt"
    echo "fuzz: $target FAILED (exit $status; the input is in $work)"
    exit 1
  fi
done
echo "fuzz: every target ran clean"
