#!/usr/bin/env bash
# Builds and runs the benchmarks; writes Google Benchmark JSON to out/bench.json (or $1).
# Compare two runs with Google Benchmark's tools/compare.py:
#   compare.py benchmarks out/before.json out/after.json
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/bench.json}"
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target hotsim_bench
mkdir -p "$(dirname "$out")"
./build/default/bench/hotsim_bench --benchmark_out="$out" --benchmark_out_format=json "${@:2}"
echo "JSON written to $out"
