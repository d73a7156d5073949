// PlantModel: robot cell physics (motion profile, motor current, thermal and pneumatic first-order lags) + faults.
#include "rivet/tags/plant.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace rivet::tags {
namespace {

constexpr double kCycleS = 8.0;       // one pick-and-place cycle
constexpr double kVmaxDps = 150.0;    // axis 1 cruise speed
constexpr double kRampS = 0.6;        // accel / decel time
constexpr double kGearRatio = 100.0;  // motor turns per axis turn
constexpr double kAmbientC = 22.0;
constexpr double kSupplyKpa = 620.0;  // 6.2 bar gauge
constexpr double kLeakFloorKpa = 250.0;
constexpr double kMaxStepS = 0.05;    // integration sub-step

enum Metric : std::size_t {
  kAxisSpeed, kMotorSpeed, kMotorCurrent, kBearingTemp, kVibration, kGripperTemp, kCycleCount, kMode,
  kContactor, kAirPressure, kOilPressure, kMetricCount
};

// Axis speed command over one cycle: +trapezoid, dwell, -trapezoid, dwell.
double profile(double t_s) {
  const double tau = std::fmod(t_s, kCycleS);
  auto trapezoid = [](double x) {  // x in [0, 3)
    if (x < kRampS) return kVmaxDps * x / kRampS;
    if (x < 3.0 - kRampS) return kVmaxDps;
    if (x < 3.0) return kVmaxDps * (3.0 - x) / kRampS;
    return 0.0;
  };
  if (tau < 3.0) return trapezoid(tau);
  if (tau < 4.0) return 0.0;
  if (tau < 7.0) return -trapezoid(tau - 4.0);
  return 0.0;
}

double lag(double value, double target, double tau_s, double dt_s) {
  return target + (value - target) * std::exp(-dt_s / tau_s);
}

}  // namespace

std::string_view toString(Scenario scenario) {
  switch (scenario) {
    case Scenario::Normal: return "normal";
    case Scenario::BearingOverheating: return "bearing_overheating";
    case Scenario::PressureDrop: return "pressure_drop";
    case Scenario::StuckSensor: return "stuck_sensor";
    case Scenario::SensorDropout: return "sensor_dropout";
    case Scenario::PublisherDeath: return "publisher_death";
    case Scenario::Lockout: return "lockout";
  }
  return "normal";
}

std::optional<Scenario> parseScenario(std::string_view name) {
  for (auto s : {Scenario::Normal, Scenario::BearingOverheating, Scenario::PressureDrop, Scenario::StuckSensor,
                 Scenario::SensorDropout, Scenario::PublisherDeath, Scenario::Lockout})
    if (toString(s) == name) return s;
  return std::nullopt;
}

std::string_view scenarioNames() {
  return "normal|bearing_overheating|pressure_drop|stuck_sensor|sensor_dropout|publisher_death|lockout";
}

const std::vector<PlantMetricInfo>& PlantModel::metrics() {
  static const std::vector<PlantMetricInfo> list = {
      {"Robot", "Axis1/Speed", MetricType::Double, "deg/s"},
      {"Robot", "Motor/Speed", MetricType::Double, "rpm"},
      {"Robot", "Motor/Current", MetricType::Double, "A"},
      {"Robot", "Bearing/Temperature", MetricType::Double, "°C"},
      {"Robot", "Vibration/RMS", MetricType::Double, "mm/s"},
      {"Robot", "Gripper/Temperature", MetricType::Double, "°C"},
      {"Robot", "Cycle/Count", MetricType::Int64, ""},
      {"Robot", "Mode", MetricType::String, ""},
      {"Cell", "MainContactor", MetricType::Boolean, ""},
      {"Cell", "Air/Pressure", MetricType::Double, "kPa"},
      {"Cell", "Gearbox/OilPressure", MetricType::Double, "bar"},
  };
  return list;
}

PlantModel::PlantModel(std::uint64_t seed) : rng_(seed) { out_.reserve(kMetricCount); }

double PlantModel::noise(double sigma) { return sigma * gauss_(rng_); }

void PlantModel::setScenario(Scenario scenario, std::int64_t now_ns) {
  if (scenario == Scenario::StuckSensor && scenario_ != Scenario::StuckSensor) stuck_value_ = bearing_temp_c_;
  scenario_ = scenario;
  // Simulated time at now_ns (the plant may not have been stepped up to now yet).
  const double ahead_s = last_ns_ >= 0 && now_ns > last_ns_ ? static_cast<double>(now_ns - last_ns_) / 1e9 : 0.0;
  scenario_start_s_ = t_s_ + ahead_s;
}

