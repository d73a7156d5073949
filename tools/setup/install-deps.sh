#!/usr/bin/env bash
# Installs exactly the Debian 12 packages Rivet needs to build, test and run (idempotent; one apt-get update at most).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev python3 time
  # tests
  libgtest-dev libgmock-dev poppler-utils librsvg2-bin libxml2-utils
  # window tests: a real X server without a screen, real clicks, screenshots
  xvfb xauth x11-utils xdotool imagemagick
  # render: Vulkan + lavapipe (CPU) + validation layer + shader compiler
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers
  # xr: OpenXR loader + core validation layer
  libopenxr-dev libopenxr-loader1 openxr-layer-corevalidation
  # xr tests: the headless Monado runtime is built from source (tools/setup/build-monado.sh); hello_xr smoke-tests it
  ninja-build glslang-tools libopenxr-utils python3
  # content: Assimp, Open CASCADE (STEP), meshoptimizer
  libassimp-dev libocct-data-exchange-dev libocct-modeling-algorithms-dev libocct-foundation-dev
  libocct-modeling-data-dev libocct-ocaf-dev libocct-visualization-dev libmeshoptimizer-dev
  # tracking
  libopencv-dev libopencv-contrib-dev libapriltag-dev libeigen3-dev
  # ui
  libimgui-dev libglfw3-dev fonts-dejavu-core
  # formats and plumbing
  libglm-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libsqlite3-dev libssl-dev
  # tags
  mosquitto libmosquitto-dev libprotobuf-dev protobuf-compiler
  # fleet: central records on PostgreSQL (libpq client; the tests start their own server with initdb/postgres)
  postgresql libpq-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run this script as root (or with sudo) to install them" >&2
  exit 1
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
