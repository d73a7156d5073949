#!/usr/bin/env bash
# The test command: installs missing packages, builds the dev preset (ASan/UBSan) and runs the unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."

export RIVET_SHARED_DATA="${RIVET_SHARED_DATA:-$(cd .. && pwd)/shared/data}"
if [[ ! -d "$RIVET_SHARED_DATA" ]]; then
  echo "test: third-party test data not found at $RIVET_SHARED_DATA (set RIVET_SHARED_DATA to the shared/data folder)" >&2
  exit 1
fi

bash tools/setup/install-deps.sh
# The OPC UA gateway test runs node-opcua from npm (lock file committed; nothing fetched at build time).
if ! command -v npm > /dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm
fi
(cd tools/opcua-gateway && npm ci --no-audit --no-fund --loglevel=error)
# A real OpenXR runtime for the headset tests: headless Monado, built once into a cache outside the clone.
RIVET_MONADO_DIR="$(bash tools/setup/build-monado.sh)"
export RIVET_MONADO_DIR
preset="${RIVET_TEST_PRESET:-dev}"
jobs="${RIVET_JOBS:-$(nproc)}"
cmake --preset "$preset" -DRIVET_SHARED_DATA="$RIVET_SHARED_DATA"
cmake --build --preset "$preset" -j "$jobs"
ctest --preset "$preset" -j "$jobs"

# libFuzzer targets (clang, ASan/UBSan) for the model loader, the pack/marker parsers and the tag payload parsers:
# a brief, seeded run of each (15-20 s) on every test run; longer, random campaigns by hand (see tests/content/fuzz).
if [[ "${RIVET_SKIP_FUZZ:-0}" != 1 ]]; then
  cmake --preset fuzz -DRIVET_SHARED_DATA="$RIVET_SHARED_DATA"
  cmake --build --preset fuzz -j "$jobs"
  ctest --preset fuzz -j "$jobs"
fi
