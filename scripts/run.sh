#!/usr/bin/env bash
# Sets up and runs the main job: the default scenario suite (every hazard of the seed post,
# each against the seed, priority and safe policies), with its report in out/report/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target hotsim
./build/default/cli/hotsim run scenarios/default --out out/report --junit out/report/junit.xml "$@"
