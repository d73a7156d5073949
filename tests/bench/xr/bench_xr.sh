#!/usr/bin/env bash
# Benchmark: the headset loop on headless Monado — per-frame CPU (xrWaitFrame excluded) at ~1M triangles in stereo
# and the budget it leaves at 90 Hz, motion-to-anchor latency (capture -> displayed with the new pose) — against
# the same model rendered mono by the headless display in the same run (the peer: Rivet's own video see-through).
# Usage: bench_xr.sh RIVET IMPORT SYNTHCAM PACK MONADO_DIR SHARED_CAD [FRAMES]   (ctest -L bench, release build)
set -euo pipefail
rivet="$1"; import="$2"; synthcam="$3"; pack="$4"; monado="$5"; cad="$6"; frames="${7:-120}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
manifest="$monado/share/openxr/1/openxr_monado.json"
[[ -f "$manifest" ]] || { echo "bench_xr: no Monado at $monado (tools/setup/build-monado.sh)" >&2; exit 1; }

# The sample robot cell plus a dense shell (a UV sphere of ~1M triangles) beside it: a heavy CAD-like model.
python3 - "$work/root" <<'PY'
import math, os, struct, sys
root = sys.argv[1]; os.makedirs(root, exist_ok=True)
rings, segs = 500, 1000            # 2 * rings * segs = 1,000,000 triangles
r, cx, cy, cz = 0.15, 0.0, -0.45, 0.4
def p(i, j):
    th, ph = math.pi * i / rings, 2 * math.pi * j / segs
    return (cx + r * math.sin(th) * math.cos(ph), cy + r * math.sin(th) * math.sin(ph), cz + r * math.cos(th))
with open(os.path.join(root, "shell.stl"), "wb") as f:
    f.write(b"\0" * 80); f.write(struct.pack("<I", 2 * rings * segs))
    for i in range(rings):
        for j in range(segs):
            a, b, c, d = p(i, j), p(i + 1, j), p(i + 1, j + 1), p(i, j + 1)
            for t in ((a, b, c), (a, c, d)):
                f.write(struct.pack("<3f", 0, 0, 0)); [f.write(struct.pack("<3f", *v)) for v in t]; f.write(b"\0\0")
PY
ln -s "$cad/franka-description" "$work/root/franka-description"
src_assembly="$(dirname "$0")/../../../content/samples/robot-cell/assembly.yaml"
cp "$src_assembly" "$work/assembly.yaml"
cat >> "$work/assembly.yaml" <<'YAML'
  - id: bench-shell
    name: "Dense shell (benchmark load)"
    file: shell.stl
YAML
cp -r "$pack" "$work/pack"
"$import" --quiet --data-root "$work/root" --unit m "$work/assembly.yaml" -o "$work/pack/models/robot.rmdl" --lod-mm none --json \
  > "$work/import.json"
tris=$(python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(j.get('triangles', j.get('triangle_count', '?')))" "$work/import.json")
echo "bench_xr: model with $tris triangles"

export XR_RUNTIME_JSON="$manifest" XRT_COMPOSITOR_NULL=1 SIMULATED_ENABLE=1
export VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json
common=(--pack "$work/pack" --procedure robot-cell3-loto --step-every 1000000 --lang en --frames "$frames")
echo "bench_xr: headset (Monado, stereo, synthetic headset camera at 15 fps)"
"$rivet" --xr "${common[@]}" --camera synthetic --fps 15 --save-every 0 --mirror "$work/xr" --out "$work/xr-out" | tail -1

# The peer: the same model, mono, headless display at 1280x720 (video see-through), on a recording of the markers.
"$synthcam" --pack "$pack" --out "$work/camera" --frames 30 --width 1280 --height 720 --path orbit \
  --min-dist 0.8 --max-dist 1.4 --seed 5 > /dev/null
echo "bench_xr: peer, headless mono 1280x720 on the same model"
"$rivet" --headless "${common[@]}" --camera "$work/camera" --calib "$work/camera/camera.yaml" --loop --save-every 0 \
  --out "$work/mono" | tail -1

python3 - "$work" "$frames" <<'PY'
import json, os, statistics, sys
work = sys.argv[1]
lines = [json.loads(l) for l in open(os.path.join(work, "xr", "xr.jsonl"))]
lines = lines[5:]  # start-up frames (pipeline creation) are not the steady state
cpu = sorted(l["frame_cpu_ms"] for l in lines)
def pct(v, p): return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]
budget = 1000.0 / 90
fresh = [l["anchor_age_ms"] for l in lines if l["tracked"] and l["anchor_valid"]]
s = json.load(open(os.path.join(work, "xr-out", "summary.json")))
print(f"\nheadset loop, {len(lines)} frames, eyes {lines[0]['eye_size'][0]}x{lines[0]['eye_size'][1]} x2 + panel, {s['device']}")
print(f"  frame CPU (xrWaitFrame excluded): median {pct(cpu, .5):.1f} ms, p99 {pct(cpu, .99):.1f} ms")
print(f"  90 Hz budget {budget:.1f} ms: left {budget - pct(cpu, .5):.1f} ms at the median (negative = over budget)")
if fresh:
    fresh.sort()
    print(f"  motion-to-anchor (capture -> predicted display with that pose): median {pct(fresh, .5):.1f} ms, p99 {pct(fresh, .99):.1f} ms")
print(f"  render part (renderer record+submit): median {s['median_ms']['render']:.1f} ms; tracking {s['median_ms']['tracking']:.1f} ms (own thread)")
m = json.load(open(os.path.join(work, "mono", "summary.json")))
mono = m["median_ms"]["display_cpu"] - m["median_ms"]["readback"] - m["median_ms"]["encode"]
print(f"peer: headless mono 1280x720, display CPU median {mono:.1f} ms (render {m['median_ms']['render']:.1f} ms)")
print(f"ratio headset stereo / mono video see-through, frame CPU: {pct(cpu, .5) / mono:.2f}")
PY
