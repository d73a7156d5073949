// Reads back what the overlay drew: ImGui draw data decoded into glyphs and text runs (characters, colour, place).
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

namespace rivet::ui::test {

// One glyph quad of the draw data, matched to the font atlas glyph it samples.
struct GlyphQuad {
  unsigned codepoint = 0;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // the quad as drawn, UI pixels
  float font_px = 0;                     // size the glyph is drawn at
  bool trimmed = false;                  // ImGui cut it at a clip edge (CPU clipping of a too long label)
  ImU32 colour = 0;
  ImVec4 clip;                           // the draw command's clip rectangle (x0, y0, x1, y1)
  int list = 0;                          // draw list index in ImDrawData::CmdLists
  unsigned vtx = 0;                      // first vertex of the quad in that list
  std::string window;                    // owner window ("##step")
};

// Consecutive glyphs of one draw call on one line, same colour: what a reader sees as one piece of text.
struct TextRun {
  std::string text;  // UTF-8; a space where glyphs stand a space apart
  ImU32 colour = 0;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // union of its glyph quads
  float font_px = 0;
  ImVec4 clip;
  std::string window;
  std::vector<GlyphQuad> glyphs;
  [[nodiscard]] bool hidden() const;   // wholly outside its clip rectangle (scrolled out of view)
  [[nodiscard]] bool cut() const;      // partly outside its clip rectangle, or a glyph trimmed
  [[nodiscard]] bool cutSideways() const;  // cut at a left/right clip edge (never legitimate: nothing scrolls sideways)
  [[nodiscard]] bool has(unsigned codepoint) const;
};

// Every glyph quad of `data` (the fonts are those of the current ImGui context).
std::vector<GlyphQuad> glyphQuads(const ImDrawData& data);
std::vector<TextRun> textRuns(const ImDrawData& data);
// Sets the alpha of every glyph vertex to 0: the same frame without its text (what lies behind the text).
void hideText(ImDrawData& data);
std::string utf8(unsigned codepoint);
// `text` with spaces removed (runs keep word gaps approximately; compare words this way).
std::string squeezed(const std::string& text);

}  // namespace rivet::ui::test
