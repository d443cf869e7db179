#!/usr/bin/env bash
# Mutation self-check: does hotsim catch deliberately broken upgraders?
#
# Each tests/mutants/*.patch is one deliberate bug in `safe` or the snapshot code (its first
# line says which bug and which oracle should catch it). The script copies the tree to a
# scratch directory, checks that the unmutated copy passes, then for each mutant: applies it,
# rebuilds hotsim, and runs the default suite, the update-point sweep, the crash-point sweep
# (crash points over crash-before-save, broken-package and the shared-staging cluster only,
# unless MUTANTS_FULL=1) and
# cron-save under --swarm (faults and restarts around the 2am save) until one of them
# exits 1 (an undeclared outcome: caught; any other exit, such as an internal assertion's 3, is a
# failure of the harness, not a catch). It prints caught/survived per mutant and exits
# non-zero if any mutant survived or the baseline is not clean.
#
# Usage: bash scripts/mutants.sh [NAME-PREFIX...]   (default: every mutant)
#   MUTANTS_DIR   scratch directory (default /tmp/hotsim-mutants)
#   MUTANTS_FULL  1: crash points over the whole default suite (slower)
#
# Adding a mutant: make the bug in a clean tree, `git diff > tests/mutants/NN-name.patch`,
# put "# <the bug>: <the oracle that should catch it>" as its first line, revert, and run
# `bash scripts/mutants.sh NN-name`. A mutant that survives is a hole in the oracles.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${MUTANTS_DIR:-/tmp/hotsim-mutants}
jobs=$(nproc)

bash scripts/install-deps.sh
echo "mutants: copying the tree to $work/src"
rm -rf "$work/src" "$work/out"
mkdir -p "$work/src" "$work/out"
git ls-files -co --exclude-standard -z | (cd "$root" && xargs -0 cp --parents -t "$work/src")
cd "$work/src"
cmake --preset default >/dev/null

crash_inputs=(scenarios/default/crash-before-save.toml scenarios/default/broken-package.toml scenarios/default/several-images-shared-staging.toml)
[ "${MUTANTS_FULL:-0}" = 1 ] && crash_inputs=(scenarios/default)

build() { cmake --build --preset default -j "$jobs" --target hotsim >"$work/out/build.log" 2>&1; }

# Runs the three checks; prints the first that exits non-zero (and its code), or "none".
first_catch() {
  local tag=$1 code
  local -a checks=(
    "suite|scenarios/default"
    "update-points|scenarios/default --update-points"
    "crash-points|${crash_inputs[*]} --crash-points all"
    "swarm|scenarios/default/cron-save.toml --swarm --seeds 12"
  )
  for check in "${checks[@]}"; do
    local name=${check%%|*} args=${check#*|}
    set +e
    # shellcheck disable=SC2086
    ./build/default/cli/hotsim run $args --jobs "$jobs" --out "$work/out/$tag-$name" >"$work/out/$tag-$name.log" 2>&1
    code=$?
    set -e
    if [ "$code" -ne 0 ]; then
      echo "$name $code"
      return
    fi
  done
  echo "none 0"
}

# What fired, from the run's log: the oracles named on its UNEXPECTED and FAIL lines.
fired() {
  { grep -E "UNEXPECTED|FAIL" "$work/out/$1-$2.log" 2>/dev/null || true; } |
    grep -oE "torn-request|dnu-by-upgrade|lost-session|pause-budget|eventual-upgrade|refused-good-batch|bounded-retry|clean-completion|liveness|lost-upgrade|restart-fidelity|cannot-boot|torn-package|image-growth|app-error|converged|version-skew|drained-upgrade|lost-local-change" |
    sort -u | paste -sd, - || true
}

build
read -r name code <<<"$(first_catch baseline)"
if [ "$name" != none ]; then
  echo "mutants: the unmutated tree fails its own $name check (exit $code): see $work/out/baseline-$name.log" >&2
  exit 1
fi

patches=()
for p in "$root"/tests/mutants/*.patch; do
  base=$(basename "$p" .patch)
  if [ $# -gt 0 ]; then
    keep=0
    for want in "$@"; do [[ "$base" == "$want"* ]] && keep=1; done
    [ "$keep" = 1 ] || continue
  fi
  patches+=("$p")
done

survived=0
printf '\n%-32s %-9s %-14s %s\n' mutant verdict "caught by" "what fired"
for p in "${patches[@]}"; do
  base=$(basename "$p" .patch)
  if ! git apply "$p"; then
    printf '%-32s %-9s %-14s %s\n' "$base" STALE - "the patch no longer applies: regenerate it"
    survived=$((survived + 1))
    continue
  fi
  if ! build; then
    printf '%-32s %-9s %-14s %s\n' "$base" BROKEN - "does not compile: see $work/out/build.log"
    git apply -R "$p"
    survived=$((survived + 1))
    continue
  fi
  read -r name code <<<"$(first_catch "$base")"
  if [ "$name" = none ]; then
    printf '%-32s %-9s %-14s %s\n' "$base" SURVIVED - "$(head -1 "$p" | sed 's/^# //')"
    survived=$((survived + 1))
  elif [ "$code" -eq 1 ]; then
    printf '%-32s %-9s %-14s %s\n' "$base" caught "$name" "$(fired "$base" "$name")"
  else
    # hotsim died (an internal assertion, exit 3) instead of judging: not a verdict.
    printf '%-32s %-9s %-14s %s\n' "$base" CRASHED "$name" "hotsim exited $code, not a verdict: see $work/out/$base-$name.log"
    survived=$((survived + 1))
  fi
  git apply -R "$p"
done
build
echo
if [ "$survived" -gt 0 ]; then
  echo "mutants: $survived of ${#patches[@]} not caught"
  exit 1
fi
echo "mutants: all ${#patches[@]} caught"
