// rivet-tagsim: publishes a physically plausible robot cell as a Sparkplug B edge node; fault scenarios switch at run
// time from stdin, an MQTT control topic or a --schedule, for trainers, demos and tests.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <poll.h>
#include <thread>
#include <unistd.h>

#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"
#include "rivet/tags/mqtt.hpp"
#include "rivet/tags/plant.hpp"

using namespace rivet;
using namespace rivet::tags;

namespace {
std::atomic<bool> g_stop{false};
void onSignal(int) { g_stop = true; }

void emit(const nlohmann::json& j) {
  static std::mutex m;
  std::lock_guard lock(m);
  std::cout << j.dump() << std::endl;
}

struct ScheduleItem {
  double at_s;
  Scenario scenario;
};

// "5:bearing_overheating,60:normal"
std::optional<std::vector<ScheduleItem>> parseSchedule(const std::string& text, std::string& error) {
  std::vector<ScheduleItem> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    const auto colon = item.find(':');
    if (colon == std::string::npos) {
      error = "schedule item '" + item + "' is not SECONDS:SCENARIO";
      return std::nullopt;
    }
    char* parse_end = nullptr;
    const double at = std::strtod(item.c_str(), &parse_end);
    const auto sc = parseScenario(item.substr(colon + 1));
    if (parse_end != item.c_str() + colon || at < 0 || !sc) {
      error = "schedule item '" + item + "': need SECONDS:SCENARIO with SCENARIO one of " + std::string(scenarioNames());
      return std::nullopt;
    }
    out.push_back({at, *sc});
    start = end + 1;
  }
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rivet-tagsim: robot cell simulator publishing Sparkplug B (group/node/devices Robot and Cell)"};
  MqttOptions mqtt;
  std::string scenario_name = "normal", schedule_text, control_topic;
  std::string group = "Plant1", node = "Cell3";
  double rate_hz = 10.0, duration_s = 0.0;
  std::uint64_t seed = 1;
  bool quiet = false;
  app.add_option("--broker", mqtt.broker_url, "broker URL: mqtt://host:1883 or mqtts://host:8883")->required();
  app.add_option("--scenario", scenario_name, "start scenario: " + std::string(scenarioNames()));
  app.add_option("--rate", rate_hz, "publish rate in Hz (0.1..1000)")->check(CLI::Range(0.1, 1000.0));
  app.add_option("--duration", duration_s, "stop after this many seconds (0 = run until Ctrl-C)");
  app.add_option("--schedule", schedule_text, "scenario changes at times, e.g. 5:bearing_overheating,60:normal");
  app.add_option("--group", group, "Sparkplug group id");
  app.add_option("--node", node, "Sparkplug edge node id");
  app.add_option("--seed", seed, "random seed (same seed, same noise)");
  app.add_option("--control-topic", control_topic,
                 "MQTT topic whose payload (a scenario name) switches the scenario; default rivet/tagsim/GROUP/NODE/scenario");
  app.add_option("--ca", mqtt.ca_file, "CA certificate (PEM) that signed the broker's certificate");
  app.add_option("--cert", mqtt.cert_file, "client certificate (PEM) for certificate authentication");
  app.add_option("--key", mqtt.key_file, "client private key (PEM)");
  app.add_option("--user", mqtt.username, "user name (password from RIVET_MQTT_PASSWORD)");
  app.add_flag("--insecure", mqtt.insecure_skip_verify, "do NOT verify the broker certificate (tests only)");
  app.add_flag("--quiet", quiet, "no per-second status lines");
  CLI11_PARSE(app, argc, argv);
  if (const char* pw = std::getenv("RIVET_MQTT_PASSWORD")) mqtt.password = pw;

