// Scripted user input for headless acceptance runs: clicks on named widgets, typed digits, keys, commands, waits.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/ui/overlay.hpp"

namespace rivet::app {

// What the script can wait for, sampled once per display frame.
struct ScriptState {
  std::string screen, step, gate, user;
  bool data_ok = true;
  std::int64_t now_ns = 0;  // the session's wall time (replays: the camera's time line)
  const ui::Overlay* overlay = nullptr;
};

// One JSON object per line (blank lines and lines starting with # are skipped):
//   {"click": "confirm"}            press and release on the widget's centre (waits for it to be on screen)
//   {"type": "6.2"}                 characters into the open keypad
//   {"key": "Enter"}                Enter, Backspace, Escape
//   {"command": "next"}             next, back, repeat, confirm, pass, fail, hint
//   {"wait": {"step": "torque"}}    until every given field holds: step, gate, screen, user, data ("ok"|"down"),
//                                   frames (count), seconds (session time)
// Any line may add "after_s": S (wait S seconds of session time first) and "timeout_s": T (default 30 s of real
// time; past it the run stops with an error naming the line and what it was waiting for).
class InputScript {
 public:
  static core::Result<InputScript> load(const std::filesystem::path& file);
  static core::Result<InputScript> parse(const std::string& text, const std::string& where);

  // This frame's input; an error when a line timed out.
  core::Result<ui::Input> next(const ScriptState& state, std::int64_t mono_ns);
  [[nodiscard]] bool done() const { return index_ >= actions_.size(); }
  // "file:line click confirm" of the line being played, empty when done.
  [[nodiscard]] std::string current() const;

  struct Action {
    int line = 0;
    std::string kind;      // click, type, key, command, wait
    std::string arg;
    std::vector<std::pair<std::string, std::string>> conditions;  // wait
    double after_s = 0;
    double timeout_s = 30;
    std::string text;      // the line as written
  };

 private:
  std::string where_;
  std::vector<Action> actions_;
  std::size_t index_ = 0;
  int phase_ = 0;                 // click: 0 = not pressed yet, 1 = pressed (release next)
  float press_x_ = 0, press_y_ = 0;
  std::int64_t started_mono_ = -1, started_session_ = -1;
  int frames_waited_ = 0;
};

}  // namespace rivet::app
