// Tag bindings from a content pack's tags.yaml: where each tag comes from, its unit conversion, range, alarms, labels.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/tags/tag.hpp"

namespace rivet::tags {

enum class SourceKind : std::uint8_t {
  Sparkplug,  // Sparkplug B metric: spBv1.0/<group>/{N,D}{BIRTH,DATA,DEATH}/<node>[/<device>], metric by name/alias
  Json,       // plain MQTT topic carrying {"v":...,"t":...,"q":...} (or a bare JSON scalar)
};

// A Sparkplug metric address; device empty = a node-level metric (NBIRTH/NDATA).
struct SparkplugRef {
  std::string group;
  std::string node;
  std::string device;
  std::string metric;
};

struct SourceAddress {  // where a bound tag is published
  SourceKind kind = SourceKind::Sparkplug;
  SparkplugRef sparkplug;  // when kind == Sparkplug
  std::string topic;       // when kind == Json
};

enum class Severity : std::uint8_t { Info, Warning, Critical };
enum class LimitKind : std::uint8_t { Low, High };

std::string_view toString(Severity severity);
std::string_view toString(LimitKind kind);

// One alarm limit: raised when the value crosses threshold, cleared once it is back by hysteresis.
struct AlarmLimit {
  std::string id;                    // unique within the tag, e.g. "high", "high_high"
  LimitKind kind = LimitKind::High;
  double threshold = 0.0;            // in the tag's engineering unit
  double hysteresis = 0.0;           // >= 0, same unit
  Severity severity = Severity::Warning;
  std::string message_en, message_fr;
  std::vector<std::string> ack_roles;  // roles allowed to acknowledge; never empty after parsing
};

struct EnumLabel {
  std::int64_t code = 0;
  std::string label_en, label_fr;
};

struct TagBinding {
  std::string id;       // e.g. "robot.axis_speed" — what procedures and the UI refer to
  SourceAddress source_ref;
  std::string source;   // canonical text of the source: "Plant1/Cell3/Robot/Axis1/Speed" or the MQTT topic
  ValueType type = ValueType::Number;
  std::string unit;     // engineering unit after conversion, e.g. "bar", "°C"
  double scale = 1.0;   // engineering = raw * scale + offset (numbers only)
  double offset = 0.0;
  bool invert = false;  // bools only: publish false for a raw true (normally-closed contacts)
  std::optional<double> min, max;  // plausible range; a value outside is marked Bad (sensor fault)
  int decimals = 1;     // digits after the decimal point when shown
  std::string label_en, label_fr;
  std::string true_en = "true", true_fr = "vrai", false_en = "false", false_fr = "faux";  // bool labels
  std::vector<EnumLabel> enum_labels;
  std::int64_t max_age_ms = 5000;     // older than this (by receive time) = Stale
  std::int64_t flatline_ms = 0;       // > 0: an unchanged value for this long is Uncertain (stuck sensor)
  std::vector<AlarmLimit> alarms;
  int line = 0;                       // 1-based line in tags.yaml, for messages
};

struct TagBindings {
  std::string file;  // where they came from, for messages
  std::vector<TagBinding> tags;

  [[nodiscard]] const TagBinding* find(std::string_view id) const;
};

// Parses tags.yaml text. `source` names the file in errors ("pack/tags.yaml:12:5: ...").
core::Result<TagBindings> parseBindings(std::string_view yaml_text, const std::string& source);
// Reads a tags.yaml file, or <dir>/tags.yaml when given a pack directory.
core::Result<TagBindings> loadBindings(const std::filesystem::path& file_or_pack_dir);

}  // namespace rivet::tags
