// `rivet-records report`: gathers the attempts, the optional pack's titles and pass mark, the journal verification,
// and writes the report as PDF or HTML through a temporary file (nothing half-written).
#include "report_command.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

#include "report.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/pagedraw/output.hpp"
#include "rivet/pagedraw/pdf.hpp"
#include "rivet/session/library.hpp"

namespace rivet::trainingreport {
namespace {

namespace fs = std::filesystem;

int fail(const core::Error& e, int code) {
  std::fprintf(stderr, "rivet-records: %s\n", e.describe().c_str());
  return code;
}

// "YYYY-MM-DD" -> the Unix time of that day's 00:00 UTC, in ns.
std::optional<std::int64_t> dayStartNs(const std::string& d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return std::nullopt;
  int y = 0, m = 0, day = 0;
  if (std::from_chars(d.data(), d.data() + 4, y).ec != std::errc() ||
      std::from_chars(d.data() + 5, d.data() + 7, m).ec != std::errc() ||
      std::from_chars(d.data() + 8, d.data() + 10, day).ec != std::errc() || m < 1 || m > 12 || day < 1 || day > 31)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = day;
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000;
}

std::string utcText(std::int64_t seconds, const char* format) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

core::Result<std::vector<std::string>> cohortNames(const std::string& cohort) {
  std::vector<std::string> names;
  if (!cohort.empty() && cohort[0] == '@') {
    const std::string file = cohort.substr(1);
    auto text = content::readTextFile(file);
    if (!text) return core::makeError("cannot read the cohort file: " + text.error().message, file,
                                      "give --cohort @FILE with one trainee name per line");
    std::size_t start = 0;
    while (start <= text->size()) {
      const std::size_t end = std::min(text->find('\n', start), text->size());
      const std::string line = trim(text->substr(start, end - start));
      if (!line.empty() && line[0] != '#') names.push_back(line);
      start = end + 1;
    }
  } else {
    std::size_t start = 0;
    while (start <= cohort.size()) {
      const std::size_t end = std::min(cohort.find(',', start), cohort.size());
      const std::string name = trim(cohort.substr(start, end - start));
      if (!name.empty()) names.push_back(name);
      start = end + 1;
    }
  }
  if (names.empty()) return core::makeError("the cohort names no trainee", "--cohort", "give names: --cohort a,b,c");
  return names;
}

std::string loginName() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
  return "unknown";
}

}  // namespace

