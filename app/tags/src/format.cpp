// UI text for tags: values with units (decimal comma in French), bool/enum labels, state words and ages.
#include "rivet/tags/format.hpp"

#include <cmath>
#include <cstdio>

#include "rivet/core/numeric.hpp"

namespace rivet::tags {
namespace {
const std::string kDash = "—";

std::string number(double v, int decimals, Language language) {
  if (!std::isfinite(v)) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  // "-0.0" reads as a fault to a technician: show 0.0.
  bool all_zero = true;
  for (char c : s) all_zero = all_zero && (c == '-' || c == '0' || c == '.');
  if (all_zero && !s.empty() && s[0] == '-') s.erase(0, 1);
  if (language == Language::Fr)
    for (char& c : s)
      if (c == '.') c = ',';
  return s;
}
}  // namespace

std::string formatValue(const TagValue& value, const TagBinding& binding, Language language) {
  if (!value.present) return kDash;
  const bool fr = language == Language::Fr;
  switch (binding.type) {
    case ValueType::Bool: {
      const auto b = asBool(value.value);
      if (!b) return "?";
      if (*b) return fr ? binding.true_fr : binding.true_en;
      return fr ? binding.false_fr : binding.false_en;
    }
    case ValueType::Enum: {
      const auto d = asNumber(value.value);
      if (!d) return std::get<std::string>(value.value);
      const auto code = core::saturatingCast<std::int64_t>(std::round(*d));
      for (const auto& e : binding.enum_labels)
        if (e.code == code) return fr ? e.label_fr : e.label_en;
      return (fr ? "code " : "code ") + std::to_string(code);
    }
    case ValueType::String: {
      if (const auto* s = std::get_if<std::string>(&value.value)) return *s;
      const auto d = asNumber(value.value);
      return d ? number(*d, binding.decimals, language) : "?";
    }
    case ValueType::Number: {
      const auto d = asNumber(value.value);
      if (!d) return std::get<std::string>(value.value);
      std::string s = number(*d, binding.decimals, language);
      if (!binding.unit.empty()) s += " " + binding.unit;
      return s;
    }
  }
  return "?";
}

const std::string& tagLabel(const TagBinding& binding, Language language) {
  const std::string& first = language == Language::Fr ? binding.label_fr : binding.label_en;
  const std::string& second = language == Language::Fr ? binding.label_en : binding.label_fr;
  if (!first.empty()) return first;
  if (!second.empty()) return second;
  return binding.id;
}

std::string_view freshnessText(Freshness freshness, Language language) {
  const bool fr = language == Language::Fr;
  switch (freshness) {
    case Freshness::Fresh: return "OK";
    case Freshness::Stale: return fr ? "PÉRIMÉ" : "STALE";
    case Freshness::Missing: return fr ? "ABSENT" : "MISSING";
    case Freshness::BadQuality: return fr ? "DÉFAUT" : "BAD";
  }
  return "?";
}

std::string formatAge(std::int64_t age_ms) {
  if (age_ms < 0) age_ms = 0;
  if (age_ms < 1000) return std::to_string(age_ms) + " ms";
  if (age_ms < 60'000) return std::to_string(age_ms / 1000) + " s";
  if (age_ms < 3'600'000) return std::to_string(age_ms / 60'000) + " min";
  return std::to_string(age_ms / 3'600'000) + " h";
}

std::string_view qualityText(Quality quality, Language language) {
  const bool fr = language == Language::Fr;
  switch (quality) {
    case Quality::Good: return fr ? "bonne" : "good";
    case Quality::Uncertain: return fr ? "incertaine" : "uncertain";
    case Quality::Bad: return fr ? "mauvaise" : "bad";
  }
  return "?";
}

std::string_view severityText(Severity severity, Language language) {
  const bool fr = language == Language::Fr;
  switch (severity) {
    case Severity::Info: return fr ? "Information" : "Information";
    case Severity::Warning: return fr ? "Avertissement" : "Warning";
    case Severity::Critical: return fr ? "Critique" : "Critical";
  }
  return "?";
}

}  // namespace rivet::tags
