// rivet::packtool diff: the sample pack against edited copies (torque, gate threshold, reworded/added/moved steps,
// moved marker, tags, parts, model file), safety flags, French and English wording, stable JSON, signed packs.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "rivet/content/pack_signature.hpp"
#include "rivet/packtool/diff.hpp"

namespace fs = std::filesystem;
using namespace rivet;
using packtool::DiffArea;
using packtool::DiffChange;
using packtool::DiffEntry;

namespace {

const fs::path kSample = fs::path(RIVET_SOURCE_DIR) / "content" / "samples" / "robot-cell";
const char* kFingers = "procedures/robot-cell3-gripper-fingers.yaml";
const char* kLoto = "procedures/robot-cell3-loto.yaml";

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeAll(const fs::path& p, const std::string& t) { std::ofstream(p, std::ios::binary | std::ios::trunc) << t; }

void replaceOnce(const fs::path& p, const std::string& from, const std::string& to) {
  std::string t = readAll(p);
  const auto at = t.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << p;
  t.replace(at, from.size(), to);
  writeAll(p, t);
}

class PackDiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("rivet_diff_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    old_ = copy("old");
    new_ = copy("new");
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path copy(const std::string& name) {
    const fs::path d = root_ / name;
    fs::copy(kSample, d, fs::copy_options::recursive);
    fs::create_directories(d / "models");
    writeAll(d / "models" / "robot.rmdl", "model bytes v1");  // a stand-in: the diff compares files by hash
    return d;
  }

  // The five edits of the issue: a torque value, a gate threshold, a reworded step, an added step, a moved marker.
  void editTheFive() {
    replaceOnce(new_ / kFingers, "      nominal: 1.2\n", "      nominal: 1.4\n");
    replaceOnce(new_ / kLoto, "{tag: cell.air_pressure, op: \"<=\", value: 0.1, unit: \"bar\"}",
                "{tag: cell.air_pressure, op: \"<=\", value: 0.5, unit: \"bar\"}");
    replaceOnce(new_ / kFingers, "four new M3×8 screws against the work order.",
                "four new M3×8 screws and the threadlocker against the work order.");
    replaceOnce(new_ / kFingers, "  - id: torque\n",
                "  - id: wipe-excess\n"
                "    kind: instruction\n"
                "    title: {en: \"Wipe the excess threadlocker\", fr: \"Essuyer le frein-filet en excès\"}\n"
                "    text:\n"
                "      en: \"Wipe any threadlocker squeezed out of the screw heads.\"\n"
                "      fr: \"Essuyez le frein-filet qui déborde des têtes de vis.\"\n"
                "  - id: torque\n");
    // Marker 3 moved 12 mm along z; marker 4 re-measured 0.3 mm off (below the 1 mm threshold: not reported).
    replaceOnce(new_ / "markers.yaml", "position_m: [-0.25, 0.0, 0.25]", "position_m: [-0.25, 0.0, 0.262]");
    replaceOnce(new_ / "markers.yaml", "position_m: [-0.25, 0.0, -0.25]", "position_m: [-0.25, 0.0, -0.2503]");
  }

  static const DiffEntry* find(const packtool::PackDiff& d, DiffArea area, const std::string& subject,
                               const std::string& field, DiffChange change = DiffChange::Changed) {
    for (const auto& e : d.entries)
      if (e.area == area && e.subject == subject && e.field == field && e.change == change) return &e;
    return nullptr;
  }
  static std::string dump(const packtool::PackDiff& d) { return packtool::formatDiffText(d, core::Language::En); }

  fs::path root_, old_, new_;
};

}  // namespace

TEST_F(PackDiffTest, IdenticalPacksHaveNoDifferences) {
  auto d = packtool::diffPacks(old_, new_);
  ASSERT_TRUE(d) << d.error().describe();
  EXPECT_TRUE(d->empty()) << dump(*d);
  EXPECT_TRUE(d->warnings.empty());
  EXPECT_EQ(d->old_pack.id, "robot-cell");
  EXPECT_EQ(d->new_pack.version, "1.0.0");
  EXPECT_NE(packtool::formatDiffText(*d, core::Language::En).find("No differences."), std::string::npos);
  EXPECT_NE(packtool::formatDiffText(*d, core::Language::Fr).find("Aucune différence."), std::string::npos);
}

