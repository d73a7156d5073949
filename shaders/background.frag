// Camera background: samples the sRGB camera texture stretched over the target (decoded and re-encoded exactly).
#version 450

layout(set = 1, binding = 0) uniform sampler2D background;

layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 out_color;

void main() { out_color = vec4(texture(background, v_uv).rgb, 1.0); }
