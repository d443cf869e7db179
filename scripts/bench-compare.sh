#!/usr/bin/env bash
# Runs per CPU-second of this tree's hotsim against another revision's, side by side (issue 16).
#
# Builds REV's hotsim in a scratch directory (git archive: REV's own files only), builds this
# tree's, then runs both binaries on the same scenario files (this tree's; REV's binary reads
# them as they are) and the same seeds, alternating A B A B so drift hits both alike, one job
# each. Per scenario it prints the runs, each binary's CPU seconds (user + sys, the least of
# the rounds) and the ratio of runs per CPU-second; a scenario one binary cannot read (exit 2)
# or runs a different number of times is named and left out of the total.
#
# Usage: bash scripts/bench-compare.sh REV [SCENARIO.toml|DIR ...]   (default: scenarios/default)
#   SEEDS    seeds per scenario and policy (default: each scenario's own)
#   ROUNDS   alternations per scenario; the least CPU time of each binary counts (default 3)
#   COMPARE_DIR  scratch directory (default /tmp/hotsim-bench-compare)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if [ $# -lt 1 ]; then
  echo "usage: bash scripts/bench-compare.sh REV [SCENARIO.toml|DIR ...]" >&2
  exit 2
fi
rev=$1
shift
rev_sha=$(git rev-parse --verify --quiet "$rev^{commit}") || {
  echo "bench-compare: '$rev' is not a revision of this repository" >&2
  exit 2
}
inputs=("$@")
[ ${#inputs[@]} -eq 0 ] && inputs=(scenarios/default)
work=${COMPARE_DIR:-/tmp/hotsim-bench-compare}
rounds=${ROUNDS:-3}
seeds_flag=()
[ -n "${SEEDS:-}" ] && seeds_flag=(--seeds "$SEEDS")

bash scripts/install-deps.sh

# The scenario files, one per line (directories expanded as hotsim expands them: *.toml).
files=()
for input in "${inputs[@]}"; do
  if [ -d "$input" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$input" -maxdepth 1 -name '*.toml' | sort)
  elif [ -f "$input" ]; then
    files+=("$input")
  else
    echo "bench-compare: $input: no such scenario file or directory" >&2
    exit 2
  fi
done

echo "bench-compare: building $rev (${rev_sha:0:12}) in $work/rev"
rm -rf "$work/rev"
mkdir -p "$work/rev"
git archive "$rev_sha" | tar -x -C "$work/rev"
(cd "$work/rev" && cmake --preset default >/dev/null && cmake --build --preset default -j "$(nproc)" --target hotsim >"$work/rev-build.log" 2>&1) || {
  echo "bench-compare: $rev does not build; see $work/rev-build.log" >&2
  exit 1
}
echo "bench-compare: building this tree"
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target hotsim >"$work/head-build.log" 2>&1 || {
  echo "bench-compare: this tree does not build; see $work/head-build.log" >&2
  exit 1
}
old_bin=$work/rev/build/default/cli/hotsim
new_bin=$root/build/default/cli/hotsim

# One run: prints "RUNS CPU_SECONDS EXIT" (RUNS from hotsim's summary line "N runs (").
measure() {
  local bin=$1 file=$2 out=$work/out-$$ log=$work/run.log code runs cpu
  rm -rf "$out"
  local TIMEFORMAT='%U %S'
  set +e
  { time "$bin" run "$file" "${seeds_flag[@]}" --jobs 1 --out "$out" >"$log" 2>&1; } 2>"$work/time"
  code=$?
  set -e
  runs=$(sed -n 's/^\([0-9][0-9]*\) runs (.*/\1/p' "$log" | head -1)
  cpu=$(awk '{printf "%.3f", $1 + $2}' "$work/time")
  echo "${runs:-0} $cpu $code"
}

printf '%-34s %7s %12s %12s %12s\n' scenario runs "$rev cpu-s" "this cpu-s" "runs/cpu-s x"
total_runs=0 total_old=0 total_new=0
for file in "${files[@]}"; do
  best_old="" best_new="" runs_old=0 runs_new=0 skip=""
  for ((r = 0; r < rounds; r++)); do
    read -r runs_old cpu_old code_old < <(measure "$old_bin" "$file")
    read -r runs_new cpu_new code_new < <(measure "$new_bin" "$file")
    if [ "$code_old" -ge 2 ] || [ "$code_new" -ge 2 ]; then
      skip="exit $code_old ($rev) / $code_new (this tree): a binary could not run it"
      break
    fi
    if [ "$runs_old" != "$runs_new" ] || [ "$runs_new" -eq 0 ]; then
      skip="$runs_old runs ($rev) against $runs_new (this tree): not the same work"
      break
    fi
    best_old=$(awk -v a="$cpu_old" -v b="${best_old:-$cpu_old}" 'BEGIN { print (a < b ? a : b) }')
    best_new=$(awk -v a="$cpu_new" -v b="${best_new:-$cpu_new}" 'BEGIN { print (a < b ? a : b) }')
  done
  name=$(basename "$file" .toml)
  if [ -n "$skip" ]; then
    printf '%-34s left out: %s\n' "$name" "$skip"
    continue
  fi
  ratio=$(awk -v o="$best_old" -v n="$best_new" 'BEGIN { if (n > 0) printf "%.2f", o / n; else print "inf" }')
  printf '%-34s %7d %12.3f %12.3f %12s\n' "$name" "$runs_new" "$best_old" "$best_new" "$ratio"
  total_runs=$((total_runs + runs_new))
  total_old=$(awk -v a="$total_old" -v b="$best_old" 'BEGIN { print a + b }')
  total_new=$(awk -v a="$total_new" -v b="$best_new" 'BEGIN { print a + b }')
done
rm -rf "$work/out-$$"
if [ "$total_runs" -eq 0 ]; then
  echo "bench-compare: no scenario ran on both binaries" >&2
  exit 1
fi
awk -v runs="$total_runs" -v o="$total_old" -v n="$total_new" -v rev="$rev" 'BEGIN {
  printf "%-34s %7d %12.3f %12.3f %12.2f\n", "total", runs, o, n, (n > 0 ? o / n : 0)
  printf "runs per CPU-second: %s %.1f, this tree %.1f: %.2f x\n", rev, runs / o, runs / n, o / n
}'
