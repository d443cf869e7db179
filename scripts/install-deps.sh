#!/usr/bin/env bash
# Installs the Debian packages hotsim builds against; a no-op when all are present.
# Idempotent: asks apt only for what dpkg says is missing.
# Usage: install-deps.sh [--test|--fuzz]   (what only the tests need: a headless browser;
# what only the fuzzers need: clang with libFuzzer)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-fiber-dev libboost-context-dev   # the deterministic scheduler runs on Boost.Fiber
  libfmt-dev                                # formatting of traces, reports and errors
  libgtest-dev libgmock-dev                 # example tests
  librapidcheck-dev                         # property tests (RC_GTEST_PROP)
  libbenchmark-dev                          # pause / throughput benchmarks
  libtomlplusplus-dev                       # package and scenario files
  libcli11-dev                              # the hotsim command line
  nlohmann-json3-dev                        # JSON results and reports
  libjs-chart.js                            # charts, inlined into the offline HTML report
  libexpat1-dev                             # a test parses the JUnit XML (tests are always configured)
)
case "${1:-}" in
  --test) packages+=(chromium) ;;           # renders the HTML report in a test
  --fuzz) packages+=(clang libclang-rt-14-dev) ;;  # libFuzzer and its sanitizer runtimes
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