TEST_F(PackDiffTest, ReportsEachEditWithTheRightSafetyFlagInBothLanguages) {
  editTheFive();
  auto d = packtool::diffPacks(old_, new_);
  ASSERT_TRUE(d) << d.error().describe();
  const std::string text = dump(*d);

  const DiffEntry* torque = find(*d, DiffArea::Step, "torque", "measurement.nominal");
  ASSERT_NE(torque, nullptr) << text;
  EXPECT_TRUE(torque->safety);
  EXPECT_EQ(torque->procedure, "robot-cell3-gripper-fingers");
  EXPECT_EQ(torque->file, kFingers);
  EXPECT_EQ(torque->before, "1.2");
  EXPECT_EQ(torque->after, "1.4");
  EXPECT_EQ(torque->text.en, "Step torque: torque 1.2 → 1.4 N·m (tolerance ±10 % unchanged)");
  EXPECT_EQ(torque->text.fr, "Étape torque : couple 1,2 → 1,4 N·m (tolérance ±10 % inchangée)");
  EXPECT_GT(torque->line, 0);

  const DiffEntry* gate = find(*d, DiffArea::Step, "zero-energy", "gate.conditions[cell.air_pressure].value");
  ASSERT_NE(gate, nullptr) << text;
  EXPECT_TRUE(gate->safety);
  EXPECT_EQ(gate->procedure, "robot-cell3-loto");
  EXPECT_EQ(gate->text.en, "Step zero-energy: gate threshold cell.air_pressure <= 0.1 → 0.5 bar");
  EXPECT_EQ(gate->text.fr, "Étape zero-energy : seuil du verrouillage cell.air_pressure <= 0,1 → 0,5 bar");

  const DiffEntry* reworded = find(*d, DiffArea::Step, "prepare", "text.en");
  ASSERT_NE(reworded, nullptr) << text;
  EXPECT_FALSE(reworded->safety);
  EXPECT_NE(reworded->text.en.find("Step prepare: text (en) \"Check the spare fingers"), std::string::npos);
  EXPECT_NE(reworded->text.en.find("→ \"Check the spare fingers GF-80-ALU-L and GF-80-ALU-R and four new M3×8 "
                                   "screws and the threadlocker"),
            std::string::npos)
      << reworded->text.en;
  EXPECT_NE(reworded->text.fr.find("Étape prepare : texte (en) « Check"), std::string::npos) << reworded->text.fr;
  EXPECT_EQ(find(*d, DiffArea::Step, "prepare", "text.fr"), nullptr) << "only the English text changed";

  const DiffEntry* added = find(*d, DiffArea::Step, "wipe-excess", "", DiffChange::Added);
  ASSERT_NE(added, nullptr) << text;
  EXPECT_FALSE(added->safety);
  EXPECT_EQ(added->after, "7");
  EXPECT_EQ(added->text.en, "Step wipe-excess: added at position 7 (instruction, \"Wipe the excess threadlocker\")");
  EXPECT_EQ(added->text.fr,
            "Étape wipe-excess : ajoutée en position 7 (instruction, « Essuyer le frein-filet en excès »)");
  for (const auto& e : d->entries) EXPECT_NE(e.change, DiffChange::Moved) << "an insertion moves nothing: " << e.text.en;

  const DiffEntry* marker = find(*d, DiffArea::Marker, "3", "pose");
  ASSERT_NE(marker, nullptr) << text;
  EXPECT_TRUE(marker->safety);
  EXPECT_EQ(marker->text.en,
            "Marker 3: moved by 12.0 mm and turned by 0.0° (position_m [-0.25, 0.0, 0.25] → [-0.25, 0.0, 0.262])");
  EXPECT_NE(marker->text.fr.find("Marqueur 3 : déplacé de 12,0 mm et tourné de 0,0°"), std::string::npos);
  EXPECT_EQ(find(*d, DiffArea::Marker, "4", "pose"), nullptr) << "0.3 mm is below the 1 mm threshold";

  // Exactly these five, nothing else; both procedures kept their version and so did the pack: three warnings.
  EXPECT_EQ(d->entries.size(), 5u) << text;
  EXPECT_EQ(d->safetyCount(), 3u) << text;
  ASSERT_EQ(d->warnings.size(), 3u) << text;
  EXPECT_NE(d->warnings[0].en.find("the pack changed but its version is still 1.0.0"), std::string::npos);
  EXPECT_NE(d->warnings[1].fr.find("la procédure robot-cell3-gripper-fingers a changé mais sa version est toujours 2.0.1"),
            std::string::npos);

  // The text report groups by file and marks safety in each language.
  const std::string en = packtool::formatDiffText(*d, core::Language::En);
  const std::string fr = packtool::formatDiffText(*d, core::Language::Fr);
  EXPECT_NE(en.find("Procedure robot-cell3-gripper-fingers (procedures/robot-cell3-gripper-fingers.yaml)\n"),
            std::string::npos) << en;
  EXPECT_NE(en.find("  Step torque: torque 1.2 → 1.4 N·m (tolerance ±10 % unchanged) [safety]"), std::string::npos);
  EXPECT_NE(en.find("5 changes, 3 safety-relevant."), std::string::npos) << en;
  EXPECT_NE(fr.find("  Étape torque : couple 1,2 → 1,4 N·m (tolérance ±10 % inchangée) [sécurité]"), std::string::npos)
      << fr;
  EXPECT_NE(fr.find("5 modifications, dont 3 liées à la sécurité."), std::string::npos) << fr;
  EXPECT_EQ(packtool::describeEntry(*torque, core::Language::En),
            "robot-cell3-gripper-fingers / Step torque: torque 1.2 → 1.4 N·m (tolerance ±10 % unchanged) [safety]");
}

