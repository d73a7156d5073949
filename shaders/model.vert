// Model vertex shader: places model vertices with the view's MVP and hands view-space normal/position and part index on.
#version 450

layout(location = 0) in vec3 in_position;  // quantised: 0..1 per axis of the model's box (content::PackedVertex)
layout(location = 1) in vec2 in_normal_oct;  // octahedral unit normal, -1..1

layout(push_constant) uniform ViewConstants {
  mat4 mvp;         // projection * T_view_model * D (D: box scale and offset, content::Quantization)
  mat4 model_view;  // T_view_model * D (rigid times a positive diagonal scale, then the offset)
} view_constants;

// Inverse of content's octahedral encoding (app/content/src/model.cpp octDecode).
vec3 octDecode(vec2 e) {
  vec3 n = vec3(e, 1.0 - abs(e.x) - abs(e.y));
  float t = max(-n.z, 0.0);
  n.x += n.x >= 0.0 ? -t : t;
  n.y += n.y >= 0.0 ? -t : t;
  return normalize(n);
}

layout(location = 0) out vec3 v_normal_view;
layout(location = 1) out vec3 v_position_view;
layout(location = 2) flat out uint v_part;

void main() {
  // The depth pre-pass and the shading passes (LESS_OR_EQUAL against it) must produce the same depth: `precise`
  // forbids contracting this product differently per pipeline. (`invariant gl_Position` would say the same, but
  // the validation layer's SPIR-V checker of Debian 12 rejects Invariant on gl_PerVertex members.)
  precise vec4 position = view_constants.mvp * vec4(in_position, 1.0);
  gl_Position = position;
  // The columns of mat3(model_view) are the rotation's columns times the box scale (> 0): normalising them gives
  // the rotation back for the normal.
  mat3 rs = mat3(view_constants.model_view);
  mat3 rotation = mat3(normalize(rs[0]), normalize(rs[1]), normalize(rs[2]));
  v_normal_view = rotation * octDecode(in_normal_oct);
  v_position_view = (view_constants.model_view * vec4(in_position, 1.0)).xyz;
  v_part = uint(gl_InstanceIndex);  // firstInstance carries the part index
}
