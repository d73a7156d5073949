// ID pass fragment shader: one texel per pixel with part index + 1, view-space normal and depth for the edge pass.
#version 450

layout(location = 0) in vec3 v_normal_view;
layout(location = 1) in vec3 v_position_view;
layout(location = 2) flat in uint v_part;

// x: part index + 1 (0 = nothing), y: normal.xy as half floats, z: normal.z as half float, w: view depth bits.
layout(location = 0) out uvec4 out_id;

void main() {
  vec3 n = normalize(v_normal_view);
  if (dot(n, -v_position_view) < 0.0) n = -n;
  out_id = uvec4(v_part + 1u, packHalf2x16(n.xy), packHalf2x16(vec2(n.z, 0.0)), floatBitsToUint(v_position_view.z));
}
