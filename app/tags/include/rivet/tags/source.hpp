// TagSource: where the app's live values come from (a broker or the built-in simulator), behind one interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "rivet/core/result.hpp"
#include "rivet/tags/bindings.hpp"
#include "rivet/tags/mqtt.hpp"
#include "rivet/tags/plant.hpp"
#include "rivet/tags/store.hpp"

namespace rivet::tags {

struct SourceStatus {
  bool connected = false;       // simulator: always; broker: the MQTT session is up
  std::string description;      // "mqtts://broker:8883" or "simulator (normal)"
  std::string last_error;       // last connection problem, empty when none
  std::uint64_t connection_losses = 0;
};

class TagSource {
 public:
  virtual ~TagSource() = default;
  // Called once per camera-rate update: the simulator advances the plant and writes the store; a broker source
  // writes from its own thread and does nothing here.
  virtual void poll(TagStore& store, std::int64_t now_ns) = 0;
  [[nodiscard]] virtual SourceStatus status() const = 0;
  // The simulated plant, to follow a lockout in demos; nullptr for a real plant.
  virtual class SimulatedSource* simulator() { return nullptr; }
};

// The in-process simulated robot cell, starting in `scenario` at now_ns.
std::unique_ptr<TagSource> makeSimulatorSource(const TagBindings& bindings, Scenario scenario, std::uint64_t seed,
                                               std::int64_t now_ns);
// Subscribes to the broker (Sparkplug B and JSON bindings of tags.yaml); values flow into `store`, which must
// outlive the source. Fails only on bad options; an unreachable broker retries in the background.
core::Result<std::unique_ptr<TagSource>> makeBrokerSource(const MqttOptions& options, const TagBindings& bindings,
                                                          TagStore& store);

}  // namespace rivet::tags
