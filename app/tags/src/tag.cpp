// Names and conversions of tag values, qualities and freshness states.
#include "rivet/tags/tag.hpp"

namespace rivet::tags {

std::string_view toString(Quality quality) {
  switch (quality) {
    case Quality::Good: return "good";
    case Quality::Uncertain: return "uncertain";
    case Quality::Bad: return "bad";
  }
  return "bad";
}

std::string_view toString(Freshness freshness) {
  switch (freshness) {
    case Freshness::Fresh: return "fresh";
    case Freshness::Stale: return "stale";
    case Freshness::Missing: return "missing";
    case Freshness::BadQuality: return "bad_quality";
  }
  return "missing";
}

std::string_view toString(ValueType type) {
  switch (type) {
    case ValueType::Number: return "number";
    case ValueType::Bool: return "bool";
    case ValueType::String: return "string";
    case ValueType::Enum: return "enum";
  }
  return "number";
}

std::optional<Quality> parseQuality(std::string_view text) {
  if (text == "good" || text == "Good" || text == "GOOD") return Quality::Good;
  if (text == "uncertain" || text == "Uncertain" || text == "UNCERTAIN") return Quality::Uncertain;
  if (text == "bad" || text == "Bad" || text == "BAD") return Quality::Bad;
  return std::nullopt;
}

std::optional<double> asNumber(const Value& value) {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* b = std::get_if<bool>(&value)) return *b ? 1.0 : 0.0;
  return std::nullopt;
}

std::optional<bool> asBool(const Value& value) {
  if (const auto* b = std::get_if<bool>(&value)) return *b;
  if (const auto* d = std::get_if<double>(&value)) return *d != 0.0;
  return std::nullopt;
}

}  // namespace rivet::tags
