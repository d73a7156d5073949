// Full-screen triangle; uv (0,0) is the top-left corner of the target (Vulkan NDC y points down).
#version 450

layout(location = 0) out vec2 v_uv;

void main() {
  vec2 p = vec2((gl_VertexIndex << 1) & 2, gl_VertexIndex & 2);
  v_uv = p;
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