TEST_F(PackDiffTest, MovedStepsTolerancesIsolationTagsPartsAndModels) {
  // Swap two steps (one of them a gate), tighten a torque tolerance, change a plain measurement limit, re-order the
  // isolation points and change a lock, change an alarm limit and a tag label, rename a part, change the model.
  std::string loto = readAll(new_ / kLoto);
  const auto gate_at = loto.find("  - id: zero-energy\n"), tryout_at = loto.find("  - id: tryout\n");
  ASSERT_TRUE(gate_at != std::string::npos && tryout_at != std::string::npos);
  const std::string gate = loto.substr(gate_at, tryout_at - gate_at), tryout = loto.substr(tryout_at);
  writeAll(new_ / kLoto, loto.substr(0, gate_at) + tryout + gate);
  replaceOnce(new_ / kLoto, "        lock: \"L-07\"\n", "        lock: \"L-17\"\n");
  replaceOnce(new_ / kFingers, "      tolerance_pct: 10\n", "      tolerance_pct: 5\n");
  replaceOnce(new_ / kFingers, "      max: 80.4\n", "      max: 80.5\n");
  std::string fingers = readAll(new_ / kFingers);
  const auto v3 = fingers.find("      - id: V3\n        name: {en: \"Pneumatic dump valve V3\"");
  const auto q1 = fingers.find("      - id: Q1\n", v3);
  const auto end = fingers.find("  - id: energy-back\n", q1);
  ASSERT_TRUE(v3 != std::string::npos && q1 != std::string::npos && end != std::string::npos);
  fingers = fingers.substr(0, v3) + fingers.substr(q1, end - q1) + fingers.substr(v3, q1 - v3) + fingers.substr(end);
  writeAll(new_ / kFingers, fingers);
  replaceOnce(new_ / "tags.yaml", "        limit: 5.0\n", "        limit: 4.5\n");
  replaceOnce(new_ / "tags.yaml", "label: { en: \"Gearbox oil pressure\"", "label: { en: \"Gearbox oil pressure (axis 1)\"");
  replaceOnce(new_ / "parts.yaml", "en: \"Gripper (Franka Hand)\"", "en: \"Gripper (Franka Hand 2)\"");
  writeAll(new_ / "models" / "robot.rmdl", "model bytes v2");

  auto d = packtool::diffPacks(old_, new_);
  ASSERT_TRUE(d) << d.error().describe();
  const std::string text = dump(*d);

  const DiffEntry* moved = find(*d, DiffArea::Step, "zero-energy", "", DiffChange::Moved);
  ASSERT_NE(moved, nullptr) << text;
  EXPECT_TRUE(moved->safety) << "a gate moved after the try-out no longer protects it";
  EXPECT_EQ(moved->before, "3");
  EXPECT_EQ(moved->after, "4");
  EXPECT_EQ(moved->text.en, "Step zero-energy: moved from position 3 to position 4");
  EXPECT_EQ(moved->text.fr, "Étape zero-energy : déplacée de la position 3 à la position 4");
  EXPECT_EQ(find(*d, DiffArea::Step, "tryout", "", DiffChange::Moved), nullptr) << "one move explains the swap";

  const DiffEntry* lock = find(*d, DiffArea::Step, "isolate", "isolation_points[Q1].lock");
  ASSERT_NE(lock, nullptr) << text;
  EXPECT_TRUE(lock->safety);
  EXPECT_EQ(lock->text.en, "Step isolate: isolation point Q1: lock L-07 → L-17");
  EXPECT_EQ(lock->text.fr, "Étape isolate : point de consignation Q1 : cadenas L-07 → L-17");

  const DiffEntry* order = find(*d, DiffArea::Step, "loto-remove", "isolation_points.order");
  ASSERT_NE(order, nullptr) << text;
  EXPECT_TRUE(order->safety);
  EXPECT_EQ(order->text.en, "Step loto-remove: isolation order V3, Q1 → Q1, V3");

  const DiffEntry* tol = find(*d, DiffArea::Step, "torque", "measurement.tolerance_pct");
  ASSERT_NE(tol, nullptr) << text;
  EXPECT_TRUE(tol->safety);
  EXPECT_EQ(tol->text.en, "Step torque: torque tolerance ±10 % → ±5 % (nominal 1.2 N·m)");
  EXPECT_EQ(tol->text.fr, "Étape torque : tolérance du couple ±10 % → ±5 % (nominale 1,2 N·m)");

  const DiffEntry* opening = find(*d, DiffArea::Step, "opening", "measurement.max");
  ASSERT_NE(opening, nullptr) << text;
  EXPECT_FALSE(opening->safety) << "a length tolerance is a quality limit, not a safety one";
  EXPECT_EQ(opening->text.en, "Step opening: measurement maximum 80.4 → 80.5 mm");
  EXPECT_EQ(opening->text.fr, "Étape opening : maximum de la mesure 80,4 → 80,5 mm");

  const DiffEntry* alarm = find(*d, DiffArea::Tag, "cell.air_pressure", "alarms[low].limit");
  ASSERT_NE(alarm, nullptr) << text;
  EXPECT_TRUE(alarm->safety);
  EXPECT_EQ(alarm->text.en, "Tag cell.air_pressure: alarm low limit 5.0 → 4.5 bar");
  EXPECT_EQ(alarm->text.fr, "Variable cell.air_pressure : seuil de l'alarme low 5,0 → 4,5 bar");

  const DiffEntry* label = find(*d, DiffArea::Tag, "cell.oil_pressure", "label.en");
  ASSERT_NE(label, nullptr) << text;
  EXPECT_FALSE(label->safety);

  const DiffEntry* part = find(*d, DiffArea::Part, "robot/hand", "en");
  ASSERT_NE(part, nullptr) << text;
  EXPECT_FALSE(part->safety);

  const DiffEntry* model = find(*d, DiffArea::Model, "models/robot.rmdl", "");
  ASSERT_NE(model, nullptr) << text;
  EXPECT_FALSE(model->safety);
  EXPECT_EQ(model->before->size(), 64u);
  EXPECT_NE(model->text.en.find("models/robot.rmdl: changed (SHA-256 "), std::string::npos);
}

