// Coverage mask fragment shader: 1 wherever a visible part covers the pixel centre.
#version 450

// Declared to match model.vert's outputs (keeps the interface complete; only the part index is looked at).
layout(location = 0) in vec3 v_normal_view;
layout(location = 1) in vec3 v_position_view;
layout(location = 2) flat in uint v_part;

layout(location = 0) out float out_mask;

void main() { out_mask = 1.0; }
