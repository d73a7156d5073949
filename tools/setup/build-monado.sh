#!/usr/bin/env bash
# Builds the headless Monado OpenXR runtime once into a cache outside the clone (for the XR tests and demos).
# Usage: tools/setup/build-monado.sh [PREFIX]   (default: $RIVET_MONADO_DIR or ~/.cache/rivet/monado)
# The source and its build script are the team's shared copy: ../shared/third_party/monado (BSL-1.0, see SOURCE.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix="${1:-${RIVET_MONADO_DIR:-$HOME/.cache/rivet/monado}}"
shared="${RIVET_SHARED_DIR:-$(cd .. && pwd)/shared}"
src_dir="$shared/third_party/monado"
tarball=$(ls "$src_dir"/monado-*.tar.gz 2>/dev/null | head -1 || true)
if [[ -z "$tarball" || ! -f "$src_dir/build-headless.sh" ]]; then
  echo "build-monado: no Monado source in $src_dir (set RIVET_SHARED_DIR to the shared folder)" >&2
  exit 1
fi
# Idempotent: the script skips the build when PREFIX already holds this source and options. Our XR tests are the
# check, so its own 10 s hello_xr smoke test runs only on the first build.
if [[ -f "$prefix/share/openxr/1/openxr_monado.json" ]]; then export NO_TEST=1; fi
JOBS="${RIVET_JOBS:-$(nproc)}" bash "$src_dir/build-headless.sh" "$tarball" "$prefix" >&2
# The build tree is not needed once installed (keeps the cache small).
rm -rf "$prefix/build/obj"
echo "$prefix"
