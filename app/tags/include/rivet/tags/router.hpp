// TagRouter: finds the binding of an incoming metric or topic and turns a raw sample into a tag value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rivet/tags/bindings.hpp"
#include "rivet/tags/store.hpp"
#include "rivet/tags/tag.hpp"

namespace rivet::tags {

// A value as decoded from a payload, before unit conversion and range checks.
struct RawSample {
  Value value{0.0};
  Quality quality = Quality::Good;
  std::int64_t source_time_ns = 0;  // 0 = unknown (receive time is used)
  bool is_null = false;             // Sparkplug is_null / JSON null: value unknown -> Bad
};

class TagRouter {
 public:
  explicit TagRouter(const TagBindings& bindings);

  // Sparkplug metric address -> binding index, or -1.
  [[nodiscard]] int findSparkplug(std::string_view group, std::string_view node, std::string_view device,
                                  std::string_view metric) const;
  [[nodiscard]] int findTopic(std::string_view topic) const;
  [[nodiscard]] const TagBinding& binding(int index) const { return bindings_.tags[static_cast<std::size_t>(index)]; }
  [[nodiscard]] const TagBindings& bindings() const { return bindings_; }

  // Converts (type, scale/offset, invert, range, flatline) and writes the result into the store.
  void apply(int index, const RawSample& raw, std::int64_t receive_time_ns, TagStore& store);

  // Engineering value of a raw sample for a binding (no flatline state); exposed for tests and tools.
  static TagValue convert(const TagBinding& binding, const RawSample& raw, std::int64_t receive_time_ns);

 private:
  struct Flatline {
    double last = 0.0;
    std::int64_t since_ns = 0;
    bool seen = false;
  };
  TagBindings bindings_;
  std::unordered_map<std::string, int> by_sparkplug_;  // "group/node/device/metric"
  std::unordered_map<std::string, int> by_topic_;
  std::vector<Flatline> flatline_;
};

std::string sparkplugKey(std::string_view group, std::string_view node, std::string_view device,
                         std::string_view metric);

}  // namespace rivet::tags
