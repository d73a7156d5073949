#!/usr/bin/env bash
# Benchmark: per-frame CPU time split of the headless AR app at 1280x720 on the sample pack, and its peak memory.
# Usage: bench_frame.sh RIVET SYNTHCAM PACK [FRAMES]   (ctest -L bench runs it from the release build)
set -euo pipefail
rivet="$1"; synthcam="$2"; pack="$3"; frames="${4:-90}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$synthcam" --pack "$pack" --out "$work/camera" --frames "$frames" --width 1280 --height 720 --path orbit \
  --min-dist 0.5 --max-dist 1.5 --blur 0.6 --noise 2 --lighting --seed 5 > /dev/null
/usr/bin/time -v "$rivet" --headless --pack "$pack" --camera "$work/camera" --calib "$work/camera/camera.yaml" \
  --out "$work/out" --step-every 10 --simulate normal 2> "$work/time.txt" | tail -2
peak_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$work/time.txt")
echo "bench_frame: frames=$frames resolution=1280x720 peak_rss_mb=$((peak_kb / 1024))"
python3 - "$work/out/run.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
keys = ["decode_ms", "tracking_ms", "ui_ms", "render_ms", "readback_ms", "encode_ms"]
print(f"{'stage':<12}{'median':>9}{'p90':>9}{'mean':>9}  (ms per frame, {len(rows)} frames)")
total = [sum(r[k] for k in keys) for r in rows]
for k, vals in [(k, [r[k] for r in rows]) for k in keys] + [("total", total)]:
    vals = sorted(vals)
    print(f"{k.replace('_ms',''):<12}{statistics.median(vals):>9.2f}{vals[int(0.9*(len(vals)-1))]:>9.2f}{statistics.mean(vals):>9.2f}")
tracked = sum(1 for r in rows if r["tracked"])
print(f"tracked {tracked}/{len(rows)} frames")
PY
