// UI screen overlay: the frame's UI texture (sRGB-encoded, premultiplied alpha) stretched over the target.
#version 450

// 1: the UI texture has the target's size, texels are read as they are; 0: stretched, filtered.
layout(constant_id = 0) const int kExact = 0;

layout(set = 0, binding = 0) uniform sampler2D ui_texture;

layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 out_color;

// Blended ONE, ONE_MINUS_SRC_ALPHA into the target's UNORM view: ImGui's sRGB-space blending, as if drawn directly.
void main() {
  out_color = kExact != 0 ? texelFetch(ui_texture, ivec2(gl_FragCoord.xy), 0) : texture(ui_texture, v_uv);
}
