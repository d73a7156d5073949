// Writes the markers.yaml template: dictionary, ids and sizes filled in, placeholder poses with what to measure.
#include "map_template.hpp"

namespace rivet::markers {
namespace {

// A YAML double-quoted scalar.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n' || ch == '\r' || ch == '\t') {
      out += ' ';
      continue;
    }
    out += ch;
  }
  return out + "\"";
}

}  // namespace

std::string markerMapTemplate(const std::string& dictionary, const std::vector<SheetMarker>& markers,
                              const std::string& source) {
  std::string s;
  s += "# Marker map of <machine>: where each printed " + dictionary + " marker is glued, in model coordinates "
       "(template from rivet-markers, " + source + ").\n";
  s += "# Units: position_m in metres in the pack model's coordinates (Y-up, the model's origin); size_mm = side of\n"
       "# the black square in millimetres, as printed on the sheet. Marker frame: origin at the centre of the black\n"
       "# square, x right, y up (towards the TOP arrow printed beside it), z out of the printed face.\n"
       "# Orientation: normal = direction out of the printed face, up = direction of the marker's TOP edge, both in\n"
       "# model coordinates (rotation_deg: [rx, ry, rz] is accepted instead of normal + up).\n"
       "# EVERY POSE BELOW IS A PLACEHOLDER (origin, facing +z): replace each one with the measured values, then run\n"
       "# rivet-pack lint on the pack. The placeholders pass the lint, but tracking with them puts the model in the\n"
       "# wrong place.\n";
  s += "# For editor completion add: # yaml-language-server: $schema=<path to content/schemas/markers.schema.json>\n";
  s += "dictionary: " + dictionary + "\n";
  s += "markers:\n";
  for (const SheetMarker& m : markers) {
    s += "  - id: " + std::to_string(m.id) + "\n";
    s += "    size_mm: " + formatNumber(m.size_mm, 3) + "\n";
    s += "    # PLACEHOLDER: measure where this marker sits on the machine, in model coordinates (metres): the\n"
         "    # centre of its black square.\n";
    s += "    position_m: [0.0, 0.0, 0.0]\n";
    s += "    # PLACEHOLDER: direction out of the printed face, in model coordinates.\n";
    s += "    normal: [0, 0, 1]\n";
    s += "    # PLACEHOLDER: direction of the printed TOP arrow (the marker's top edge), in model coordinates.\n";
    s += "    up: [0, 1, 0]\n";
    s += "    note: " + quoted(m.note.empty() ? "TODO: where it is glued, e.g. guard panel, left" : m.note) + "\n";
  }
  return s;
}

}  // namespace rivet::markers
