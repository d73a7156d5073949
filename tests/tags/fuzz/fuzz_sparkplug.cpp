// libFuzzer target: Sparkplug B payloads on every message type through the stateful host decoder and the codec.
#include <string_view>

#include "fuzz_entry.hpp"
#include "rivet/tags/sparkplug.hpp"

using namespace rivet::tags;

extern "C" int RIVET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  static const TagBindings bindings = [] {
    auto r = parseBindings(R"(
defaults: {sparkplug: {group: Plant1, node: Cell3}}
tags:
  - {id: a, label: {en: A, fr: A}, source: {sparkplug: {device: Robot, metric: "Axis1/Speed"}}, range: {min: -400, max: 400}, flatline_ms: 100}
  - {id: b, type: bool, label: {en: B, fr: B}, source: {sparkplug: {device: Cell, metric: "MainContactor"}}}
  - {id: c, type: string, label: {en: C, fr: C}, source: {sparkplug: {metric: "Mode"}}}
  - {id: d, type: enum, label: {en: D, fr: D}, source: {sparkplug: {device: Robot, metric: "State"}}, enum: [{code: 1, en: x, fr: x}]}
)", "fuzz.yaml");
    return r.ok() ? *r : TagBindings{};
  }();
  static TagStore store(bindings);
  static sparkplug::HostDecoder host(bindings);
  static std::int64_t now_ns = 1'700'000'000'000'000'000;
  static const char* const kTopics[] = {
      "spBv1.0/Plant1/NBIRTH/Cell3",       "spBv1.0/Plant1/DBIRTH/Cell3/Robot", "spBv1.0/Plant1/DDATA/Cell3/Robot",
      "spBv1.0/Plant1/NDATA/Cell3",        "spBv1.0/Plant1/NDEATH/Cell3",       "spBv1.0/Plant1/DDEATH/Cell3/Robot",
      "spBv1.0/Plant1/DBIRTH/Cell3/Cell",  "spBv1.0/Plant1/DDATA/Cell3/Cell",   "spBv1.0/Plant1/DDATA/Cell3",
      "spBv1.0/STATE/host",
  };
  if (size == 0) return 0;
  const std::string_view topic = kTopics[data[0] % (sizeof kTopics / sizeof kTopics[0])];
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  now_ns += 1'000'000;
  (void)host.handle(topic, payload, now_ns, store);
  auto decoded = sparkplug::decode(payload);
  if (decoded.ok()) {
    // what decodes must encode and decode again to the same number of metrics
    auto again = sparkplug::decode(sparkplug::encode(*decoded));
    if (!again.ok() || again->metrics.size() != decoded->metrics.size()) __builtin_trap();
  }
  return 0;
}
