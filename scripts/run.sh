#!/usr/bin/env bash
# Sets up and runs the main job. Until the scenario runner lands this is the kernel demo:
# the seed post's polling loader with sessions, a deployer and a power cut, on three seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target hotsim
for seed in 1 2 3; do
  ./build/default/cli/hotsim demo --seed "$seed" "$@"
done
