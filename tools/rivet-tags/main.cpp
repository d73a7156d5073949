// rivet-tags: "is the data arriving?" — connects like the headset does and prints each bound tag of a pack with
// value, quality, state (fresh/stale/missing/bad) and age as JSON lines; --watch keeps printing, with alarms.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"
#include "rivet/tags/alarms.hpp"
#include "rivet/tags/format.hpp"
#include "rivet/tags/mqtt.hpp"
#include "rivet/tags/simulator.hpp"

using namespace rivet;
using namespace rivet::tags;

namespace {
std::atomic<bool> g_stop{false};
void onSignal(int) { g_stop = true; }

std::string isoTime(std::int64_t ns) {
  const std::time_t s = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>((ns / 1'000'000) % 1000));
  return out;
}

nlohmann::json valueJson(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return std::get<std::string>(v);
}

nlohmann::json tagLine(const TagBinding& b, const TagStore& store, std::int64_t now, Language lang) {
  const Freshness f = store.freshness(b.id, now);
  nlohmann::json j{{"time", isoTime(now)}, {"id", b.id}, {"label", tagLabel(b, lang)}, {"source", b.source},
                   {"state", toString(f)}, {"gate_ok", store.usableForGate(b.id, now)}};
  if (const auto v = store.get(b.id)) {
    j["value"] = valueJson(v->value);
    j["text"] = formatValue(*v, b, lang);
    j["quality"] = toString(v->quality);
    j["age_ms"] = (now - v->receive_time_ns) / 1'000'000;
    j["source_time"] = isoTime(v->source_time_ns);
  } else {
    j["value"] = nullptr;
    j["text"] = formatValue(TagValue{}, b, lang);
  }
  if (!b.unit.empty()) j["unit"] = b.unit;
  return j;
}

