// Screen-space outline pass: opaque, anti-aliased lines on part-id, depth and crease discontinuities of the ID pass.
#version 450

layout(set = 0, binding = 0) uniform FrameParams {
  vec4 params;  // x: model opacity, y: time in seconds, z: 1 when any part is highlighted
} frame;
layout(std430, set = 0, binding = 1) readonly buffer PartStyles {
  uint styles[];  // per part: 0 normal, 1 highlight, 2 ghost, 3 hidden
} part_styles;
// Per pixel from the ID pass: part index + 1 (0 = nothing), packed view normal, view depth (see id.frag).
layout(set = 1, binding = 1) uniform usampler2D id_image;

layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 out_color;

// Line widths in pixels, centred on the discontinuity. Where a line borders the outside of the model its outer
// half is dark, its inner half light, so outlines read on bright and dark photos alike.
const float kNormalWidthPx = 2.0;
const float kHighlightWidthPx = 4.0;

bool isHighlight(uint id) { return id != 0u && part_styles.styles[id - 1u] == 1u; }

vec4 normalDepth(uvec4 t) { return vec4(unpackHalf2x16(t.y), unpackHalf2x16(t.z).x, uintBitsToFloat(t.w)); }

bool differs(uvec4 t0, vec4 nd0, uvec4 t1) {
  if (t0.x != t1.x) return true;
  if (t0.x == 0u) return false;
  vec4 nd1 = normalDepth(t1);
  if (abs(nd1.w - nd0.w) > 0.04 * nd0.w) return true;  // depth step inside one part (self-silhouette)
  return dot(nd0.xyz, nd1.xyz) < 0.8;                    // crease sharper than ~37 degrees
}

// Coverage of this pixel by a line of width `width` centred on a discontinuity about half-way to a texel at
// distance r: clamp(width/2 - (r - 0.5) + 0.5, 0, 1).
float lineCover(float width, float r) { return clamp(width * 0.5 - r + 1.0, 0.0, 1.0); }

void main() {
  ivec2 size = textureSize(id_image, 0);
  ivec2 p = ivec2(gl_FragCoord.xy);
  uvec4 t0 = texelFetch(id_image, p, 0);
  vec4 nd0 = normalDepth(t0);
  bool any_highlight = frame.params.z > 0.5;
  int rings = any_highlight ? 2 : 1;
  float normal_cover = 0.0;
  float highlight_cover = 0.0;
  const ivec2 kDirections[8] = ivec2[](ivec2(1, 0), ivec2(-1, 0), ivec2(0, 1), ivec2(0, -1),
                                       ivec2(1, 1), ivec2(-1, 1), ivec2(1, -1), ivec2(-1, -1));
  for (int ring = 1; ring <= rings; ++ring) {
    for (int d = 0; d < 8; ++d) {
      ivec2 q = clamp(p + kDirections[d] * ring, ivec2(0), size - 1);
      uvec4 t1 = texelFetch(id_image, q, 0);
      if (!differs(t0, nd0, t1)) continue;
      float r = length(vec2(kDirections[d] * ring));
      if (isHighlight(t0.x) || isHighlight(t1.x)) {
        highlight_cover = max(highlight_cover, lineCover(kHighlightWidthPx, r));
      } else if (ring == 1) {
        normal_cover = max(normal_cover, lineCover(kNormalWidthPx, r));
      }
    }
  }
  bool outside = t0.x == 0u;
  const vec3 dark = vec3(0.01, 0.012, 0.02);
  if (highlight_cover > 0.0) {
    out_color = vec4(outside ? dark : vec3(1.0, 0.63, 0.0), highlight_cover);  // amber, twice as wide
  } else if (normal_cover > 0.0) {
    out_color = vec4(outside ? dark : vec3(0.92, 0.95, 1.0), normal_cover);
  } else {
    discard;
  }
}
