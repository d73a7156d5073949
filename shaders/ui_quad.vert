// UI world quad: the two triangles of a unit quad placed by the view's MVP; hands the texture uv and view depth on.
#version 450

layout(push_constant) uniform QuadConstants {
  mat4 mvp;          // projection * T_view_model * T_world_quad * scale(width_m, height_m, 1)
  vec4 depth_row;    // row 2 of T_view_model * T_world_quad * scale: view-space z (forward) of a quad point
} quad;

layout(location = 0) out vec2 v_uv;
layout(location = 1) out float v_view_depth;

void main() {
  // Triangles (0,1,2) and (2,1,3) of the corners (0,0) (1,0) (0,1) (1,1); uv (0,0) is the texture's top left.
  const int corner[6] = int[6](0, 1, 2, 2, 1, 3);
  int c = corner[gl_VertexIndex];
  vec2 uv = vec2(c & 1, c >> 1);
  vec4 p = vec4(uv - 0.5, 0.0, 1.0);  // quad coordinates: x right, y down, centred
  v_uv = uv;
  v_view_depth = dot(quad.depth_row, p);
  gl_Position = quad.mvp * p;
}
