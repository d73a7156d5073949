// Training mode hook: how the engine's fault activations reach a tag simulator, without depending on app/tags.
#pragma once

#include <string>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/procedure/procedure.hpp"

namespace rivet::procedure {

// Implemented by whoever owns the tag simulator (app/main wires the tags module's simulator to it).
class FaultInjector {
 public:
  virtual ~FaultInjector() = default;
  virtual core::Status activate(const FaultScenario& fault) = 0;  // force the fault's tag overrides
  virtual core::Status clearAll() = 0;                            // back to normal plant behaviour
};

// Looks up a fault scenario by id in the procedure (nullptr when absent).
const FaultScenario* findFault(const Procedure& procedure, const std::string& id);

// Checks that every selected fault id exists in the procedure; the error lists the available ids.
core::Status checkFaults(const Procedure& procedure, const std::vector<std::string>& fault_ids);

}  // namespace rivet::procedure
