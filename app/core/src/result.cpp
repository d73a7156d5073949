// Formatting of Error for users: one line naming the place, the problem and what to try.
#include "rivet/core/result.hpp"

namespace rivet::core {

std::string Error::describe() const {
  std::string out;
  if (!where.empty()) out += where + ": ";
  out += message;
  if (!hint.empty()) out += " (" + hint + ")";
  return out;
}

}  // namespace rivet::core
