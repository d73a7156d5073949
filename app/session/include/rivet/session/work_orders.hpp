// Work orders imported from the maintenance management system (CMMS): JSON or CSV with number, asset, procedure.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"

namespace rivet::session {

struct WorkOrder {
  std::string number;        // CMMS work order number (ordre de travail)
  std::string asset;         // asset id, e.g. RC3-ROB-01
  std::string procedure_id;  // procedure of the pack to run
  std::string title;         // optional
  std::string priority;      // optional
  std::string due;           // optional, as the CMMS writes it (ISO date)
};

// JSON: an array of objects, or {"work_orders": [...]}, each with "number", "asset", "procedure" (and optional
// "title", "priority", "due"). CSV: a header line naming the columns (same names, any order, comma or semicolon
// separated, double quotes for fields with separators), then one order per line. Errors name file:line.
core::Result<std::vector<WorkOrder>> loadWorkOrders(const std::filesystem::path& file);
core::Result<std::vector<WorkOrder>> parseWorkOrders(const std::string& text, const std::string& where);

}  // namespace rivet::session
