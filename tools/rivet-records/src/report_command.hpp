// `rivet-records report`: options, loading the records and the optional pack, writing the PDF or HTML atomically.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rivet::trainingreport {

struct ReportOptions {
  std::string database;
  std::string procedure_id;
  std::vector<std::string> trainees;  // --trainee (repeatable)
  std::string cohort;                 // "a,b,c" or "@file"
  std::string cohort_label;
  std::string from, to;               // YYYY-MM-DD (UTC), inclusive
  std::string pack;
  std::optional<double> pass_mark;
  std::string lang;                   // fr | en | "" (from LANG)
  std::string format;                 // pdf | html | "" (from the extension)
  std::string out;
  std::string by;
  std::string generated_at;
};

// Runs the command; returns the exit status (0 written, 1 failed, 2 bad input) and prints errors on stderr.
int runReport(const ReportOptions& options);

}  // namespace rivet::trainingreport
