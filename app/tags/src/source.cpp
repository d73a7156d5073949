// TagSource implementations: adapters over SimulatedSource and MqttSource.
#include "rivet/tags/source.hpp"

#include "rivet/tags/simulator.hpp"

namespace rivet::tags {
namespace {

class SimulatorTagSource final : public TagSource {
 public:
  SimulatorTagSource(const TagBindings& bindings, Scenario scenario, std::uint64_t seed, std::int64_t now_ns)
      : sim_(bindings, SimulatorOptions{seed}) {
    sim_.setScenario(scenario, now_ns);
  }
  void poll(TagStore& store, std::int64_t now_ns) override { sim_.step(store, now_ns); }
  [[nodiscard]] SourceStatus status() const override {
    SourceStatus s;
    s.connected = true;
    s.description = "simulator (" + std::string(toString(sim_.scenario())) + ")";
    return s;
  }
  SimulatedSource* simulator() override { return &sim_; }

 private:
  SimulatedSource sim_;
};

class BrokerTagSource final : public TagSource {
 public:
  BrokerTagSource(std::unique_ptr<MqttSource> source, std::string url)
      : source_(std::move(source)), url_(std::move(url)) {}
  void poll(TagStore&, std::int64_t) override {}
  [[nodiscard]] SourceStatus status() const override {
    const MqttSourceStats st = source_->stats();
    SourceStatus s;
    s.connected = st.connected;
    s.description = url_;
    s.last_error = st.last_error;
    s.connection_losses = st.connection_losses;
    return s;
  }

 private:
  std::unique_ptr<MqttSource> source_;
  std::string url_;
};

}  // namespace

std::unique_ptr<TagSource> makeSimulatorSource(const TagBindings& bindings, Scenario scenario, std::uint64_t seed,
                                               std::int64_t now_ns) {
  return std::make_unique<SimulatorTagSource>(bindings, scenario, seed, now_ns);
}

core::Result<std::unique_ptr<TagSource>> makeBrokerSource(const MqttOptions& options, const TagBindings& bindings,
                                                          TagStore& store) {
  auto source = MqttSource::start(options, bindings, store);
  if (!source.ok()) return source.error();
  return std::unique_ptr<TagSource>(std::make_unique<BrokerTagSource>(std::move(*source), options.broker_url));
}

}  // namespace rivet::tags
