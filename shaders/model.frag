// Model fragment shader: shaded, semi-transparent parts; the mode (Normal, Ghost, Highlight visible/occluded) is a spec constant.
#version 450

layout(constant_id = 0) const int kMode = 0;  // 0 normal, 1 ghost, 2 highlight (visible), 3 highlight (occluded, x-ray)

layout(set = 0, binding = 0) uniform FrameParams {
  vec4 params;  // x: model opacity, y: time in seconds, z: 1 when any part is highlighted
} frame;

layout(location = 0) in vec3 v_normal_view;
layout(location = 1) in vec3 v_position_view;
layout(location = 2) flat in uint v_part;

layout(location = 0) out vec4 out_color;

void main() {
  vec3 n = normalize(v_normal_view);
  vec3 v = normalize(-v_position_view);
  if (dot(n, v) < 0.0) n = -n;  // two-sided: CAD meshes do not always have consistent winding
  // Head light from the camera's upper left (OpenCV frame: y down, z forward).
  const vec3 l = normalize(vec3(-0.35, -0.55, -0.75));
  float lambert = max(dot(n, l), 0.0);
  float facing = clamp(dot(n, v), 0.0, 1.0);
  float rim = pow(1.0 - facing, 3.0);

  if (kMode == 0) {
    // Cornflower blue, sRGB (79, 140, 243): saturated enough to stay apart from ghosted parts and grey or wood
    // photos, also for colour-blind viewers (tests/ui/test_ui_contrast.cpp measures it).
    const vec3 steel = vec3(0.078, 0.262, 0.896);
    out_color = vec4(steel * (0.30 + 0.70 * lambert) + vec3(0.25 * rim), frame.params.x);
  } else if (kMode == 1) {
    const vec3 steel = vec3(0.434, 0.552, 0.730);
    out_color = vec4(steel * (0.55 + 0.45 * lambert), 0.10);
  } else {
    // Highlight: saturated amber with moving diagonal hatching, so it also reads without colour vision.
    float phase = fract((gl_FragCoord.x + gl_FragCoord.y) / 16.0 - frame.params.y * 0.75);
    bool stripe = phase < 0.5;
    const vec3 amber = vec3(1.0, 0.42, 0.0);   // sRGB (255, 173, 0)
    const vec3 umber = vec3(0.42, 0.10, 0.0);  // sRGB (173, 89, 0)
    vec3 base = stripe ? amber : umber;
    vec3 shaded = base * (0.60 + 0.40 * lambert) + vec3(0.15 * rim);
    if (kMode == 2) {
      out_color = vec4(shaded, 0.95);
    } else {
      out_color = vec4(shaded * 0.8, stripe ? 0.55 : 0.25);  // occluded: dimmer, open hatching
    }
  }
}