int runReport(const ReportOptions& o) {
  ReportContext ctx;
  if (!o.lang.empty()) {
    ctx.language = *core::languageFromString(o.lang);
  } else {
    const char* env = std::getenv("LC_ALL");
    if (!env || !*env) env = std::getenv("LANG");
    ctx.language = env && std::string(env).rfind("fr", 0) == 0 ? core::Language::Fr : core::Language::En;
  }
  const bool fr = ctx.language == core::Language::Fr;
  std::string format = o.format;
  if (format.empty()) {
    std::string ext = fs::path(o.out).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".pdf") format = "pdf";
    if (ext == ".html" || ext == ".htm" || ext == ".xhtml") format = "html";
    if (format.empty())
      return fail(core::makeError("cannot tell the format from the file name", o.out,
                                  "name it .pdf or .html, or give --format pdf|html"), 2);
  }

  records::TrainingQuery query;
  query.procedure_id = o.procedure_id;
  query.trainees = o.trainees;
  std::vector<std::string> cohort;
  if (!o.cohort.empty()) {
    auto names = cohortNames(o.cohort);
    if (!names) return fail(names.error(), 2);
    cohort = *names;
    query.trainees.insert(query.trainees.end(), cohort.begin(), cohort.end());
  }
  if (!o.from.empty()) {
    auto from = dayStartNs(o.from);
    if (!from) return fail(core::makeError("'" + o.from + "' is not a date", "--from", "write it YYYY-MM-DD"), 2);
    query.from_ns = *from;
  }
  if (!o.to.empty()) {
    auto to = dayStartNs(o.to);
    if (!to) return fail(core::makeError("'" + o.to + "' is not a date", "--to", "write it YYYY-MM-DD"), 2);
    query.to_ns = *to + 86'400LL * 1'000'000'000;  // the whole day
  }
  if (query.from_ns && query.to_ns && query.to_ns <= query.from_ns)
    return fail(core::makeError("the period ends before it starts", "--from/--to", "swap the dates"), 2);

  auto store = records::Store::open(o.database);
  if (!store) return fail(store.error(), 2);
  auto verify = store->verify();
  if (!verify) return fail(verify.error(), 2);
  ctx.verify = *verify;
  auto loaded = records::loadTrainingRecords(*store, query);
  if (!loaded) return fail(loaded.error(), 2);
  if (loaded->empty())
    return fail(core::makeError("no training attempt at procedure '" + o.procedure_id + "' matches" +
                                    (query.trainees.empty() ? std::string() : " these trainees") +
                                    (query.from_ns || query.to_ns ? " in this period" : ""),
                                o.database, "check --procedure (rivet-records history shows a trainee's attempts)"),
                1);
  ReportData data;
  data.records = std::move(*loaded);
  data.summary = records::summarizeTraining(data.records);

  // The pack: titles, pass mark, and whether it is the content the attempts ran.
  ctx.procedure_id = o.procedure_id;
  std::set<std::string> hashes;
  for (const auto& r : data.records) hashes.insert(r.session.info.pack_hash);
  std::string hash_list;
  for (const auto& h : hashes) hash_list += (hash_list.empty() ? "" : ", ") + h.substr(0, 12) + "…";
  if (!o.pack.empty()) {
    auto library = session::ProcedureLibrary::load(o.pack);
    if (!library) return fail(library.error(), 2);
    const procedure::Procedure* p = library->find(o.procedure_id);
    if (!p)
      return fail(core::makeError("the pack has no procedure '" + o.procedure_id + "'", o.pack,
                                  "its procedures are: " + library->ids()),
                  2);
    ctx.procedure_title = p->title;
    ctx.pass_mark = p->training.pass_mark;
    if (auto resolved = library->resolved(o.procedure_id))
      for (const auto& st : resolved->steps) ctx.step_titles[st.id] = st.title;
    auto manifest_text = content::readTextFile(fs::path(o.pack) / "pack.yaml");
    if (!manifest_text) return fail(manifest_text.error(), 2);
    auto manifest = content::parsePackManifest(*manifest_text, (fs::path(o.pack) / "pack.yaml").string());
    if (!manifest) return fail(manifest.error(), 2);
    auto hash = session::hashPack(o.pack);
    if (!hash) return fail(hash.error(), 2);
    const bool same = hashes.size() == 1 && *hashes.begin() == *hash;
    ctx.pack = manifest->id + " " + manifest->version + ", SHA-256 " + hash->substr(0, 12) + "… " +
               (same ? (fr ? "(celui des tentatives)" : "(the one the attempts ran)")
                     : (fr ? "(les tentatives ont utilisé " : "(the attempts ran ") + hash_list + ")");
  } else {
    ctx.pack = "SHA-256 " + hash_list + (fr ? " (--pack pour son nom et sa version)" : " (--pack for its name and version)");
  }
  if (o.pass_mark) ctx.pass_mark = o.pass_mark;

  // Who, when, which selection and period.
  const auto& trainees = data.summary.trainees;
  std::string names;
  for (const auto& t : trainees) names += (names.empty() ? "" : ", ") + t.trainee;
  if (!cohort.empty() || !o.cohort_label.empty())
    ctx.selection = (fr ? "cohorte " : "cohort ") + (o.cohort_label.empty() ? "" : o.cohort_label + " ") + "(" +
                    std::to_string(trainees.size()) + ")" + (fr ? " : " : ": ") + names;
  else if (!o.trainees.empty())
    ctx.selection = (fr ? "sélection (" : "selected (") + std::to_string(trainees.size()) + ")" + (fr ? " : " : ": ") + names;
  else
    ctx.selection = (fr ? "tous les stagiaires ayant des tentatives (" : "every trainee with attempts (") +
                    std::to_string(trainees.size()) + ")" + (fr ? " : " : ": ") + names;
  std::int64_t first_ns = data.records.front().session.start_ns, last_ns = first_ns;
  for (const auto& r : data.records) {
    first_ns = std::min(first_ns, r.session.start_ns);
    last_ns = std::max(last_ns, std::max(r.session.start_ns, r.session.end_ns));
  }
  const std::string from = !o.from.empty() ? o.from : utcText(first_ns / 1'000'000'000, "%Y-%m-%d");
  const std::string to = !o.to.empty() ? o.to : utcText(last_ns / 1'000'000'000, "%Y-%m-%d");
  ctx.period = from + " – " + to + " (UTC)";
  std::int64_t now_s = std::time(nullptr);
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"))
    if (long long v = 0; std::from_chars(sde, sde + std::strlen(sde), v).ec == std::errc()) now_s = v;
  ctx.generated_at = o.generated_at.empty() ? utcText(now_s, "%Y-%m-%d %H:%M UTC") : o.generated_at;
  ctx.generated_by = o.by.empty() ? loginName() : o.by;
  ctx.database = fs::path(o.database).filename().string();

  std::string bytes;
  std::size_t pages = 1;
  if (format == "pdf") {
    const auto laid = reportPages(data, ctx);
    pages = laid.size();
    pagedraw::PdfInfo info;
    info.title = reportTitle(ctx);
    info.producer = "rivet-records";
    info.comment = "Rivet training report (rivet-records report)";
    bytes = pagedraw::writePdf(laid, info);
  } else {
    bytes = reportHtml(data, ctx);
  }
  if (auto st = pagedraw::writeFilesAtomically({{o.out, bytes}}); !st) return fail(st.error(), 1);

  const auto& c = data.summary.cohort;
  const std::string page_text = format == "pdf" ? std::to_string(pages) + " pages, " : "";
  std::printf(fr ? "écrit %s : %s%d stagiaires, %d tentatives, transfert de compétences %.0f %% ; %s\n"
                 : "wrote %s: %s%d trainees, %d attempts, skill transfer %.0f%%; %s\n",
              o.out.c_str(), page_text.c_str(), c.trainees, c.attempts, c.skill_transfer_pct,
              ctx.verify.ok() ? (fr ? "journal vérifié" : "journal verified")
                              : (fr ? "JOURNAL NON VÉRIFIÉ" : "JOURNAL NOT VERIFIED"));
  if (!ctx.verify.ok())
    std::fprintf(stderr,
                 "rivet-records: warning: the journal's hash chain is broken (%zu problem(s)); the report says so on "
                 "every page (run rivet-records verify)\n",
                 ctx.verify.problems.size());
  return 0;
}

}  // namespace rivet::trainingreport