void PlantModel::integrate(double dt) {
  const bool energized = scenario_ != Scenario::Lockout;
  contactor_closed_ = energized;
  t_s_ += dt;

  prev_axis_speed_dps_ = axis_speed_dps_;
  if (energized) {
    axis_speed_dps_ = profile(t_s_);
  } else {
    axis_speed_dps_ *= std::exp(-dt / 0.15);  // safe stop
    if (std::abs(axis_speed_dps_) < 0.05) axis_speed_dps_ = 0.0;  // encoder at rest reads exactly 0
  }
  const int phase = static_cast<int>(std::fmod(t_s_, kCycleS) * 2.0);  // half-second slots
  if (energized && phase < last_phase_) ++cycles_;
  // gripper actuations at 3.5 s and 7.5 s draw air
  if (energized && phase != last_phase_ && (phase == 7 || phase == 15)) air_kpa_ -= 35.0;
  last_phase_ = phase;

  const double v = std::abs(axis_speed_dps_);
  const bool overheating = scenario_ == Scenario::BearingOverheating;
  friction_extra_c_ = overheating ? std::min(75.0, friction_extra_c_ + 0.5 * dt) : lag(friction_extra_c_, 0.0, 60.0, dt);

  const double bearing_target = energized ? 38.0 + 0.04 * v + friction_extra_c_ : kAmbientC;
  bearing_temp_c_ = lag(bearing_temp_c_, bearing_target, energized ? 30.0 : 300.0, dt);
  gripper_temp_c_ = lag(gripper_temp_c_, energized ? 31.5 : kAmbientC, 300.0, dt);

  double air_target = energized ? kSupplyKpa : 0.0;
  if (energized && scenario_ == Scenario::PressureDrop) {
    const double since_s = t_s_ - scenario_start_s_;
    air_target = kLeakFloorKpa + (kSupplyKpa - kLeakFloorKpa) * std::exp(-std::max(0.0, since_s) / 20.0);
  }
  air_kpa_ = std::max(0.0, lag(air_kpa_, air_target, energized ? 0.5 : 0.7, dt));  // dump valve vents fast
  oil_bar_ = std::max(0.0, lag(oil_bar_, energized ? 2.2 + 0.002 * v : 0.0, 1.0, dt));
}

const std::vector<PlantSample>& PlantModel::step(std::int64_t now_ns) {
  if (last_ns_ < 0) last_ns_ = now_ns;
  if (now_ns > last_ns_) {
    double remaining = static_cast<double>(now_ns - last_ns_) / 1e9;
    last_ns_ = now_ns;
    while (remaining > 1e-9) {
      const double dt = std::min(kMaxStepS, remaining);
      integrate(dt);
      remaining -= dt;
    }
  }

  const bool energized = contactor_closed_;
  const double v = axis_speed_dps_;
  const double accel = (axis_speed_dps_ - prev_axis_speed_dps_) / kMaxStepS;
  std::array<Value, kMetricCount> values;
  values[kAxisSpeed] = v == 0.0 ? 0.0 : v + noise(0.2);
  values[kMotorSpeed] = v == 0.0 ? 0.0 : std::max(0.0, std::abs(v) * kGearRatio / 6.0 + noise(2.0));
  values[kMotorCurrent] = energized ? 2.0 + 0.012 * std::abs(v) + 0.004 * std::abs(accel) + 0.02 * friction_extra_c_ +
                                          noise(0.03)
                                    : std::abs(noise(0.004));
  values[kBearingTemp] =
      scenario_ == Scenario::StuckSensor ? stuck_value_ : bearing_temp_c_ + noise(0.05);
  values[kVibration] = energized ? std::max(0.0, 0.8 + 0.006 * std::abs(v) + 0.05 * friction_extra_c_ + noise(0.05))
                                 : std::abs(noise(0.01));
  values[kGripperTemp] = gripper_temp_c_ + noise(0.05);
  values[kCycleCount] = static_cast<double>(cycles_);
  values[kMode] = std::string(energized ? "AUTO" : "LOCKED_OUT");
  values[kContactor] = contactor_closed_;
  values[kAirPressure] = std::max(0.0, air_kpa_ + noise(1.0));
  values[kOilPressure] = std::max(0.0, oil_bar_ + (energized ? noise(0.02) : 0.0));

  out_.clear();
  if (scenario_ == Scenario::PublisherDeath) return out_;
  for (std::size_t i = 0; i < kMetricCount; ++i) {
    if (scenario_ == Scenario::SensorDropout && (i == kBearingTemp || i == kVibration)) continue;
    out_.push_back(PlantSample{i, std::move(values[i])});
  }
  return out_;
}

}  // namespace rivet::tags
