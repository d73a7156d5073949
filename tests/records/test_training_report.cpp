// Training records and `rivet-records report`: three trainees run the sample training procedure through the real
// engine and records (RecordedRun); the figures (time per step, cohort, skill transfer, normalised gain) are checked,
// then the report is written in French and English as PDF (rendered with pdftoppm, read back with pdftotext) and as
// HTML (xmllint), deterministic, and a tampered journal shows in its footer.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../common/run_command.hpp"
#include "rivet/records/run.hpp"
#include "rivet/records/training.hpp"
#include "rivet/session/library.hpp"

namespace fs = std::filesystem;
using namespace rivet;
using procedure::Event;
using procedure::EventType;

namespace {

const fs::path kPack = fs::path(RIVET_SOURCE_DIR) / "content" / "samples" / "robot-cell";
const char* kProcedure = "robot-cell3-gripper-fingers-training";
constexpr std::int64_t kT0 = 1'767'225'600LL * 1'000'000'000;  // 2026-01-01 00:00 UTC
constexpr std::int64_t kS = 1'000'000'000;

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

Event event(EventType type, const std::string& target = {}, double value = 0, int answer = -1) {
  Event e;
  e.type = type;
  e.target = target;
  e.value = value;
  e.answer = answer;
  return e;
}

// How a trainee behaves in one attempt. Every action takes `step_s` seconds, the torque step `torque_s`.
struct Plan {
  int wrong_answers = 0;
  bool hint = false;
  bool fault = false;         // the trainer injects air-not-bled: the gate is refused until the air is bled
  double torque = 1.22;       // N·m entered first (1.2 ± 10 % passes)
  std::int64_t step_s = 10;
  std::int64_t torque_s = 30;
};

class TrainingReport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rivet_training_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "records.db").string();
    auto library = session::ProcedureLibrary::load(kPack);
    ASSERT_TRUE(library) << library.error().describe();
    auto resolved = library->resolved(kProcedure);
    ASSERT_TRUE(resolved) << resolved.error().describe();
    procedure_ = *resolved;
    auto hash = session::hashPack(kPack);
    ASSERT_TRUE(hash);
    pack_hash_ = *hash;
  }
  void TearDown() override {
    // RIVET_TEST_KEEP=DIR keeps the reports and rendered pages for a look.
    if (const char* keep = std::getenv("RIVET_TEST_KEEP"))
      fs::copy(dir_, fs::path(keep) / dir_.filename(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    fs::remove_all(dir_);
  }

  // Runs one attempt through RecordedRun: every event is journaled and the score stored at the end.
  void attempt(records::Store& store, const std::string& trainee, const Plan& p) {
    records::SessionStart st;
    st.user = trainee;
    st.pack_hash = pack_hash_;
    st.mode = procedure::Mode::Training;
    if (p.fault) st.faults = {"air-not-bled"};
    st.start_id = trainee + "-" + std::to_string(t_);
    auto run = records::RecordedRun::startOrResume(store, procedure_, st, t_);
    ASSERT_TRUE(run) << run.error().describe();
    int n = 0;
    auto apply = [&](Event e, std::int64_t seconds, const char* want) {
      t_ += seconds * kS;
      e.time_ns = t_;
      auto r = run->apply(e, "e" + std::to_string(++n));
      ASSERT_TRUE(r) << r.error().describe();
      EXPECT_EQ(r->transition.outcome, want) << trainee << " event " << n << " " << r->transition.reason.en;
    };
    auto tag = [&](const char* name, double value) {
      Event e = event(EventType::Tag);
      e.tag = {name, value, procedure::Quality::Good, t_};
      apply(e, 0, "tag");
    };
    for (int i = 0; i < p.wrong_answers; ++i) apply(event(EventType::Answer, {}, 0, 0), p.step_s, "answer_wrong");
    if (p.hint) apply(event(EventType::Hint), 2, "hint");
    apply(event(EventType::Answer, {}, 0, 1), p.step_s, "answer_correct");
    apply(event(EventType::Confirm), p.step_s, "advanced");                  // loto (call)
    apply(event(EventType::Confirm), p.step_s, "advanced");                  // loto/notify
    apply(event(EventType::Confirm, "Q1"), p.step_s, "point_confirmed");     // loto/isolate
    apply(event(EventType::Confirm, "V3"), p.step_s, "advanced");
    // The live values arrive a second before each confirmation of the gate (fresh: max age 2 s).
    if (p.fault) {
      t_ += (p.step_s - 1) * kS;
      tag("robot.axis_speed", 0);
      tag("cell.main_contactor", 0);
      tag("cell.air_pressure", 2.5);
      apply(event(EventType::Confirm), 1, "gate_blocked");
    }
    t_ += (p.step_s - 1) * kS;
    tag("robot.axis_speed", 0);
    tag("cell.main_contactor", 0);
    tag("cell.air_pressure", 0);
    apply(event(EventType::Confirm), 1, "gate_ok");                          // loto/zero-energy
    apply(event(EventType::Confirm), p.step_s, "pass");                      // loto/tryout
    apply(event(EventType::Confirm), p.step_s, "advanced");                  // swap-fingers
    if (std::abs(p.torque - 1.2) > 0.12) {
      apply(event(EventType::Value, {}, p.torque), p.torque_s / 2, "out_of_tolerance");
      apply(event(EventType::Value, {}, 1.21), p.torque_s / 2, "in_tolerance");
    } else {
      apply(event(EventType::Value, {}, p.torque), p.torque_s, "in_tolerance");
    }
    Event sign = event(EventType::SignOff);
    sign.user = "mmartin";
    sign.role = procedure::Role::Trainer;
    apply(sign, p.step_s, "signed");
    EXPECT_TRUE(run->engine().finished());
    t_ += 3600 * kS;
  }

  // alice improves over three attempts, bruno passes his second with a hint, chloé passes first time.
  void buildCohort() {
    records::StoreOptions o;
    o.kdf.n = 1u << 10;
    auto store = records::Store::open(db_, o);
    ASSERT_TRUE(store) << store.error().describe();
    for (const char* name : {"alice", "bruno", "chloé", "mmartin"})
      ASSERT_TRUE(store->addUser(name, std::string(name) == "mmartin" ? procedure::Role::Trainer : procedure::Role::Technician,
                                 "secret-12345", t_));
    attempt(*store, "alice", {2, true, true, 1.22, 20, 60});   // 100 - 2 x 10 (answers) - 2 (hint) - 10 (gate) = 68
    attempt(*store, "bruno", {1, false, true, 1.5, 15, 50});    // 100 - 10 - 10 (gate) - 5 (out of tolerance) = 75
    attempt(*store, "chloé", {0, false, false, 1.2, 8, 20});    // 100
    t_ += 86'400 * kS;
    attempt(*store, "alice", {1, false, false, 1.22, 12, 40});  // 90
    attempt(*store, "bruno", {0, true, false, 1.19, 10, 30});   // 98, with a hint
    t_ += 86'400 * kS;
    attempt(*store, "alice", {0, false, false, 1.2, 9, 24});    // 100
  }

  std::string records(const std::string& args) const {
    return std::string("SOURCE_DATE_EPOCH=1767225600 USER=ci ") + RIVET_RECORDS + " " + args;
  }

  fs::path dir_;
  std::string db_, pack_hash_;
  procedure::Procedure procedure_;
  std::int64_t t_ = kT0;
};

// The gray levels of a PGM (P5, 8-bit) file: its width and pixels.
std::vector<unsigned char> pgmPixels(const fs::path& file, int& width) {
  const std::string data = readAll(file);
  std::istringstream in(data);
  std::string magic;
  int w = 0, h = 0, max = 0;
  in >> magic >> w >> h >> max;
  in.get();
  width = w;
  if (magic != "P5" || max != 255) return {};
  const auto offset = static_cast<std::size_t>(in.tellg());
  return std::vector<unsigned char>(data.begin() + static_cast<std::ptrdiff_t>(offset), data.end());
}

}  // namespace

