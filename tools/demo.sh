#!/usr/bin/env bash
# The demo command: installs missing packages, builds Rivet (release), records a synthetic camera sequence of the
# sample robot cell, previews the procedure headless, then opens the AR assistant in a window when a display exists.
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
  --lang fr --fps 2 --step-every 3 --simulate normal
echo
echo "demo: preview done. Frames: $out/frames/frame-*.png   Per-frame log: $out/frames/run.jsonl   Summary: $out/frames/summary.json"

# The technician's session in a window: a demo user and the sample work orders (a CMMS export).
db="$out/records.db"
RIVET_SECRET=24681357 "$bin/tools/rivet-records/rivet-records" add-user "$db" --name technicien --role technician > /dev/null
RIVET_SECRET=13572468 "$bin/tools/rivet-records/rivet-records" add-user "$db" --name formateur --role trainer > /dev/null
window_cmd=("$bin/app/main/rivet" --window --pack "$pack" --camera "$rec" --calib "$rec/camera.yaml" --fps 10 --loop
            --db "$db" --work-orders content/samples/work-orders/robot-cell.csv --simulate normal --lang fr --out "$out/window")
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && "${RIVET_DEMO_WINDOW:-1}" != 0 ]]; then
  echo "demo: opening the assistant window. Log in as 'technicien' (PIN 24681357) or 'formateur' (PIN 13572468);"
  echo "      keys: Enter/Space confirm, arrows next/back, P pass, F fail, H hint, F11 full screen. Close it to end."
  "${window_cmd[@]}"
else
  echo "demo: no display here, so no window. On a desktop, run:"
  printf ' %q' "${window_cmd[@]}"
  echo
fi
