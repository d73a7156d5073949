// SimulatedSource: feeds PlantModel samples through the same bindings and conversions as live MQTT data.
#include "rivet/tags/simulator.hpp"

namespace rivet::tags {

SimulatedSource::SimulatedSource(const TagBindings& bindings, SimulatorOptions options)
    : options_(std::move(options)), plant_(options_.seed), router_(bindings) {
  const auto& metrics = PlantModel::metrics();
  binding_of_metric_.assign(metrics.size(), -1);
  std::vector<bool> used(bindings.tags.size(), false);
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const int b = router_.findSparkplug(options_.group, options_.node, metrics[i].device, metrics[i].name);
    binding_of_metric_[i] = b;
    if (b >= 0) used[static_cast<std::size_t>(b)] = true;
  }
  for (std::size_t i = 0; i < bindings.tags.size(); ++i)
    if (!used[i]) unbound_.push_back(bindings.tags[i].id);
}

void SimulatedSource::setScenario(Scenario scenario, std::int64_t now_ns) { plant_.setScenario(scenario, now_ns); }

std::size_t SimulatedSource::step(TagStore& store, std::int64_t now_ns) {
  if (started_ && now_ns < next_ns_) return 0;
  started_ = true;
  next_ns_ = now_ns + options_.period_ms * 1'000'000;
  std::size_t updated = 0;
  for (const auto& sample : plant_.step(now_ns)) {
    const int b = binding_of_metric_[sample.index];
    if (b < 0) continue;
    RawSample raw;
    raw.value = sample.value;
    raw.source_time_ns = now_ns;
    router_.apply(b, raw, now_ns, store);
    ++updated;
  }
  return updated;
}

}  // namespace rivet::tags