TEST_F(TrainingReport, FiguresFromTheJournal) {
  buildCohort();
  auto store = records::Store::open(db_);
  ASSERT_TRUE(store);
  auto loaded = records::loadTrainingRecords(*store, {kProcedure, {}, 0, 0});
  ASSERT_TRUE(loaded) << loaded.error().describe();
  ASSERT_EQ(loaded->size(), 6u);
  EXPECT_EQ((*loaded)[0].trainee, "alice");
  EXPECT_EQ((*loaded)[2].attempt, 3);
  EXPECT_EQ((*loaded)[5].trainee, "chloé");

  // Time per step, rebuilt from the journaled events: alice's first attempt.
  const records::TrainingRecord& a1 = (*loaded)[0];
  EXPECT_DOUBLE_EQ(a1.result.score, 68.0);
  EXPECT_FALSE(a1.result.passed);
  auto step = [](const records::TrainingRecord& r, const std::string& id) -> const records::StepTime* {
    for (const auto& s : r.steps)
      if (s.step_id == id) return &s;
    return nullptr;
  };
  const records::StepTime* quiz = step(a1, "quiz-energy-order");
  ASSERT_NE(quiz, nullptr);
  EXPECT_EQ(quiz->duration_ms, (2 * 20 + 2 + 20) * 1000);  // two wrong answers, a hint, the right answer
  EXPECT_EQ(quiz->errors, 2);
  EXPECT_EQ(quiz->hints, 1);
  const records::StepTime* gate = step(a1, "loto/zero-energy");
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(gate->gate_attempts, 1);
  EXPECT_EQ(gate->duration_ms, 40'000);  // refused, then verified, 20 s each
  const records::StepTime* torque = step(a1, "torque");
  ASSERT_NE(torque, nullptr);
  EXPECT_EQ(torque->duration_ms, 60'000);
  EXPECT_EQ(torque->visits, 1);
  ASSERT_EQ(a1.steps.front().step_id, "quiz-energy-order");
  ASSERT_EQ(a1.steps.back().step_id, "trainer-sign-off");
  std::int64_t sum = 0;
  for (const auto& s : a1.steps) sum += s.duration_ms;
  EXPECT_EQ(sum, (a1.session.end_ns - a1.session.start_ns) / 1'000'000) << "the steps add up to the session";

  const auto summary = records::summarizeTraining(*loaded);
  const auto& c = summary.cohort;
  EXPECT_EQ(c.trainees, 3);
  EXPECT_EQ(c.attempts, 6);
  EXPECT_EQ(c.passed_attempts, 4);
  EXPECT_NEAR(c.pass_rate, 4.0 / 6.0, 1e-12);
  EXPECT_NEAR(c.first_attempt_pass_rate, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(c.mean_first_score, (68.0 + 75.0 + 100.0) / 3, 1e-9);
  EXPECT_NEAR(c.mean_last_score, (100.0 + 98.0 + 100.0) / 3, 1e-9);
  EXPECT_EQ(c.transferred, 2) << "alice and chloé passed their last attempt unaided; bruno needed a hint";
  EXPECT_NEAR(c.skill_transfer_pct, 200.0 / 3.0, 1e-9);
  ASSERT_TRUE(c.mean_normalised_gain);
  EXPECT_NEAR(*c.mean_normalised_gain, (1.0 + 23.0 / 25.0) / 2, 1e-9) << "chloé started at 100: no gain to measure";
  EXPECT_EQ(c.most_errors_step, "quiz-energy-order");
  EXPECT_EQ(c.most_time_step, "torque");
  ASSERT_EQ(summary.trainees.size(), 3u);
  EXPECT_EQ(summary.trainees[0].first_pass_attempt, 2);
  EXPECT_FALSE(summary.trainees[2].normalised_gain);

  // Selections: one trainee, a period.
  auto bruno = records::loadTrainingRecords(*store, {kProcedure, {"bruno"}, 0, 0});
  ASSERT_TRUE(bruno);
  EXPECT_EQ(bruno->size(), 2u);
  auto later = records::loadTrainingRecords(*store, {kProcedure, {}, kT0 + 86'400 * kS, 0});
  ASSERT_TRUE(later);
  EXPECT_EQ(later->size(), 3u);
  EXPECT_EQ((*later)[0].attempt, 2) << "attempt numbers count the earlier attempts too";
  auto unknown = records::loadTrainingRecords(*store, {kProcedure, {"zoé"}, 0, 0});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("zoé"), std::string::npos);
}

TEST_F(TrainingReport, PdfInBothLanguages) {
  buildCohort();
  for (const std::string lang : {"en", "fr"}) {
    const fs::path pdf = dir_ / ("report-" + lang + ".pdf");
    auto r = test::runCommand(records("report " + db_ + " --procedure " + kProcedure + " --pack " + q(kPack) +
                                      " --lang " + lang + " -o " + q(pdf)));
    ASSERT_EQ(r.code, 0) << r.out;
    // Rendered: every page exists and has ink on it.
    const fs::path stem = dir_ / ("page-" + lang);
    auto render = test::runCommand("pdftoppm -r 40 -gray " + q(pdf) + " " + q(stem));
    ASSERT_EQ(render.code, 0) << render.out;
    int pages = 0;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().filename().string().rfind("page-" + lang, 0) != 0) continue;
      ++pages;
      int width = 0;
      const auto px = pgmPixels(e.path(), width);
      ASSERT_FALSE(px.empty()) << e.path();
      const auto dark = std::count_if(px.begin(), px.end(), [](unsigned char v) { return v < 128; });
      EXPECT_GT(dark, static_cast<long>(px.size() / 200)) << e.path() << " is blank";
    }
    EXPECT_GE(pages, 3) << "title, tables, three plots and the attempt list do not fit on two A4 pages";
    auto info = test::runCommand("pdfinfo " + q(pdf));
    const auto at = info.out.find("Pages:");
    ASSERT_NE(at, std::string::npos) << info.out;
    EXPECT_EQ(std::stoi(info.out.substr(at + 6)), pages) << info.out;

    auto text = test::runCommand("pdftotext -layout " + q(pdf) + " -");
    ASSERT_EQ(text.code, 0);
    const std::string& t = text.out;
    if (lang == "en") {
      for (const char* want : {"Training report: Training: replace the gripper fingers of",
                               "Skill transfer", "67% (2/3)", "Pass rate (attempts)", "67% (4/6)",
                               "Mean first score", "81.0", "Mean normalised gain <g>", "0.96", "Score per attempt",
                               "Time per step", "Gate attempts per attempt", "chloé", "Torque the finger screws (torque)",
                               "Records: journal verified, hash chain intact", "robot-cell 1.0.0",
                               "(the one the attempts ran)", "Page 1/", "2026-01-01 00:00 UTC",
                               "Journal verification: hash chain intact: no row edited, deleted, inserted or",
                               "without asking for any", "Normalised gain g = (last score - first score)"})
        EXPECT_NE(t.find(want), std::string::npos) << "missing '" << want << "' in\n" << t;
    } else {
      for (const char* want : {"Rapport de formation : Formation : remplacer les doigts de",
                               "Transfert de compétences", "67 % (2/3)", "Taux de réussite (tentatives)",
                               "Score moyen à la première tentative", "81,0", "Gain normalisé moyen <g>", "0,96",
                               "Score par tentative", "Temps par étape", "Étape", "Période", "Généré le", "chloé",
                               "Serrer les vis des doigts au couple (torque)", "« sans aide »", "façon",
                               "dernière tentative", "Enregistrements : journal vérifié, chaîne de hachage intacte",
                               "Seuil de réussite 80", "Page 1/"})
        EXPECT_NE(t.find(want), std::string::npos) << "missing '" << want << "' in\n" << t;
    }
  }
  // Deterministic: the same records and options give the same bytes.
  const fs::path again = dir_ / "again.pdf";
  ASSERT_EQ(test::runCommand(records("report " + db_ + " --procedure " + kProcedure + " --pack " + q(kPack) +
                                     " --lang en -o " + q(again))).code, 0);
  EXPECT_EQ(readAll(again), readAll(dir_ / "report-en.pdf"));
}

TEST_F(TrainingReport, HtmlIsWellFormedWithInlinePlots) {
  buildCohort();
  for (const std::string lang : {"en", "fr"}) {
    const fs::path html = dir_ / ("report-" + lang + ".html");
    auto r = test::runCommand(records("report " + db_ + " --procedure " + kProcedure + " --cohort alice,chloé "
                                      "--cohort-label 'Spring 2026' --pass-mark 80 --lang " + lang + " -o " + q(html)));
    ASSERT_EQ(r.code, 0) << r.out;
    auto lint = test::runCommand("xmllint --noout " + q(html));
    EXPECT_EQ(lint.code, 0) << lint.out;
    const std::string t = readAll(html);
    EXPECT_EQ(t.rfind("<!DOCTYPE html>", 0), 0u);
    std::size_t svgs = 0;
    for (auto at = t.find("<svg "); at != std::string::npos; at = t.find("<svg ", at + 1)) ++svgs;
    EXPECT_EQ(svgs, 3u);
    EXPECT_NE(t.find("<polyline"), std::string::npos) << "score lines";
    EXPECT_EQ(t.find("bruno"), std::string::npos) << "not in the cohort";
    EXPECT_NE(t.find(lang == "fr" ? "cohorte Spring 2026 (2) : alice, chloé" : "cohort Spring 2026 (2): alice, chloé"),
              std::string::npos);
    EXPECT_NE(t.find(lang == "fr" ? "100 % (2/2)" : "100% (2/2)"), std::string::npos) << "both transferred";
    EXPECT_NE(t.find(lang == "fr" ? "lang=\"fr\"" : "lang=\"en\""), std::string::npos);
  }
}

TEST_F(TrainingReport, TamperedJournalAndBadInput) {
  buildCohort();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER journal_no_update; UPDATE journal SET value = 100 WHERE kind = "
                             "'training_result' AND user = 'bruno'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const fs::path pdf = dir_ / "tampered.pdf";
  auto r = test::runCommand(records("report " + db_ + " --procedure " + kProcedure + " --lang en -o " + q(pdf)));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("warning: the journal's hash chain is broken"), std::string::npos) << r.out;
  auto text = test::runCommand("pdftotext " + q(pdf) + " -");
  EXPECT_NE(text.out.find("Records: JOURNAL NOT VERIFIED"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Journal verification: NOT VERIFIED, the hash chain is broken (2)"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("content does not match its hash (edited)"), std::string::npos) << text.out;

  // Bad input: one message naming the option or file, exit 2 (1 when nothing matches), no file written.
  const fs::path none = dir_ / "none.pdf";
  r = test::runCommand(records("report " + db_ + " --procedure no-such-procedure -o " + q(none)));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("no training attempt at procedure 'no-such-procedure'"), std::string::npos) << r.out;
  r = test::runCommand(records("report " + db_ + " --procedure " + kProcedure + " --from 2026-13-01 -o " + q(none)));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--from"), std::string::npos) << r.out;
  r = test::runCommand(records("report " + db_ + " --procedure " + kProcedure + " -o " + q(dir_ / "report.txt")));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("report.txt"), std::string::npos) << r.out;
  r = test::runCommand(records("report " + db_ + " --procedure " + kProcedure + " --trainee zoé -o " + q(none)));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("no user 'zoé'"), std::string::npos) << r.out;
  r = test::runCommand(records("report " + db_ + " --procedure " + kProcedure + " -o " + q(dir_ / "no" / "dir.pdf")));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_FALSE(fs::exists(none));
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}
