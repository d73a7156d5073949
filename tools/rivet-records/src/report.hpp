// Training report of rivet-records: title block, cohort and per-trainee tables, plots, as PDF pages or HTML (fr/en).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rivet/core/text.hpp"
#include "rivet/pagedraw/page.hpp"
#include "rivet/records/store.hpp"
#include "rivet/records/training.hpp"

namespace rivet::trainingreport {

// What the report says about where its figures come from (the title block and the footer).
struct ReportContext {
  core::Language language = core::Language::En;
  std::string procedure_id;
  core::Text procedure_title;                  // from --pack; empty when not given
  std::map<std::string, core::Text> step_titles;  // step id (calls resolved: "loto/isolate") -> title, from --pack
  std::string pack;                            // e.g. "robot-cell 1.0.0, content SHA-256 3f2a… = the records'"
  std::optional<double> pass_mark;             // from --pack or --pass-mark
  std::string selection;                       // "all trainees", "cohort Spring: a, b", "trainee a"
  std::string period;                          // "2025-03-01 – 2025-03-14" (sessions' start dates, UTC)
  std::string generated_at;                    // "2025-03-15 10:00 UTC"
  std::string generated_by;
  std::string database;                        // file name of the records database
  records::VerifyReport verify;                // the journal's hash-chain check
};

struct ReportData {
  std::vector<records::TrainingRecord> records;
  records::TrainingSummary summary;
};

// A4 portrait pages: title block, definitions, cohort table, per-trainee table, score per attempt, time per step,
// gate attempts, per-step table, every attempt; a footer on each page with the journal verification and page x/y.
std::vector<pagedraw::Page> reportPages(const ReportData& data, const ReportContext& context);

// The same report as one self-contained HTML5 document (well-formed XML: XHTML syntax) with inline SVG plots.
std::string reportHtml(const ReportData& data, const ReportContext& context);

// The report's title in the context's language (PDF document information, HTML <title>).
std::string reportTitle(const ReportContext& context);

}  // namespace rivet::trainingreport
