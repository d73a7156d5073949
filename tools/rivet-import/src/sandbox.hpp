// Runs a third-party parser in a child process with memory and time limits; every failure becomes one Error.
#pragma once

#include <functional>
#include <string>

#include "scene.hpp"

namespace rivet::import {

struct SandboxLimits {
  std::size_t memory_mb = 4096;  // resident memory of the child; killed above it
  double time_s = 300;           // wall-clock time of the child; killed after it
};

// Progress reported by the child (fraction 0..1 of this input and a short label); called in the parent.
using ProgressFn = std::function<void(double fraction, const std::string& what)>;

// Runs `read` in a forked child. The child's result (scene or error) comes back through a temporary file;
// a crash, abort, hang or memory blow-up is reported naming the file and the format.
core::Result<ImportedScene> runSandboxed(const std::string& path, const std::string& format,
                                         const SandboxLimits& limits,
                                         const std::function<core::Result<ImportedScene>(const ProgressFn&)>& read,
                                         const ProgressFn& progress);

}  // namespace rivet::import
