// SimulatedSource: the in-process plant simulator feeding the tag store (offline demos, headless app, CI).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rivet/tags/bindings.hpp"
#include "rivet/tags/plant.hpp"
#include "rivet/tags/router.hpp"
#include "rivet/tags/store.hpp"

namespace rivet::tags {

struct SimulatorOptions {
  std::uint64_t seed = 1;
  std::string group = "Plant1";  // the Sparkplug address the simulated plant answers to
  std::string node = "Cell3";
  std::int64_t period_ms = 100;  // publish period: step() updates the store at most this often
};

class SimulatedSource {
 public:
  explicit SimulatedSource(const TagBindings& bindings, SimulatorOptions options = {});

  void setScenario(Scenario scenario, std::int64_t now_ns);
  [[nodiscard]] Scenario scenario() const { return plant_.scenario(); }

  // Advances the plant to now_ns (wall clock ns; also used as source and receive time) and writes every bound,
  // reporting metric into the store; returns how many tags were updated (0 between periods).
  std::size_t step(TagStore& store, std::int64_t now_ns);

  // Bindings that no plant metric feeds (listed once so authors can fix tags.yaml).
  [[nodiscard]] const std::vector<std::string>& unboundTags() const { return unbound_; }

 private:
  SimulatorOptions options_;
  PlantModel plant_;
  TagRouter router_;
  std::vector<int> binding_of_metric_;  // plant metric index -> binding index or -1
  std::vector<std::string> unbound_;
  std::int64_t next_ns_ = 0;
  bool started_ = false;
};

}  // namespace rivet::tags
