// Training helpers: fault scenario lookup and validation of a trainer's selection.
#include "rivet/procedure/training.hpp"

namespace rivet::procedure {

const FaultScenario* findFault(const Procedure& procedure, const std::string& id) {
  for (const auto& f : procedure.training.faults) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

core::Status checkFaults(const Procedure& procedure, const std::vector<std::string>& fault_ids) {
  for (const auto& id : fault_ids) {
    if (findFault(procedure, id)) continue;
    std::string available;
    for (const auto& f : procedure.training.faults) available += (available.empty() ? "" : ", ") + f.id;
    return core::makeError("procedure '" + procedure.id + "' has no fault scenario '" + id + "'", procedure.source,
                           available.empty() ? "this procedure defines no training faults" : "available: " + available);
  }
  return {};
}

}  // namespace rivet::procedure
