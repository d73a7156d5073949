// Runs the three fuzz harnesses on seeds and ~60 000 deterministic mutations without libFuzzer, so CI (gcc) keeps
// them compiling and crash-free; -DRIVET_FUZZ=ON with clang builds the real libFuzzer targets.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "rivet/tags/json_payload.hpp"
#include "rivet/tags/sparkplug.hpp"

extern "C" int fuzzSparkplug(const std::uint8_t* data, std::size_t size);
extern "C" int fuzzJson(const std::uint8_t* data, std::size_t size);
extern "C" int fuzzBindings(const std::uint8_t* data, std::size_t size);

namespace {
namespace sp = rivet::tags::sparkplug;
using Entry = int (*)(const std::uint8_t*, std::size_t);

std::vector<std::string> sparkplugSeeds() {
  std::vector<std::string> out;
  auto add = [&](char topic_index, const sp::Payload& p) { out.push_back(std::string(1, topic_index) + sp::encode(p)); };
  sp::Payload nbirth;
  nbirth.seq = 0;
  nbirth.metrics = {{"bdSeq", std::nullopt, 1, sp::DataType::Int64, 3.0, false, std::nullopt, true},
                    {"Mode", 1, 1, sp::DataType::String, std::string("AUTO"), false, std::nullopt, true}};
  add(0, nbirth);
  sp::Payload dbirth;
  dbirth.seq = 1;
  dbirth.metrics = {{"Axis1/Speed", 2, 1, sp::DataType::Float, 1.5, false, rivet::tags::Quality::Good, true},
                    {"State", 3, 1, sp::DataType::Int32, -1.0, false, std::nullopt, true}};
  add(1, dbirth);
  sp::Payload ddata;
  ddata.seq = 2;
  ddata.metrics = {{"", 2, 5, sp::DataType::Float, 7.0, false, std::nullopt, true},
                   {"", 3, 5, sp::DataType::Int32, 1.0, true, std::nullopt, true}};
  add(2, ddata);
  sp::Payload death;
  death.metrics = {{"bdSeq", std::nullopt, 0, sp::DataType::Int64, 3.0, false, std::nullopt, true}};
  add(4, death);
  return out;
}

void mutateAndRun(Entry entry, const std::vector<std::string>& seeds, int rounds, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const auto& s : seeds) entry(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  for (int i = 0; i < rounds; ++i) {
    std::string in = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 5) {
        case 0: if (!in.empty()) in[rng() % in.size()] ^= static_cast<char>(1u << (rng() % 8)); break;
        case 1: if (!in.empty()) in.resize(rng() % in.size()); break;
        case 2: {  // insert one byte (built anew: GCC 12 -O3 flags string::insert with a false -Wrestrict)
          const std::size_t at = rng() % (in.size() + 1);
          in = in.substr(0, at) + std::string(1, static_cast<char>(rng())) + in.substr(at);
          break;
        }
        case 3: if (in.size() > 1) in.erase(rng() % in.size(), 1 + rng() % 4); break;
        default: in += seeds[rng() % seeds.size()].substr(0, rng() % 16); break;
      }
    }
    entry(reinterpret_cast<const std::uint8_t*>(in.data()), in.size());
  }
}
}  // namespace

TEST(FuzzSmoke, SparkplugHostSurvivesMutatedPayloads) { mutateAndRun(fuzzSparkplug, sparkplugSeeds(), 30000, 1); }

TEST(FuzzSmoke, JsonDecoderSurvivesMutatedPayloads) {
  mutateAndRun(fuzzJson,
               {R"({"v": 2.5, "t": 1700000000123, "q": "good"})", R"({"v": true, "q": 2150891520})", "42", "\"text\"",
                R"({"v": null})", R"({"v": "AUTO", "t": 1.5e12})"},
               20000, 2);
}

TEST(FuzzSmoke, BindingsParserSurvivesMutatedYaml) {
  mutateAndRun(fuzzBindings,
               {"tags:\n  - id: a.b\n    label: {en: A, fr: B}\n    unit: bar\n    source: {topic: t}\n    scale: 0.01\n"
                "    range: {min: 0, max: 10}\n    alarms: [{id: h, kind: high, limit: 8, hysteresis: 0.5, "
                "severity: warning, message: {en: x, fr: y}}]\n",
                "defaults: {sparkplug: {group: G, node: N}, max_age_ms: 100}\ntags:\n  - {id: k, type: bool, label: "
                "{en: K, fr: K}, source: {sparkplug: {device: D, metric: M}}, true_label: {en: On, fr: Marche}}\n"},
               8000, 3);
}
