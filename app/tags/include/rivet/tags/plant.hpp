// PlantModel: a physically plausible robot cell driven by time (deterministic for a seed) with switchable faults.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "rivet/tags/tag.hpp"

namespace rivet::tags {

enum class Scenario : std::uint8_t {
  Normal,              // robot cycling, energies on
  BearingOverheating,  // axis bearing friction grows: temperature ramps past alarm limits, vibration rises
  PressureDrop,        // air leak: supply pressure decays towards 2.5 bar
  StuckSensor,         // bearing temperature sensor freezes at its last value but keeps reporting
  SensorDropout,       // bearing temperature and vibration stop reporting (tags go stale)
  PublisherDeath,      // the whole edge node goes silent (NDEATH over MQTT; nothing in-process)
  Lockout,             // LOTO: contactor opened, axis stopped, air vented, oil pressure gone
};

std::string_view toString(Scenario scenario);
std::optional<Scenario> parseScenario(std::string_view name);  // "normal", "bearing_overheating", ...
std::string_view scenarioNames();                               // "normal|bearing_overheating|..." for help text

// Sparkplug B data types the plant publishes (numbers from the Sparkplug 3.0 DataType enum).
enum class MetricType : std::uint8_t { Int64 = 4, Double = 10, Boolean = 11, String = 12 };

struct PlantMetricInfo {
  std::string device;  // Sparkplug device id ("Robot", "Cell")
  std::string name;    // metric name ("Axis1/Speed")
  MetricType type;
  std::string unit;    // unit of the raw published value
};

struct PlantSample {
  std::size_t index;  // into PlantModel::metrics()
  Value value;
};

class PlantModel {
 public:
  explicit PlantModel(std::uint64_t seed = 1);

  static const std::vector<PlantMetricInfo>& metrics();

  // Switches the fault scenario; scenario dynamics start from now_ns.
  void setScenario(Scenario scenario, std::int64_t now_ns);
  [[nodiscard]] Scenario scenario() const { return scenario_; }

  // Advances the physics to now_ns (monotonic, ns; earlier times are ignored) and returns the metrics that report
  // now (all of them normally; fewer in dropout, none on publisher death).
  const std::vector<PlantSample>& step(std::int64_t now_ns);

 private:
  double noise(double sigma);
  void integrate(double dt_s);

  std::mt19937_64 rng_;
  std::normal_distribution<double> gauss_{0.0, 1.0};
  Scenario scenario_ = Scenario::Normal;
  double scenario_start_s_ = 0.0;  // simulated time when the scenario was switched
  std::int64_t last_ns_ = -1;
  double t_s_ = 0.0;  // simulated time since the first step
  // state
  double axis_speed_dps_ = 0.0;
  double prev_axis_speed_dps_ = 0.0;
  double bearing_temp_c_ = 41.0;
  double gripper_temp_c_ = 31.0;
  double air_kpa_ = 620.0;
  double oil_bar_ = 2.4;
  double friction_extra_c_ = 0.0;
  double stuck_value_ = 0.0;
  bool contactor_closed_ = true;
  std::int64_t cycles_ = 0;
  int last_phase_ = 0;
  std::vector<PlantSample> out_;
};

}  // namespace rivet::tags
