// The overlay's keyboard: one table of keys and what they do, read by the window, the docs and the tests.
#pragma once

#include <span>
#include <string_view>

#include "rivet/ui/overlay.hpp"

namespace rivet::ui {

// One key (as platform::WindowEvents names it) and what it does. `command` is the named command it sends
// (Input::commands) or empty for keys the overlay handles itself (Input::keys: focus, scrolling, editing).
struct KeyBinding {
  std::string_view key;
  std::string_view command;
  std::string_view en, fr;  // what it does, for help screens and docs
};

// Every key the overlay reacts to, in the order the docs list them. All of them are on the right-hand side of
// a keyboard or on the numeric keypad's row (Enter, arrows, Page Up/Down), or have a left-hand twin (Tab/Down,
// Space/Enter), so one hand on either side can work a whole procedure.
std::span<const KeyBinding> keyBindings();

// Adds what `key` asks for to this frame's input: its named command and/or the key itself. Unknown keys are
// ignored (digits and letters typed reach Input::text separately).
void applyKey(std::string_view key, Input& input);

}  // namespace rivet::ui
