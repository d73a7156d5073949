#!/usr/bin/env bash
# Benchmark: camera-capture-to-present latency and display-loop CPU per frame (median, p99) at 1280x720 on the
# sample pack, with tracking on its own thread (live: headless --realtime, and a window under Xvfb), against the
# lockstep replay (tracking inline before each frame) on the same recording in the same run.
# Usage: bench_latency.sh RIVET SYNTHCAM PACK [FRAMES]   (ctest -L bench runs it from the release build)
set -euo pipefail
rivet="$1"; synthcam="$2"; pack="$3"; frames="${4:-120}"
work="$(mktemp -d)"
xvfb_pid=""
cleanup() { [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2> /dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$synthcam" --pack "$pack" --out "$work/camera" --frames 60 --width 1280 --height 720 --path orbit \
  --min-dist 0.8 --max-dist 1.4 --blur 0.6 --noise 2 --lighting --seed 5 > /dev/null
common=(--pack "$pack" --camera "$work/camera" --calib "$work/camera/camera.yaml" --fps 15 --loop --frames "$frames"
        --simulate normal --step-every 20 --lang en)

echo "bench_latency: lockstep replay (tracking inline)"
"$rivet" --headless "${common[@]}" --out "$work/lockstep" --save-every 0 | tail -1
echo "bench_latency: live headless (camera + tracking threads, camera at 15 fps)"
"$rivet" --headless "${common[@]}" --out "$work/live" --save-every 0 --realtime | tail -1
if command -v Xvfb > /dev/null; then
  Xvfb :97 -screen 0 1280x800x24 -nolisten tcp > /dev/null 2>&1 &
  xvfb_pid=$!
  sleep 1
  echo "bench_latency: window on Xvfb (swapchain, 2 frames in flight, no vsync, display capped at 60 fps)"
  DISPLAY=:97 "$rivet" --window "${common[@]}" --out "$work/window" --no-vsync --max-fps 60 | tail -1
fi

python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
rows = []
for name in ["lockstep", "live", "window"]:
    p = os.path.join(work, name, "summary.json")
    if not os.path.exists(p):
        continue
    s = json.load(open(p))
    rows.append((name, s))
print(f"\n{'run':<10}{'frames':>7}{'c2p med':>9}{'c2p p99':>9}{'dispCPU med':>12}{'dispCPU p99':>12}{'frame med':>10}{'frame p99':>10}  (ms)")
for name, s in rows:
    m, p = s["median_ms"], s["p99_ms"]
    print(f"{name:<10}{s['frames']:>7}{m['capture_to_present']:>9.1f}{p['capture_to_present']:>9.1f}"
          f"{m['display_cpu']:>12.1f}{p['display_cpu']:>12.1f}{m['total']:>10.1f}{p.get('total', 0):>10.1f}")
base = dict(rows)["lockstep"]
for name, s in rows[1:]:
    r = lambda a, b: a / b if b else float("nan")
    print(f"ratio {name}/lockstep: frame time p99 {r(s['p99_ms']['total'], base['p99_ms']['total']):.2f}, "
          f"display CPU median {r(s['median_ms']['display_cpu'], base['median_ms']['display_cpu']):.2f}, "
          f"capture-to-present median {r(s['median_ms']['capture_to_present'], base['median_ms']['capture_to_present']):.2f}")
print(f"device: {base['device']}; validation messages: " + ", ".join(f"{n} {s['validation_messages']}" for n, s in rows))
PY