nlohmann::json alarmLine(const AlarmEvent& e, Language lang) {
  return {{"time", isoTime(e.time_ns)}, {"event", std::string("alarm_") + std::string(toString(e.kind))},
          {"alarm", e.alarm.key}, {"severity", toString(e.alarm.severity)}, {"value", e.alarm.value},
          {"threshold", e.alarm.threshold},
          {"message", lang == Language::Fr ? e.alarm.message_fr : e.alarm.message_en}};
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rivet-tags: print the live tags of a content pack as JSON lines (exit 0: all fresh and good)"};
  MqttOptions mqtt;
  mqtt.broker_url.clear();
  std::string pack, lang_name = "en", scenario_name = "normal";
  bool watch = false, simulate = false, verbose = false;
  int interval_ms = 1000;
  double timeout_s = 5.0;
  app.add_option("--broker", mqtt.broker_url, "broker URL: mqtt://host:1883 or mqtts://host:8883");
  app.add_option("--pack", pack, "content pack directory (with tags.yaml) or a tags.yaml file")->required();
  app.add_flag("--watch", watch, "keep printing every --interval, with alarm events, until Ctrl-C");
  app.add_option("--interval", interval_ms, "ms between prints with --watch")->check(CLI::Range(50, 600000));
  app.add_option("--timeout", timeout_s, "without --watch: seconds to wait for every tag")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--lang", lang_name, "en or fr (labels and formatted text)")->check(CLI::IsMember({"en", "fr"}));
  app.add_flag("--simulate", simulate, "no broker: feed the tags from the built-in robot cell simulator");
  app.add_option("--scenario", scenario_name, "with --simulate: " + std::string(scenarioNames()));
  app.add_option("--ca", mqtt.ca_file, "CA certificate (PEM) that signed the broker's certificate");
  app.add_option("--cert", mqtt.cert_file, "client certificate (PEM)");
  app.add_option("--key", mqtt.key_file, "client private key (PEM)");
  app.add_option("--user", mqtt.username, "user name (password from RIVET_MQTT_PASSWORD)");
  app.add_flag("--insecure", mqtt.insecure_skip_verify, "do NOT verify the broker certificate (tests only)");
  app.add_flag("--verbose", verbose, "log connection events on stderr");
  CLI11_PARSE(app, argc, argv);
  if (const char* pw = std::getenv("RIVET_MQTT_PASSWORD")) mqtt.password = pw;
  core::log::setLevel(verbose ? core::log::Level::Info : core::log::Level::Warn);
  const Language lang = lang_name == "fr" ? Language::Fr : Language::En;
  if (mqtt.broker_url.empty() && !simulate) {
    std::cerr << "rivet-tags: give --broker URL, or --simulate to use the built-in simulator\n";
    return 1;
  }

  auto bindings = loadBindings(pack);
  if (!bindings.ok()) {
    std::cerr << "rivet-tags: " << bindings.error().describe() << "\n";
    return 1;
  }
  const TagBindings& b = *bindings;
  TagStore store(b);
  AlarmEngine alarms(b);
  std::unique_ptr<MqttSource> source;
  std::unique_ptr<SimulatedSource> sim;
  if (simulate) {
    const auto sc = parseScenario(scenario_name);
    if (!sc) {
      std::cerr << "rivet-tags: unknown scenario '" << scenario_name << "' (" << scenarioNames() << ")\n";
      return 1;
    }
    sim = std::make_unique<SimulatedSource>(b);
    sim->setScenario(*sc, core::wallClockNs());
  } else {
    mqtt.client_id = "rivet-tags-" + std::to_string(::getpid());
    auto s = MqttSource::start(mqtt, b, store);
    if (!s.ok()) {
      std::cerr << "rivet-tags: " << s.error().describe() << "\n";
      return 1;
    }
    source = std::move(*s);
  }
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);

  auto pump = [&] {
    const std::int64_t now = core::wallClockNs();
    if (sim) sim->step(store, now);
    for (const auto& e : alarms.evaluate(store, now)) std::cout << alarmLine(e, lang).dump() << "\n";
    return now;
  };
  auto allGood = [&](std::int64_t now) {
    for (const auto& t : b.tags)
      if (!store.usableForGate(t.id, now)) return false;
    return true;
  };
  auto summary = [&](std::int64_t now) {
    nlohmann::json j{{"time", isoTime(now)}, {"event", "summary"}, {"tags", b.tags.size()}};
    std::size_t fresh = 0;
    for (const auto& t : b.tags) fresh += store.usableForGate(t.id, now) ? 1 : 0;
    j["usable"] = fresh;
    if (source) {
      const auto st = source->stats();
      j["connected"] = st.connected;
      j["connects"] = st.connects;
      j["connection_losses"] = st.connection_losses;
      j["sparkplug"] = {{"messages", st.sparkplug.messages},       {"applied", st.sparkplug.metrics_applied},
                        {"malformed", st.sparkplug.malformed},     {"seq_gaps", st.sparkplug.seq_gaps},
                        {"rebirths_requested", st.sparkplug.rebirths_requested},
                        {"births", st.sparkplug.births},           {"deaths", st.sparkplug.deaths}};
      j["json"] = {{"messages", st.json_messages}, {"malformed", st.json_malformed}};
      if (!st.last_error.empty()) j["last_error"] = st.last_error;
    } else {
      j["simulated"] = toString(sim->scenario());
    }
    return j;
  };

  if (!watch) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(timeout_s * 1000));
    std::int64_t now = pump();
    while (!g_stop && std::chrono::steady_clock::now() < end && !allGood(now)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      now = pump();
    }
    for (const auto& t : b.tags) std::cout << tagLine(t, store, now, lang).dump() << "\n";
    std::cout << summary(now).dump() << std::endl;
    return allGood(now) ? 0 : 2;
  }
  while (!g_stop) {
    const std::int64_t now = pump();
    for (const auto& t : b.tags) std::cout << tagLine(t, store, now, lang).dump() << "\n";
    std::cout << summary(now).dump() << std::endl;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(interval_ms);
    while (!g_stop && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(interval_ms, 50)));
      pump();
    }
  }
  return 0;
}
