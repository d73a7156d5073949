// Text for the UI: formatted values with units, labels, freshness words and ages, in French or English.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rivet/tags/bindings.hpp"
#include "rivet/tags/tag.hpp"

namespace rivet::tags {

// "2.3 bar", "Fermé" / "Closed" for bools with labels, the enum label, the string; "—" when not present.
std::string formatValue(const TagValue& value, const TagBinding& binding, Language language = Language::En);
// The binding's label in that language (falls back to the other language, then the id).
const std::string& tagLabel(const TagBinding& binding, Language language);
// Upper-case state word shown next to the value, never colour alone: "OK", "STALE"/"PÉRIMÉ", "BAD"/"DÉFAUT",
// "MISSING"/"ABSENT".
std::string_view freshnessText(Freshness freshness, Language language);
// "850 ms", "12 s", "3 min", "2 h".
std::string formatAge(std::int64_t age_ms);
std::string_view qualityText(Quality quality, Language language);
std::string_view severityText(Severity severity, Language language);

}  // namespace rivet::tags
