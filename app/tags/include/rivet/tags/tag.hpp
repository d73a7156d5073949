// Tag values: typed live value with quality and timestamps, freshness states and UI languages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "rivet/core/text.hpp"

namespace rivet::tags {

// OPC UA-style quality of a value as reported by its source (or downgraded by Rivet: out of range, death).
enum class Quality : std::uint8_t { Good, Uncertain, Bad };

// What a consumer (UI, gate) may conclude about a tag at a given time.
enum class Freshness : std::uint8_t {
  Fresh,       // present, received within its maximum age, quality not Bad
  Stale,       // present but older than its maximum age (publisher silent, broker down)
  Missing,     // never received (or unknown id)
  BadQuality,  // received but its quality is Bad (sensor fault, out of range, publisher death)
};

using core::Language;

// The kind of value a tag carries; Enum values are integer codes stored as double, with labels in the binding.
enum class ValueType : std::uint8_t { Number, Bool, String, Enum };

using Value = std::variant<double, bool, std::string>;

struct TagValue {
  Value value{0.0};
  Quality quality = Quality::Bad;
  std::int64_t source_time_ns = 0;   // when the source measured it (wall clock, ns since epoch); 0 = unknown
  std::int64_t receive_time_ns = 0;  // when Rivet received it (wall clock, ns since epoch)
  bool present = false;              // false until a first value arrives
};

std::string_view toString(Quality quality);
std::string_view toString(Freshness freshness);
std::string_view toString(ValueType type);
std::optional<Quality> parseQuality(std::string_view text);

// The numeric reading of a value (bool -> 0/1); nullopt for strings.
std::optional<double> asNumber(const Value& value);
std::optional<bool> asBool(const Value& value);

// Safety rule for gates: only a fresh, Good value may unlock a step (stale, missing, bad, uncertain fail closed).
inline bool usableForGate(Freshness freshness, Quality quality) {
  return freshness == Freshness::Fresh && quality == Quality::Good;
}

}  // namespace rivet::tags
