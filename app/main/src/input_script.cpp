// InputScript: parses the JSONL input script and plays it one display frame at a time.
#include "input_script.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rivet::app {

namespace {
constexpr const char* kWaitKeys[] = {"step", "gate", "screen", "user", "data", "frames", "seconds"};
}

core::Result<InputScript> InputScript::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return core::makeError("cannot read the input script", file.string(), "check the path given to --input");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), file.string());
}

core::Result<InputScript> InputScript::parse(const std::string& text, const std::string& where) {
  InputScript s;
  s.where_ = where;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const std::string here = where + ":" + std::to_string(n);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      return core::makeError(std::string("not a JSON object: ") + e.what(), here, "one action per line, e.g. {\"click\":\"confirm\"}");
    }
    if (!j.is_object()) return core::makeError("not a JSON object", here, "one action per line, e.g. {\"click\":\"confirm\"}");
    Action a;
    a.line = n;
    a.text = line.substr(first);
    for (const char* kind : {"click", "type", "key", "command", "wait"}) {
      if (!j.contains(kind)) continue;
      if (!a.kind.empty()) return core::makeError("two actions on one line", here, "put each action on its own line");
      a.kind = kind;
    }
    if (a.kind.empty()) {
      return core::makeError("no action on this line", here, "use one of click, type, key, command, wait");
    }
    const auto& v = j[a.kind];
    if (a.kind == "wait") {
      if (!v.is_object() || v.empty()) return core::makeError("\"wait\" needs an object such as {\"step\":\"torque\"}", here);
      for (const auto& [key, value] : v.items()) {
        bool known = false;
        for (const char* k : kWaitKeys) known |= key == k;
        if (!known) {
          return core::makeError("cannot wait for '" + key + "'", here, "use step, gate, screen, user, data, frames or seconds");
        }
        a.conditions.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
      }
    } else {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return core::makeError("\"" + a.kind + "\" needs a non-empty string", here);
      }
      a.arg = v.get<std::string>();
      if (a.kind == "key" && a.arg != "Enter" && a.arg != "Backspace" && a.arg != "Escape") {
        return core::makeError("unknown key '" + a.arg + "'", here, "use Enter, Backspace or Escape; digits go in \"type\"");
      }
    }
    if (j.contains("after_s")) {
      if (!j["after_s"].is_number() || j["after_s"].get<double>() < 0) return core::makeError("after_s must be a number >= 0", here);
      a.after_s = j["after_s"].get<double>();
    }
    if (j.contains("timeout_s")) {
      if (!j["timeout_s"].is_number() || j["timeout_s"].get<double>() <= 0) return core::makeError("timeout_s must be a number > 0", here);
      a.timeout_s = j["timeout_s"].get<double>();
    }
    s.actions_.push_back(std::move(a));
  }
  return s;
}

std::string InputScript::current() const {
  if (done()) return {};
  return where_ + ":" + std::to_string(actions_[index_].line) + " " + actions_[index_].text;
}

core::Result<ui::Input> InputScript::next(const ScriptState& state, std::int64_t mono_ns) {
  ui::Input input;
  if (done()) return input;
  const Action& a = actions_[index_];
  if (started_mono_ < 0) {
    started_mono_ = mono_ns;
    started_session_ = state.now_ns;
    frames_waited_ = 0;
  }
  auto finish = [&] {
    ++index_;
    phase_ = 0;
    started_mono_ = -1;
  };
  const double waited_s = static_cast<double>(mono_ns - started_mono_) / 1e9;
  const double session_s = static_cast<double>(state.now_ns - started_session_) / 1e9;
  if (waited_s > a.timeout_s + a.after_s) {
    std::string now = "screen " + state.screen + ", step '" + state.step + "', gate " + state.gate +
                      ", data " + (state.data_ok ? "ok" : "down");
    return core::makeError("waited " + std::to_string(static_cast<int>(a.timeout_s)) + " s for " + a.text + " (now: " + now + ")",
                           where_ + ":" + std::to_string(a.line), "check the script against the procedure, or raise timeout_s");
  }
  if (session_s < a.after_s) {
    ++frames_waited_;
    return input;
  }
  if (a.kind == "wait") {
    bool all = true;
    for (const auto& [key, want] : a.conditions) {
      if (key == "step") all &= state.step == want;
      if (key == "gate") all &= state.gate == want;
      if (key == "screen") all &= state.screen == want;
      if (key == "user") all &= state.user == want;
      if (key == "data") all &= (want == "ok") == state.data_ok;
      if (key == "frames") all &= frames_waited_ >= std::atoi(want.c_str());
      if (key == "seconds") all &= session_s - a.after_s >= std::atof(want.c_str());
    }
    ++frames_waited_;
    if (all) finish();
    return input;
  }
  if (a.kind == "type") {
    input.text = a.arg;
    finish();
  } else if (a.kind == "key") {
    input.keys.push_back(a.arg);
    finish();
  } else if (a.kind == "command") {
    input.commands.push_back(a.arg);
    finish();
  } else if (a.kind == "click") {
    if (phase_ == 0) {
      const auto rect = state.overlay != nullptr ? state.overlay->widget(a.arg) : std::nullopt;
      if (!rect) {
        ++frames_waited_;
        return input;  // not on screen yet
      }
      press_x_ = rect->cx();
      press_y_ = rect->cy();
      input.pointer_valid = true;
      input.x = press_x_;
      input.y = press_y_;
      input.pointer_down = true;
      phase_ = 1;
    } else {
      input.pointer_valid = true;
      input.x = press_x_;
      input.y = press_y_;
      input.pointer_down = false;
      finish();
    }
  }
  return input;
}

}  // namespace rivet::app
