// Accessibility test scenarios: every panel and state of the overlay as plain view values, and how to reach them.
#pragma once

#include <string>
#include <vector>

#include "rivet/ui/overlay.hpp"

namespace rivet::ui::test {

struct Scenario {
  std::string name;
  OverlayModel model;
  std::vector<std::string> opens;  // controls pressed first (pickers, settings), by widget name
  std::string hover;               // a control the pointer rests on in the frame looked at ("" = none)
};

// Login (user list, PIN pad), work orders, the step card in each gate state and kind of control, pickers
// (skip reasons, sign-off PIN), settings, finished/aborted; live values fresh/stale/missing/bad/alarm; alarms of
// each severity; data-lost banner; tracking tracked/searching/degraded/ambiguous/rejected/anchored in the room.
std::vector<Scenario> scenarios(Language language);

// Presses a control as a person would: a pointer click when it is on screen, else Tab until it has the keyboard
// focus (which scrolls it into view) and Enter. Returns the commands it gave; false in `found` when it never
// appeared.
std::vector<Command> press(Overlay& overlay, const OverlayModel& model, const std::string& widget, int width,
                           int height, bool* found = nullptr);
// The scenario's frame: its `opens` pressed, then one frame with the pointer on `hover` (or off the UI).
void show(Overlay& overlay, const Scenario& scenario, int width, int height);

}  // namespace rivet::ui::test