TEST_F(PackDiffTest, AddedAndRemovedProceduresMarkersAndGateConditions) {
  fs::remove(new_ / "procedures" / "robot-cell3-gripper-fingers-training.yaml");
  replaceOnce(new_ / kFingers, "        - {tag: cell.main_contactor, op: \"==\", value: true}\n",
              "        - {tag: cell.main_contactor, op: \"==\", value: true}\n"
              "        - {tag: robot.axis_speed, op: \"<=\", value: 0.1, unit: \"deg/s\"}\n");
  replaceOnce(new_ / "markers.yaml", "    note: \"rear guard panel, right\"\n",
              "    note: \"rear guard panel, right\"\n  - id: 7\n    size_mm: 80\n    position_m: [-0.40, 0.35, 0.0]\n"
              "    normal: [1, 0, 0]\n    up: [0, 1, 0]\n");
  replaceOnce(new_ / "markers.yaml", "  - id: 2\n    size_mm: 100\n", "  - id: 2\n    size_mm: 120\n");
  auto d = packtool::diffPacks(old_, new_);
  ASSERT_TRUE(d) << d.error().describe();
  const std::string text = dump(*d);

  const DiffEntry* proc = find(*d, DiffArea::Procedure, "", "", DiffChange::Removed);
  ASSERT_NE(proc, nullptr) << text;
  EXPECT_EQ(proc->procedure, "robot-cell3-gripper-fingers-training");
  EXPECT_NE(proc->text.en.find("procedure removed: robot-cell3-gripper-fingers-training 1.0.0"), std::string::npos);

  const DiffEntry* cond = find(*d, DiffArea::Step, "energy-back", "gate.conditions[robot.axis_speed]", DiffChange::Added);
  ASSERT_NE(cond, nullptr) << text;
  EXPECT_TRUE(cond->safety);
  EXPECT_EQ(cond->text.en, "Step energy-back: gate condition added: robot.axis_speed <= 0.1 deg/s");
  EXPECT_EQ(cond->text.fr, "Étape energy-back : condition de verrouillage ajoutée : robot.axis_speed <= 0,1 deg/s");

  const DiffEntry* marker = find(*d, DiffArea::Marker, "7", "", DiffChange::Added);
  ASSERT_NE(marker, nullptr) << text;
  EXPECT_TRUE(marker->safety);
  EXPECT_EQ(marker->text.en, "Marker 7: added (80 mm)");
  const DiffEntry* size = find(*d, DiffArea::Marker, "2", "size_mm");
  ASSERT_NE(size, nullptr) << text;
  EXPECT_TRUE(size->safety);
  EXPECT_EQ(size->text.en, "Marker 2: size 100 → 120 mm");
  EXPECT_EQ(size->text.fr, "Marqueur 2 : taille 100 → 120 mm");
}

