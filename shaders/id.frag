// ID pass fragment shader: writes part index + 1 and the view-space normal/depth that the edge pass reads.
#version 450

layout(location = 0) in vec3 v_normal_view;
layout(location = 1) in vec3 v_position_view;
layout(location = 2) flat in uint v_part;

layout(location = 0) out uint out_id;
layout(location = 1) out vec4 out_normal_depth;

void main() {
  vec3 n = normalize(v_normal_view);
  if (dot(n, -v_position_view) < 0.0) n = -n;
  out_id = v_part + 1u;
  out_normal_depth = vec4(n, v_position_view.z);
}
