// Model vertex shader: places model vertices with the view's MVP and hands view-space normal/position and part index on.
#version 450

layout(location = 0) in vec3 in_position;  // model coordinates, metres
layout(location = 1) in vec3 in_normal;

layout(push_constant) uniform ViewConstants {
  mat4 mvp;         // projection * T_view_model
  mat4 model_view;  // T_view_model (rigid)
} view_constants;

layout(location = 0) out vec3 v_normal_view;
layout(location = 1) out vec3 v_position_view;
layout(location = 2) flat out uint v_part;

void main() {
  // The depth pre-pass and the shading passes (LESS_OR_EQUAL against it) must produce the same depth: `precise`
  // forbids contracting this product differently per pipeline. (`invariant gl_Position` would say the same, but
  // the validation layer's SPIR-V checker of Debian 12 rejects Invariant on gl_PerVertex members.)
  precise vec4 position = view_constants.mvp * vec4(in_position, 1.0);
  gl_Position = position;
  v_normal_view = mat3(view_constants.model_view) * in_normal;
  v_position_view = (view_constants.model_view * vec4(in_position, 1.0)).xyz;
  v_part = uint(gl_InstanceIndex);  // firstInstance carries the part index
}
