// UI world quad: samples the UI texture; hidden where the ID pass saw a model surface nearer than the quad.
#version 450

layout(set = 0, binding = 0) uniform sampler2D ui_texture;
// Per pixel from the ID pass: part index + 1 (0 = nothing), packed view normal, view depth (see id.frag).
layout(set = 1, binding = 1) uniform usampler2D id_image;

layout(location = 0) in vec2 v_uv;
layout(location = 1) in float v_view_depth;
layout(location = 0) out vec4 out_color;

void main() {
  uvec4 id = texelFetch(id_image, ivec2(gl_FragCoord.xy), 0);
  if (id.x != 0u && uintBitsToFloat(id.w) < v_view_depth * 0.9999) discard;  // the model is in front
  out_color = texture(ui_texture, v_uv);  // premultiplied, sRGB-encoded: blended like the screen overlay
}