  auto initial = parseScenario(scenario_name);
  if (!initial) {
    std::cerr << "rivet-tagsim: unknown scenario '" << scenario_name << "' (use one of " << scenarioNames() << ")\n";
    return 2;
  }
  std::vector<ScheduleItem> schedule;
  if (!schedule_text.empty()) {
    std::string error;
    auto s = parseSchedule(schedule_text, error);
    if (!s) {
      std::cerr << "rivet-tagsim: --schedule: " << error << "\n";
      return 2;
    }
    schedule = *s;
  }
  if (control_topic.empty()) control_topic = "rivet/tagsim/" + group + "/" + node + "/scenario";

  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);

  PlantModel plant(seed);
  std::mutex plant_mutex;
  std::optional<Scenario> requested = *initial;  // applied by the loop
  auto request = [&](std::string_view name, const char* via) {
    std::string trimmed(name);
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r' || trimmed.back() == ' '))
      trimmed.pop_back();
    if (trimmed.rfind("scenario ", 0) == 0) trimmed = trimmed.substr(9);
    const auto s = parseScenario(trimmed);
    if (!s) {
      emit({{"event", "error"}, {"message", "unknown scenario '" + trimmed + "'"}, {"via", via},
            {"scenarios", scenarioNames()}});
      return;
    }
    std::lock_guard lock(plant_mutex);
    requested = *s;
  };

  std::vector<EdgeMetricDef> defs;
  for (const auto& m : PlantModel::metrics())
    defs.push_back({m.device, m.name, static_cast<sparkplug::DataType>(static_cast<std::uint32_t>(m.type))});
  EdgeNodeOptions eo;
  eo.mqtt = mqtt;
  eo.group = group;
  eo.node = node;
  eo.control_topic = control_topic;
  eo.on_control = [&](std::string_view payload) { request(payload, "mqtt"); };
  auto edge_r = SparkplugEdgeNode::start(eo, defs);
  if (!edge_r.ok()) {
    std::cerr << "rivet-tagsim: " << edge_r.error().describe() << "\n";
    return 1;
  }
  auto& edge = *edge_r;
  emit({{"event", "started"}, {"broker", mqtt.broker_url}, {"group", group}, {"node", node}, {"rate_hz", rate_hz},
        {"scenario", toString(*initial)}, {"control_topic", control_topic}});

  // stdin: one scenario name per line (when stdin is a terminal or a pipe)
  std::thread stdin_reader([&] {
    std::string line;
    while (!g_stop) {
      pollfd p{STDIN_FILENO, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      if (!std::getline(std::cin, line)) break;
      if (!line.empty()) request(line, "stdin");
    }
  });

  const auto period = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate_hz));
  const auto t_start = std::chrono::steady_clock::now();
  auto next = t_start;
  auto next_status = t_start + std::chrono::seconds(1);
  std::size_t schedule_index = 0;
  bool dead = false;
  bool first = true;
  bool warned_offline = false;
  while (!g_stop) {
    const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    if (duration_s > 0 && elapsed_s >= duration_s) break;
    while (schedule_index < schedule.size() && elapsed_s >= schedule[schedule_index].at_s) {
      std::lock_guard lock(plant_mutex);
      requested = schedule[schedule_index++].scenario;
    }
    const std::int64_t now_ns = core::wallClockNs();
    std::vector<std::pair<std::size_t, Value>> samples;
    {
      std::lock_guard lock(plant_mutex);
      if (requested) {
        const Scenario s = *requested;
        requested.reset();
        if (s != plant.scenario() || first) {
          first = false;
          plant.setScenario(s, now_ns);
          emit({{"event", "scenario"}, {"scenario", toString(s)}, {"t_s", elapsed_s}});
        }
        if (s == Scenario::PublisherDeath && !dead) {
          edge->die();  // the broker publishes our NDEATH will
          dead = true;
        } else if (s != Scenario::PublisherDeath && dead) {
          edge->revive();
          dead = false;
        }
      }
      for (const auto& sample : plant.step(now_ns)) samples.emplace_back(sample.index, sample.value);
    }
    if (!samples.empty()) edge->publish(samples, now_ns / 1'000'000);
    if (!dead && !edge->connected() && elapsed_s > 5 && !warned_offline) {
      emit({{"event", "offline"}, {"error", edge->stats().last_error}});
      warned_offline = true;
    }
    if (edge->connected()) warned_offline = false;
    if (!quiet && std::chrono::steady_clock::now() >= next_status) {
      const auto st = edge->stats();
      emit({{"event", "status"}, {"connected", st.connected}, {"scenario", toString(plant.scenario())},
            {"data_messages", st.data_messages}, {"births", st.births}, {"rebirth_commands", st.rebirth_commands},
            {"bd_seq", st.bd_seq}});
      next_status += std::chrono::seconds(1);
    }
    next += period;
    std::this_thread::sleep_until(next);
  }
  g_stop = true;
  stdin_reader.join();
  const auto st = edge->stats();
  edge.reset();  // clean NDEATH + disconnect
  emit({{"event", "stopped"}, {"data_messages", st.data_messages}, {"births", st.births}});
  return 0;
}