TEST_F(PackDiffTest, JsonHasTheSameShapeForEveryEntry) {
  editTheFive();
  writeAll(new_ / "models" / "robot.rmdl", "model bytes v2");
  auto d = packtool::diffPacks(old_, new_);
  ASSERT_TRUE(d) << d.error().describe();
  const auto j = nlohmann::json::parse(packtool::formatDiffJson(*d));
  EXPECT_EQ(j["format"], "rivet-pack-diff/1");
  for (const char* side : {"old", "new"}) {
    std::set<std::string> keys;
    for (const auto& [k, v] : j[side].items()) keys.insert(k);
    EXPECT_EQ(keys, (std::set<std::string>{"path", "id", "version", "signed", "signature_verified"}));
  }
  EXPECT_EQ(j["summary"]["changes"], d->entries.size());
  EXPECT_EQ(j["summary"]["safety"], 3);
  EXPECT_EQ(j["summary"]["added"], 1);
  EXPECT_EQ(j["summary"]["changed"], 5);
  const std::set<std::string> want = {"area", "change", "file", "line", "procedure", "subject",
                                      "field", "before", "after", "safety", "text"};
  ASSERT_EQ(j["entries"].size(), 6u);
  for (const auto& e : j["entries"]) {
    std::set<std::string> keys;
    for (const auto& [k, v] : e.items()) keys.insert(k);
    EXPECT_EQ(keys, want) << e.dump();
    EXPECT_TRUE(e["area"].is_string() && e["change"].is_string() && e["file"].is_string() && e["safety"].is_boolean());
    for (const char* k : {"line"}) EXPECT_TRUE(e[k].is_null() || e[k].is_number_integer()) << e.dump();
    for (const char* k : {"procedure", "subject", "field", "before", "after"})
      EXPECT_TRUE(e[k].is_null() || e[k].is_string()) << k << " in " << e.dump();
    EXPECT_TRUE(e["text"]["en"].is_string() && e["text"]["fr"].is_string());
  }
  const auto& first = j["entries"][0];
  EXPECT_EQ(first["area"], "step");
  EXPECT_EQ(first["procedure"], "robot-cell3-gripper-fingers");
  EXPECT_EQ(j["warnings"].size(), 3u);
  EXPECT_TRUE(j["warnings"][0]["fr"].is_string());
}

