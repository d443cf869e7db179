#!/usr/bin/env bash
# The out-of-tree example against the installed package: builds hotsim (preset default),
# installs it to a temporary prefix, then configures, builds and runs examples/my-upgrader
# against that prefix alone (docs/policy-api.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target hotsim
prefix="$(mktemp -d /tmp/hotsim-prefix.XXXXXX)"
build="$(mktemp -d /tmp/hotsim-example.XXXXXX)"
trap 'rm -rf "$prefix" "$build"' EXIT
cmake --install build/default --prefix "$prefix" >/dev/null
echo "example: hotsim installed to $prefix"
cmake -S examples/my-upgrader -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j 1
