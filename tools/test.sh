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
preset="${RIVET_TEST_PRESET:-dev}"
jobs="${RIVET_JOBS:-$(nproc)}"
cmake --preset "$preset" -DRIVET_SHARED_DATA="$RIVET_SHARED_DATA"
cmake --build --preset "$preset" -j "$jobs"
ctest --preset "$preset" -j "$jobs"