TEST_F(PackDiffTest, SignedPacksAreVerifiedWithTheKey) {
  editTheFive();
  const fs::path priv = root_ / "site.pem", pub = root_ / "site.pub.pem";
  ASSERT_TRUE(content::generateSigningKey(priv, pub));
  const fs::path signed_pack = root_ / "signed";
  fs::copy(new_, signed_pack, fs::copy_options::recursive);
  fs::remove(signed_pack / "assembly.yaml");
  ASSERT_TRUE(content::signPackDir(signed_pack, priv));

  packtool::DiffOptions options;
  options.public_key = pub;
  auto d = packtool::diffPacks(old_, signed_pack, options);
  ASSERT_TRUE(d) << d.error().describe();
  EXPECT_TRUE(d->new_pack.signed_pack);
  EXPECT_TRUE(d->new_pack.signature_verified);
  EXPECT_FALSE(d->old_pack.signed_pack);
  EXPECT_EQ(d->entries.size(), 5u) << "the manifest, signature and import recipe are not pack content: " << dump(*d);
  EXPECT_NE(packtool::formatDiffText(*d, core::Language::En).find("signed pack, signature verified"), std::string::npos);

  auto unchecked = packtool::diffPacks(old_, signed_pack);
  ASSERT_TRUE(unchecked);
  EXPECT_FALSE(unchecked->new_pack.signature_verified);
  EXPECT_NE(packtool::formatDiffText(*unchecked, core::Language::Fr).find("signature non vérifiée (donnez --key)"),
            std::string::npos);

  // A file changed after signing: the diff refuses to compare it and names the file.
  replaceOnce(signed_pack / kFingers, "nominal: 1.4", "nominal: 1.5");
  auto tampered = packtool::diffPacks(old_, signed_pack, options);
  ASSERT_FALSE(tampered);
  EXPECT_NE(tampered.error().describe().find("robot-cell3-gripper-fingers.yaml"), std::string::npos)
      << tampered.error().describe();
}

TEST_F(PackDiffTest, BadInputNamesTheFileAndLine) {
  auto missing = packtool::diffPacks(old_, root_ / "nowhere");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().describe().find("nowhere"), std::string::npos);
  fs::remove(new_ / "pack.yaml");
  auto not_pack = packtool::diffPacks(old_, new_);
  ASSERT_FALSE(not_pack);
  EXPECT_NE(not_pack.error().describe().find("pack.yaml is missing"), std::string::npos) << not_pack.error().describe();
  fs::copy_file(old_ / "pack.yaml", new_ / "pack.yaml");
  replaceOnce(new_ / kLoto, "steps:\n", "steps:\n  - [unclosed\n");
  auto syntax = packtool::diffPacks(old_, new_);
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().where.find("robot-cell3-loto.yaml:"), std::string::npos) << syntax.error().describe();
}
