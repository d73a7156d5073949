// rivet-records: add/unlock users, issue/revoke login badges (QR PNG), verify the journal's hash chain, export sessions for the CMMS, show training history, write training reports (PDF/HTML, fr/en).
#include <CLI/CLI.hpp>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "report_command.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/records/store.hpp"
#include "rivet/tracking/image_io.hpp"
#include "rivet/tracking/qr_code.hpp"

namespace {

using namespace rivet;

int report(const core::Error& e, int code = 2) {
  std::fprintf(stderr, "rivet-records: %s\n", e.describe().c_str());
  return code;
}

// The badge PNG and payload file hold the login token: readable by their owner only.
void ownerOnly(const std::string& path) {
  std::error_code ec;
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ec);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Rivet records: users, audit-chain verification, CMMS export, training history."};
  app.require_subcommand(1);

  std::string db_path;
  auto* add = app.add_subcommand("add-user", "add a user (the secret is read from RIVET_SECRET or the first stdin line)");
  std::string name, role_name;
  std::uint64_t kdf_n = 0;
  add->add_option("DB", db_path, "records database")->required();
  add->add_option("--name", name, "login name")->required();
  add->add_option("--role", role_name, "technician | trainer | author | admin")
      ->required()
      ->check(CLI::IsMember({"technician", "trainer", "author", "admin"}));
  add->add_option("--kdf-n", kdf_n, "scrypt N (power of two; default 32768). Lower only for tests")->check(CLI::PositiveNumber);

  auto* unlock = app.add_subcommand("unlock", "unlock a user locked out after failed logins");
  unlock->add_option("DB", db_path, "records database")->required();
  unlock->add_option("--name", name, "login name")->required();

  auto* issue = app.add_subcommand("issue-badge",
                                    "issue a login badge (replaces the user's previous one) as a printable QR PNG");
  std::string badge_png, payload_out;
  int module_px = 10;
  issue->add_option("DB", db_path, "records database")->required()->check(CLI::ExistingFile);
  issue->add_option("--name", name, "login name")->required();
  issue->add_option("-o,--out", badge_png, "badge image to write (.png)")->required();
  issue->add_option("--payload-out", payload_out, "also write the QR text to this file (it is a secret)");
  issue->add_option("--module-px", module_px, "pixels per QR module (default 10)")->check(CLI::Range(2, 40));

  auto* revoke = app.add_subcommand("revoke-badge", "revoke a user's login badge (a lost or stolen badge)");
  revoke->add_option("DB", db_path, "records database")->required()->check(CLI::ExistingFile);
  revoke->add_option("--name", name, "login name")->required();

  auto* verify = app.add_subcommand("verify", "recompute the hash chain; exit 1 if any row was edited, deleted or reordered");
  verify->add_option("DB", db_path, "records database")->required()->check(CLI::ExistingFile);

