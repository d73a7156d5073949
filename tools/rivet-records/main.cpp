// rivet-records: add/unlock users, verify the journal's hash chain, export sessions for the CMMS, show training history.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "rivet/core/clock.hpp"
#include "rivet/records/store.hpp"

namespace {

using namespace rivet;

int report(const core::Error& e, int code = 2) {
  std::fprintf(stderr, "rivet-records: %s\n", e.describe().c_str());
  return code;
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

  auto* verify = app.add_subcommand("verify", "recompute the hash chain; exit 1 if any row was edited, deleted or reordered");
  verify->add_option("DB", db_path, "records database")->required()->check(CLI::ExistingFile);

  auto* exp = app.add_subcommand("export", "one work-order completion record per session");
  std::string format = "json", out_path;
  exp->add_option("DB", db_path, "records database")->required()->check(CLI::ExistingFile);
  exp->add_option("--format", format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
  exp->add_option("--out", out_path, "output file (default: stdout)");

  auto* hist = app.add_subcommand("history", "a trainee's attempts at a procedure and the skill transfer");
  std::string procedure_id;
  hist->add_option("DB", db_path, "records database")->required()->check(CLI::ExistingFile);
  hist->add_option("--user", name, "trainee login name")->required();
  hist->add_option("--procedure", procedure_id, "procedure id")->required();

  CLI11_PARSE(app, argc, argv);

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
    std::printf("# attempts %zu, pass rate %.0f %%, skill transfer %+.1f points (last - first score)\n",
                h->attempts.size(), h->pass_rate * 100.0, h->skill_transfer);
    return 0;
  }
  return 0;
}
