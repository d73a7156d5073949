// Depth pre-pass fragment shader: writes no colour; depth comes from the rasteriser. Matches model.vert's outputs.
#version 450

layout(location = 0) in vec3 v_normal_view;
layout(location = 1) in vec3 v_position_view;
layout(location = 2) flat in uint v_part;

void main() {}