  auto* exp = app.add_subcommand("export", "one work-order completion record per session");
  std::string format = "json", out_path;
  exp->add_option("DB", db_path, "records database")->required()->check(CLI::ExistingFile);
  exp->add_option("--format", format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
  exp->add_option("--out", out_path, "output file (default: stdout)");

  auto* hist = app.add_subcommand("history", "a trainee's attempts at a procedure and the progress");
  std::string procedure_id;
  hist->add_option("DB", db_path, "records database")->required()->check(CLI::ExistingFile);
  hist->add_option("--user", name, "trainee login name")->required();
  hist->add_option("--procedure", procedure_id, "procedure id")->required();

  auto* rep = app.add_subcommand("report", "training report of a procedure: cohort and per-trainee figures, skill "
                                           "transfer, plots; PDF or HTML, in French or English");
  trainingreport::ReportOptions report_options;
  rep->add_option("DB", report_options.database, "records database")->required()->check(CLI::ExistingFile);
  rep->add_option("--procedure", report_options.procedure_id, "procedure id")->required();
  rep->add_option("--trainee", report_options.trainees, "only this trainee (repeat for several)");
  rep->add_option("--cohort", report_options.cohort,
                  "the cohort's trainees, comma-separated (or @FILE: one name per line)");
  rep->add_option("--cohort-label", report_options.cohort_label, "the cohort's name in the report");
  rep->add_option("--from", report_options.from, "sessions started on or after this day (YYYY-MM-DD, UTC)");
  rep->add_option("--to", report_options.to, "sessions started on or before this day (YYYY-MM-DD, UTC)");
  rep->add_option("--pack", report_options.pack, "the content pack: procedure and step titles, pass mark, pack version")
      ->check(CLI::ExistingDirectory);
  rep->add_option("--pass-mark", report_options.pass_mark, "pass mark (0-100) when no --pack gives it")
      ->check(CLI::Range(0.0, 100.0));
  rep->add_option("--lang", report_options.lang, "fr or en (default: from LANG)")->check(CLI::IsMember({"fr", "en"}));
  rep->add_option("--format", report_options.format, "pdf or html (default: from the -o extension)")
      ->check(CLI::IsMember({"pdf", "html"}));
  rep->add_option("-o,--out", report_options.out, "report file to write (.pdf or .html)")->required();
  rep->add_option("--by", report_options.by, "who generates it (default: the login name)");
  rep->add_option("--generated-at", report_options.generated_at,
                  "time printed as 'generated at' (default: now, or SOURCE_DATE_EPOCH)");

  CLI11_PARSE(app, argc, argv);
  if (rep->parsed()) return trainingreport::runReport(report_options);

  records::StoreOptions options;
  if (kdf_n) options.kdf.n = kdf_n;
  auto store = records::Store::open(db_path, options);
  if (!store) return report(store.error());
  const std::int64_t now = core::wallClockNs();

  if (add->parsed()) {
    std::string secret;
    if (const char* env = std::getenv("RIVET_SECRET")) {
      secret = env;
    } else {
      std::getline(std::cin, secret);
    }
    auto user = store->addUser(name, *procedure::roleFromString(role_name), secret, now);
    if (!user) return report(user.error());
    std::printf("added %s (%s)\n", user->name.c_str(), role_name.c_str());
    return 0;
  }
  if (unlock->parsed()) {
    if (auto s = store->unlockUser(name, now); !s) return report(s.error());
    std::printf("unlocked %s\n", name.c_str());
    return 0;
  }
  if (issue->parsed()) {
    // Checked before issuing: a badge that cannot be written would still revoke the previous one.
    const std::filesystem::path png(badge_png);
    std::string ext = png.extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext != ".png") return report(core::makeError("the badge image must be a .png file", badge_png));
    if (png.has_parent_path() && !std::filesystem::is_directory(png.parent_path())) {
      return report(core::makeError("the folder of the badge image does not exist", badge_png, "create it first"));
    }
    auto payload = store->issueBadge(name, now);
    if (!payload) return report(payload.error());
    auto card = tracking::encodeQrCode(*payload, module_px, name);
    if (!card) return report(card.error());
    if (auto st = tracking::saveImage(badge_png, *card); !st) {
      // The new badge is stored but was not printed: revoke it rather than leave an unseen credential active.
      (void)store->revokeBadge(name, core::wallClockNs());
      return report(core::makeError(st.error().message + "; the new badge was revoked (and the previous one too)",
                                    st.error().where, "fix the path and issue the badge again"));
    }
    ownerOnly(badge_png);
    if (!payload_out.empty()) {
      std::ofstream out(payload_out, std::ios::binary | std::ios::trunc);
      out << *payload << "\n";
      out.close();
      if (!out) return report(core::makeError("cannot write the badge payload", payload_out, "check the folder"));
      ownerOnly(payload_out);
    }
    std::printf("issued a badge for %s: %s (any previous badge of %s is revoked)\n", name.c_str(), badge_png.c_str(),
                name.c_str());
    return 0;
  }
  if (revoke->parsed()) {
    if (auto s = store->revokeBadge(name, now); !s) return report(s.error());
    std::printf("revoked the badge of %s\n", name.c_str());
    return 0;
  }
  if (verify->parsed()) {
    auto r = store->verify();
    if (!r) return report(r.error());
    if (r->ok()) {
      std::printf("OK: %lld journal rows, hash chain intact\n", static_cast<long long>(r->rows));
      return 0;
    }
    std::printf("TAMPERED: %zu problem(s) in %lld journal rows\n", r->problems.size(), static_cast<long long>(r->rows));
    for (const auto& p : r->problems) std::printf("  %s\n", p.c_str());
    return 1;
  }
  if (exp->parsed()) {
    auto text = store->exportSessions(format == "csv" ? records::ExportFormat::Csv : records::ExportFormat::Json);
    if (!text) return report(text.error());
    if (out_path.empty()) {
      std::fwrite(text->data(), 1, text->size(), stdout);
      return 0;
    }
    std::ofstream out(out_path, std::ios::binary);
    out << *text;
    if (!out) return report(core::makeError("cannot write the export", out_path, "check the folder and free space"));
    return 0;
  }
  if (hist->parsed()) {
    auto h = store->trainingHistory(name, procedure_id);
    if (!h) return report(h.error());
    std::printf("attempt,session,score,passed,errors,wrong_answers,gate_attempts,hints,total_s\n");
    int i = 0;
    for (const auto& a : h->attempts) {
      std::printf("%d,%lld,%.1f,%s,%d,%d,%d,%d,%.1f\n", ++i, static_cast<long long>(a.session_id), a.score,
                  a.passed ? "yes" : "no", a.errors, a.wrong_answers, a.gate_attempts, a.hints,
                  static_cast<double>(a.total_ms) / 1000.0);
    }
    std::printf("# attempts %zu, pass rate %.0f %%, progress %+.1f points (last - first score)", h->attempts.size(),
                h->pass_rate * 100.0, h->skill_transfer);
    if (!h->attempts.empty() && h->attempts.front().score < 100.0)
      std::printf(", normalised gain %.2f", h->skill_transfer / (100.0 - h->attempts.front().score));
    std::printf("\n# cohort figures and the skill transfer %%: rivet-records report\n");
    return 0;
  }
  return 0;
}
