// Screen-space outline pass: opaque, anti-aliased lines on part-id, depth and crease discontinuities of the ID pass.
#version 450

layout(set = 0, binding = 0) uniform FrameParams {
  vec4 params;  // x: model opacity, y: time in seconds, z: 1 when any part is highlighted
} frame;
layout(std430, set = 0, binding = 1) readonly buffer PartStyles {
  uint styles[];  // per part: 0 normal, 1 highlight, 2 ghost, 3 hidden
} part_styles;
layout(set = 1, binding = 1) uniform usampler2D id_image;       // part index + 1, 0 = nothing
layout(set = 1, binding = 2) uniform sampler2D normal_depth_image;  // view normal xyz, view depth (m)

layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 out_color;

const float kNormalWidthPx = 2.0;
const float kHighlightWidthPx = 4.5;

bool isHighlight(uint id) { return id != 0u && part_styles.styles[id - 1u] == 1u; }

bool differs(uint id0, vec4 nd0, uint id1, vec4 nd1) {
  if (id0 != id1) return true;
  if (id0 == 0u) return false;
  if (abs(nd1.w - nd0.w) > 0.04 * nd0.w) return true;  // depth step inside one part (self-silhouette)
  return dot(nd0.xyz, nd1.xyz) < 0.8;                    // crease sharper than ~37 degrees
}

void main() {
  ivec2 size = textureSize(id_image, 0);
  ivec2 p = ivec2(gl_FragCoord.xy);
  uint id0 = texelFetch(id_image, p, 0).r;
  vec4 nd0 = texelFetch(normal_depth_image, p, 0);
  bool any_highlight = frame.params.z > 0.5;
  int rings = any_highlight ? 3 : 1;
  float normal_cover = 0.0;
  float highlight_cover = 0.0;
  const ivec2 kDirections[8] = ivec2[](ivec2(1, 0), ivec2(-1, 0), ivec2(0, 1), ivec2(0, -1),
                                       ivec2(1, 1), ivec2(-1, 1), ivec2(1, -1), ivec2(-1, -1));
  for (int ring = 1; ring <= rings; ++ring) {
    for (int d = 0; d < 8; ++d) {
      ivec2 q = clamp(p + kDirections[d] * ring, ivec2(0), size - 1);
      uint id1 = texelFetch(id_image, q, 0).r;
      vec4 nd1 = texelFetch(normal_depth_image, q, 0);
      if (!differs(id0, nd0, id1, nd1)) continue;
      // The discontinuity lies about half-way to q; a line of width W centred on it covers this pixel by
      // clamp(W/2 - (r - 0.5) + 0.5, 0, 1) where r is the distance to q.
      float r = length(vec2(kDirections[d] * ring));
      if (isHighlight(id0) || isHighlight(id1)) {
        highlight_cover = max(highlight_cover, clamp(kHighlightWidthPx * 0.5 - r + 1.0, 0.0, 1.0));
      } else if (ring == 1) {
        normal_cover = max(normal_cover, clamp(kNormalWidthPx * 0.5 - r + 1.0, 0.0, 1.0));
      }
    }
  }
  if (highlight_cover > 0.0) {
    out_color = vec4(1.0, 0.63, 0.0, highlight_cover);  // bright amber, twice as wide
  } else if (normal_cover > 0.0) {
    out_color = vec4(0.92, 0.95, 1.0, normal_cover);
  } else {
    discard;
  }
}
