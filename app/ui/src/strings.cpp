// French and English strings of the overlay's fixed labels.
#include <array>

#include "rivet/ui/overlay.hpp"

namespace rivet::ui {
namespace {
struct Entry {
  std::string_view key, en, fr;
};
constexpr std::array kStrings{
    Entry{"searching", "Searching for markers\u2026", "Recherche des marqueurs\u2026"},
    Entry{"searching_hint", "Point the camera at the machine's markers", "Orientez la cam\u00e9ra vers les marqueurs de la machine"},
    Entry{"tracked", "Model anchored", "Mod\u00e8le ancr\u00e9"},
    Entry{"ambiguous", "One marker, orientation uncertain", "Un seul marqueur, orientation incertaine"},
    Entry{"ambiguous_hint", "Step to one side or bring a second marker into view",
          "D\u00e9calez-vous ou visez un deuxi\u00e8me marqueur"},
    Entry{"markers", "markers", "marqueurs"},
    Entry{"accuracy", "accuracy", "pr\u00e9cision"},
    Entry{"step", "Step", "\u00c9tape"},
    Entry{"parts", "Parts", "Pi\u00e8ces"},
    Entry{"live_values", "Live values", "Valeurs en direct"},
    Entry{"stale", "STALE", "P\u00c9RIM\u00c9"},
    Entry{"missing", "NO DATA", "SANS DONN\u00c9E"},
    Entry{"bad", "BAD QUALITY", "QUALIT\u00c9 MAUVAISE"},
    Entry{"ok", "OK", "OK"},
    Entry{"gate_waiting", "Waiting for live condition", "En attente de la condition"},
    Entry{"gate_open", "Condition met", "Condition remplie"},
    Entry{"gate_stale", "Blocked: data stale", "Bloqu\u00e9 : donn\u00e9e p\u00e9rim\u00e9e"},
    Entry{"gate_failed", "Blocked: condition not met", "Bloqu\u00e9 : condition non remplie"},
    Entry{"finished", "Procedure complete", "Proc\u00e9dure termin\u00e9e"},
    Entry{"work_order", "Work order", "OT"},
    Entry{"alarm", "ALARM", "ALARME"},
    Entry{"age", "age", "\u00e2ge"},
};
}  // namespace

std::string_view tr(Language language, std::string_view key) {
  for (const auto& e : kStrings) {
    if (e.key == key) return language == Language::Fr ? e.fr : e.en;
  }
  return key;
}

}  // namespace rivet::ui
