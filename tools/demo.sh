#!/usr/bin/env bash
# The demo command: installs missing packages, builds Rivet (release), makes a synthetic camera recording of the
# sample robot cell and runs the AR assistant headless on it; prints where the frames and the log are.
set -euo pipefail
cd "$(dirname "$0")/.."

export RIVET_SHARED_DATA="${RIVET_SHARED_DATA:-$(cd .. && pwd)/shared/data}"
out="${1:-out/demo}"
frames="${RIVET_DEMO_FRAMES:-60}"

bash tools/setup/install-deps.sh
cmake --preset release -DRIVET_SHARED_DATA="$RIVET_SHARED_DATA" > /dev/null
cmake --build --preset release -j "$(nproc)"

bin=build/release
pack="$bin/content/robot-cell"
rec="$out/camera"
rm -rf "$out"
mkdir -p "$out"
echo "demo: recording $frames synthetic camera frames of the sample robot cell into $rec"
"$bin/tools/rivet-synthcam/rivet-synthcam" --pack "$pack" --out "$rec" --frames "$frames" --width 1280 --height 720 \
  --path orbit --min-dist 1.5 --max-dist 1.9 --look-at 0.1 0.42 0 --max-tilt-deg 80 --seed 7 --blur 0.6 --noise 2 --lighting
echo "demo: running the AR assistant headless"
"$bin/app/main/rivet" --headless --pack "$pack" --camera "$rec" --calib "$rec/camera.yaml" --out "$out/frames" \
  --lang fr --fps 2 --step-every 3
echo
echo "demo: done. Frames: $out/frames/frame-*.png   Per-frame log: $out/frames/run.jsonl   Summary: $out/frames/summary.json"
