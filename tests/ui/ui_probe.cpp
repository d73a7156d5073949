// Draw-data decoding for the accessibility tests: glyph quads matched to atlas glyphs, grouped into text runs.
#include "ui_probe.hpp"

#include <imgui_internal.h>

#include <cmath>
#include <map>
#include <utility>

namespace rivet::ui::test {
namespace {

struct AtlasGlyph {
  unsigned codepoint;
  const ImFontGlyph* glyph;
  const ImFont* font;
};

// Glyphs of every font of the current context, by the atlas position of their top-left texel.
std::map<std::pair<float, float>, AtlasGlyph> atlasGlyphs() {
  std::map<std::pair<float, float>, AtlasGlyph> out;
  for (const ImFont* font : ImGui::GetIO().Fonts->Fonts) {
    for (const ImFontGlyph& g : font->Glyphs) {
      if (!g.Visible) continue;
      out.emplace(std::make_pair(g.U0, g.V0), AtlasGlyph{g.Codepoint, &g, font});
    }
  }
  return out;
}

bool sameUv(const ImDrawVert& a, const ImDrawVert& b) { return a.uv.x == b.uv.x && a.uv.y == b.uv.y; }

}  // namespace

std::string utf8(unsigned cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

std::string squeezed(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '\n') out += c;
  }
  return out;
}

std::vector<GlyphQuad> glyphQuads(const ImDrawData& data) {
  const auto atlas = atlasGlyphs();
  std::vector<GlyphQuad> out;
  for (int l = 0; l < data.CmdListsCount; ++l) {
    const ImDrawList* list = data.CmdLists[l];
    const ImDrawIdx* idx = list->IdxBuffer.Data;
    const ImDrawVert* vtx = list->VtxBuffer.Data;
    const std::string owner = list->_OwnerName != nullptr ? list->_OwnerName : "";
    for (const ImDrawCmd& cmd : list->CmdBuffer) {
      if (cmd.UserCallback != nullptr) continue;
      const unsigned end = cmd.IdxOffset + cmd.ElemCount;
      for (unsigned p = cmd.IdxOffset; p + 6 <= end;) {
        // ImFont::RenderText writes each glyph as one quad: 4 vertices, indices (0,1,2, 0,2,3).
        const unsigned v = idx[p];
        const bool quad = idx[p + 1] == v + 1 && idx[p + 2] == v + 2 && idx[p + 3] == v && idx[p + 4] == v + 2 &&
                          idx[p + 5] == v + 3;
        if (!quad || sameUv(vtx[v], vtx[v + 2])) {
          p += quad ? 6 : 3;
          continue;
        }
        const ImVec2 uv0 = vtx[v].uv, uv1 = vtx[v + 2].uv;
        const AtlasGlyph* found = nullptr;
        bool trimmed = false;
        auto it = atlas.find({uv0.x, uv0.y});
        if (it != atlas.end() && it->second.glyph->U1 == uv1.x && it->second.glyph->V1 == uv1.y) {
          found = &it->second;
        } else {
          // A glyph cut at a clip edge samples part of its atlas cell.
          for (const auto& [key, g] : atlas) {
            if (uv0.x >= g.glyph->U0 - 1e-6f && uv0.y >= g.glyph->V0 - 1e-6f && uv1.x <= g.glyph->U1 + 1e-6f &&
                uv1.y <= g.glyph->V1 + 1e-6f) {
              found = &g;
              trimmed = true;
              break;
            }
          }
        }
        if (found == nullptr) {
          p += 6;
          continue;
        }
        GlyphQuad q;
        q.codepoint = found->codepoint;
        q.x0 = vtx[v].pos.x;
        q.y0 = vtx[v].pos.y;
        q.x1 = vtx[v + 2].pos.x;
        q.y1 = vtx[v + 2].pos.y;
        const float atlas_h = found->glyph->Y1 - found->glyph->Y0;
        q.font_px = trimmed || atlas_h <= 0 ? found->font->FontSize * ImGui::GetIO().FontGlobalScale
                                            : found->font->FontSize * (q.y1 - q.y0) / atlas_h;
        q.trimmed = trimmed;
        q.colour = vtx[v].col;
        q.clip = cmd.ClipRect;
        q.list = l;
        q.vtx = v;
        q.window = owner;
        out.push_back(q);
        p += 6;
      }
    }
  }
  return out;
}

std::vector<TextRun> textRuns(const ImDrawData& data) {
  std::vector<TextRun> runs;
  const auto quads = glyphQuads(data);
  for (const GlyphQuad& q : quads) {
    TextRun* run = runs.empty() ? nullptr : &runs.back();
    bool same = false;
    if (run != nullptr) {
      const GlyphQuad& prev = run->glyphs.back();
      same = prev.list == q.list && q.vtx == prev.vtx + 4 && prev.colour == q.colour &&
             std::abs(prev.font_px - q.font_px) < 0.5f && q.x0 >= prev.x0 - 0.5f &&
             prev.clip.x == q.clip.x && prev.clip.y == q.clip.y && prev.clip.z == q.clip.z && prev.clip.w == q.clip.w &&
             std::abs((q.y0 + q.y1) - (prev.y0 + prev.y1)) < q.font_px;
      if (same && q.x0 - prev.x1 > 0.22f * q.font_px) run->text += ' ';
    }
    if (!same) {
      runs.emplace_back();
      run = &runs.back();
      run->colour = q.colour;
      run->font_px = q.font_px;
      run->clip = q.clip;
      run->window = q.window;
      run->x0 = q.x0;
      run->y0 = q.y0;
      run->x1 = q.x1;
      run->y1 = q.y1;
    }
    run->text += utf8(q.codepoint);
    run->x0 = std::min(run->x0, q.x0);
    run->y0 = std::min(run->y0, q.y0);
    run->x1 = std::max(run->x1, q.x1);
    run->y1 = std::max(run->y1, q.y1);
    run->glyphs.push_back(q);
  }
  return runs;
}

bool TextRun::hidden() const { return x1 <= clip.x || x0 >= clip.z || y1 <= clip.y || y0 >= clip.w; }

bool TextRun::cut() const {
  if (hidden()) return false;
  for (const auto& g : glyphs) {
    if (g.trimmed) return true;
  }
  return x0 < clip.x - 0.5f || y0 < clip.y - 0.5f || x1 > clip.z + 0.5f || y1 > clip.w + 0.5f;
}

bool TextRun::cutSideways() const {
  if (hidden()) return false;
  for (const auto& g : glyphs) {
    if (g.trimmed && (g.x0 <= clip.x + 0.5f || g.x1 >= clip.z - 0.5f)) return true;
  }
  return x0 < clip.x - 0.5f || x1 > clip.z + 0.5f;
}

bool TextRun::has(unsigned codepoint) const {
  for (const auto& g : glyphs) {
    if (g.codepoint == codepoint) return true;
  }
  return false;
}

void hideText(ImDrawData& data) {
  for (const GlyphQuad& q : glyphQuads(data)) {
    ImDrawVert* v = data.CmdLists[q.list]->VtxBuffer.Data + q.vtx;
    for (int i = 0; i < 4; ++i) v[i].col &= ~IM_COL32_A_MASK;
  }
}

}  // namespace rivet::ui::test
