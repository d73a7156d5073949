// rivet-pack: lint a content pack, make signing keys, build a signed pack (SHA-256 manifest + Ed25519), verify one,
// diff two versions, release (version bump + changelog + signed build).
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "lint.hpp"
#include "rivet/content/model_file.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/content/pack_signature.hpp"
#include "rivet/packtool/diff.hpp"
#include "rivet/packtool/release.hpp"

#ifndef RIVET_DEFAULT_SCHEMAS
#define RIVET_DEFAULT_SCHEMAS "content/schemas"
#endif

namespace fs = std::filesystem;
using namespace rivet;

namespace {

const char* kUsage =
    "usage:\n"
    "  rivet-pack lint DIR [--schemas DIR] [--model FILE]   check a pack; prints file:line: message per problem\n"
    "        [--check-map PHOTOS|VIDEO --calib CAMERA.yaml] also track field photos or a recording with the\n"
    "                                                       pack's markers.yaml and report markers at odds with it\n"
    "  rivet-pack keygen -o NAME                            writes NAME.pem (private, keep secret) and NAME.pub.pem\n"
    "  rivet-pack build DIR -o PACK --key PRIVATE.pem [--schemas DIR]\n"
    "                                                       lint, copy DIR to PACK, write MANIFEST.sha256 + MANIFEST.sig\n"
    "  rivet-pack verify PACK --key PUBLIC.pem              check signature, every hash, and that the pack loads\n"
    "  rivet-pack diff OLD NEW [--json] [--lang fr|en]      what changed between two versions (folders or signed\n"
    "        [--key PUBLIC.pem] [--fail-on-safety]          packs), safety-relevant changes marked; --key verifies\n"
    "        [--threshold-mm MM] [--threshold-deg DEG]      signed ones; marker moves below 1 mm / 0.5 deg ignored\n"
    "  rivet-pack release DIR --bump major|minor|patch --note TEXT [--author NAME] [--previous OLD_PACK]\n"
    "        [--previous-key PUBLIC.pem] [--key PRIVATE.pem -o PACK] [--date YYYY-MM-DD] [--lang fr|en] [--dry-run]\n"
    "                                                       lint, bump pack.yaml's version, add a CHANGELOG.md\n"
    "                                                       entry (with the diff against --previous), sign to PACK\n"
    "  rivet-pack info MODEL.rmdl                           list a runtime model's parts\n"
    "exit status: 0 ok, 1 problems found / failed, 2 usage error, 3 diff --fail-on-safety found a safety change\n";

int usage(const std::string& msg) {
  std::cerr << "rivet-pack: " << msg << "\n" << kUsage;
  return 2;
}

fs::path defaultSchemas() {
  if (const char* env = std::getenv("RIVET_SCHEMAS")) return env;
  return RIVET_DEFAULT_SCHEMAS;
}

int runLint(const pack::LintOptions& o, const std::string& check_map = {}, const std::string& calib = {}) {
  auto problems = pack::lintPack(o);
  if (!check_map.empty()) {
    pack::MapCheckSummary s;
    auto found = pack::checkMap(o.dir, check_map, calib, &s);
    std::cerr << "rivet-pack: --check-map " << check_map << ": " << s.frames << " frames, " << s.frames_with_markers
              << " with markers: " << s.tracked << " tracked, " << s.degraded << " degraded, " << s.not_tracked
              << " not tracked\n";
    problems.insert(problems.end(), found.begin(), found.end());
  }
  for (const auto& p : problems) std::cout << p.describe() << "\n";
  if (problems.empty()) {
    std::cerr << "rivet-pack: " << o.dir.string() << ": no problems\n";
    return 0;
  }
  std::cerr << "rivet-pack: " << problems.size() << " problem" << (problems.size() > 1 ? "s" : "") << "\n";
  return 1;
}

core::Language languageOption(const std::string& lang) {
  if (auto l = core::languageFromString(lang)) return *l;
  for (const char* env : {"LC_ALL", "LC_MESSAGES", "LANG"})
    if (const char* v = std::getenv(env); v && *v) return std::string(v).rfind("fr", 0) == 0 ? core::Language::Fr : core::Language::En;
  return core::Language::En;
}

bool parseNumber(const std::string& text, double& out) {
  try {
    std::size_t used = 0;
    out = std::stod(text, &used);
    return used == text.size() && out >= 0;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("no command");
  const std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  std::vector<std::string> positional;
  std::string out, key, schemas, model, check_map, calib;
  std::string lang, bump, note, author, previous, previous_key, date, threshold_mm, threshold_deg;
  bool json = false, fail_on_safety = false, dry_run = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&](std::string& v) {
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    if (a == "-o" || a == "--output") {
      if (!value(out)) return usage(a + " needs a value");
    } else if (a == "--key") {
      if (!value(key)) return usage("--key needs a file");
    } else if (a == "--schemas") {
      if (!value(schemas)) return usage("--schemas needs a folder");
    } else if (a == "--model") {
      if (!value(model)) return usage("--model needs a file");
    } else if (a == "--check-map") {
      if (!value(check_map)) return usage("--check-map needs photos (an image or a folder) or a video");
    } else if (a == "--calib") {
      if (!value(calib)) return usage("--calib needs a camera.yaml");
    } else if (a == "--lang") {
      if (!value(lang) || !core::languageFromString(lang)) return usage("--lang needs fr or en");
    } else if (a == "--bump") {
      if (!value(bump)) return usage("--bump needs major, minor or patch");
    } else if (a == "--note") {
      if (!value(note)) return usage("--note needs a text");
    } else if (a == "--author") {
      if (!value(author)) return usage("--author needs a name");
    } else if (a == "--previous") {
      if (!value(previous)) return usage("--previous needs the previous release (a folder or signed pack)");
    } else if (a == "--previous-key") {
      if (!value(previous_key)) return usage("--previous-key needs a public key file");
    } else if (a == "--date") {
      if (!value(date)) return usage("--date needs YYYY-MM-DD");
    } else if (a == "--threshold-mm") {
      if (!value(threshold_mm)) return usage("--threshold-mm needs a number");
    } else if (a == "--threshold-deg") {
      if (!value(threshold_deg)) return usage("--threshold-deg needs a number");
    } else if (a == "--json") {
      json = true;
    } else if (a == "--fail-on-safety") {
      fail_on_safety = true;
    } else if (a == "--dry-run") {
      dry_run = true;
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      return usage("unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }
  const fs::path schema_dir = schemas.empty() ? defaultSchemas() : fs::path(schemas);

  if (cmd == "lint") {
    if (positional.size() != 1) return usage("lint needs one pack folder");
    if (!check_map.empty() && calib.empty()) return usage("--check-map needs --calib CAMERA.yaml");
    return runLint({positional[0], schema_dir, model}, check_map, calib);
  }
  if (cmd == "keygen") {
    if (out.empty()) return usage("keygen needs -o NAME");
    const fs::path priv = out + ".pem", pub = out + ".pub.pem";
    if (fs::exists(priv)) {
      std::cerr << "rivet-pack: " << priv.string() << " exists; refusing to overwrite a signing key\n";
      return 1;
    }
    if (auto st = content::generateSigningKey(priv, pub); !st) {
      std::cerr << "rivet-pack: error: " << st.error().describe() << "\n";
      return 1;
    }
    std::cout << "private key: " << priv.string() << " (keep it secret)\npublic key:  " << pub.string()
              << " (give it to the app: --pack-key)\n";
    return 0;
  }
  if (cmd == "build") {
    if (positional.size() != 1 || out.empty() || key.empty()) return usage("build needs DIR -o PACK --key PRIVATE.pem");
    std::vector<packtool::LintFinding> problems;
    auto n = packtool::buildSignedPack(positional[0], out, key, schema_dir, &problems);
    for (const auto& p : problems) std::cout << p.describe() << "\n";
    if (!n) {
      std::cerr << "rivet-pack: error: " << n.error().describe() << "\n";
      return 1;
    }
    std::cout << "built " << out << ": " << *n << " files hashed (SHA-256) and signed (Ed25519)\n";
    return 0;
  }
  if (cmd == "diff") {
    if (positional.size() != 2) return usage("diff needs OLD and NEW (pack folders or signed packs)");
    packtool::DiffOptions options;
    options.public_key = key;
    if (!threshold_mm.empty() && !parseNumber(threshold_mm, options.marker_threshold_mm))
      return usage("--threshold-mm needs a number >= 0");
    if (!threshold_deg.empty() && !parseNumber(threshold_deg, options.marker_threshold_deg))
      return usage("--threshold-deg needs a number >= 0");
    auto d = packtool::diffPacks(positional[0], positional[1], options);
    if (!d) {
      std::cerr << "rivet-pack: error: " << d.error().describe() << "\n";
      return 1;
    }
    std::cout << (json ? packtool::formatDiffJson(*d) : packtool::formatDiffText(*d, languageOption(lang)));
    return fail_on_safety && d->safetyCount() > 0 ? 3 : 0;
  }
  if (cmd == "release") {
    if (positional.size() != 1) return usage("release needs one pack folder");
    const auto b = packtool::bumpFromString(bump);
    if (!b) return usage("release needs --bump major, minor or patch");
    if (note.empty()) return usage("release needs --note \"what changed and why\"");
    if (!key.empty() && out.empty()) return usage("--key needs -o PACK (the signed pack to write)");
    packtool::ReleaseOptions o;
    o.pack = positional[0];
    o.schemas = schema_dir;
    o.bump = *b;
    o.note = note;
    o.author = author;
    o.previous = previous;
    o.diff.public_key = previous_key;
    o.key = key;
    o.output = out;
    o.date = date;
    o.language = languageOption(lang);
    o.dry_run = dry_run;
    std::vector<packtool::LintFinding> problems;
    auto r = packtool::releasePack(o, &problems);
    for (const auto& p : problems) std::cout << p.describe() << "\n";
    if (!r) {
      std::cerr << "rivet-pack: release refused: " << r.error().describe() << "\n";
      return 1;
    }
    const bool fr = o.language == core::Language::Fr;
    std::cout << r->changelog_entry << "\n";
    std::cout << (dry_run ? (fr ? "(essai : rien n'a été écrit) " : "(dry run: nothing written) ") : "") << r->pack_id
              << " " << r->old_version << " → " << r->new_version
              << (fr ? " : pack.yaml et CHANGELOG.md " : ": pack.yaml and CHANGELOG.md ")
              << (dry_run ? (fr ? "inchangés" : "unchanged") : (fr ? "mis à jour" : "updated"));
    if (!r->output.empty())
      std::cout << (fr ? " ; pack signé " : "; signed pack ") << r->output.string() << " (" << r->signed_files
                << (fr ? " fichiers)" : " files)");
    std::cout << "\n";
    return 0;
  }
  if (cmd == "verify") {
    if (positional.size() != 1 || key.empty()) return usage("verify needs PACK --key PUBLIC.pem");
    auto p = content::loadPack(positional[0], content::PackLoadOptions{key, true});
    if (!p) {
      std::cerr << "rivet-pack: REFUSED: " << p.error().describe() << "\n";
      return 1;
    }
    auto m = content::loadModel(p->model_path.string());
    if (!m) {
      std::cerr << "rivet-pack: REFUSED: " << m.error().describe() << "\n";
      return 1;
    }
    std::cout << "OK " << p->manifest.id << " " << p->manifest.version << ": signature and every file hash match; "
              << m->parts.size() << " parts, " << p->marker_map.markers.size() << " markers, "
              << p->procedure_files.size() << " procedures\n";
    return 0;
  }
  if (cmd == "info") {
    if (positional.size() != 1) return usage("info needs a .rmdl file");
    auto m = content::loadModel(positional[0]);
    if (!m) {
      std::cerr << "rivet-pack: error: " << m.error().describe() << "\n";
      return 1;
    }
    std::cout << m->vertices.size() << " vertices, " << m->indices.size() / 3 << " triangles (all LODs), "
              << m->parts.size() << " parts\n";
    for (const auto& p : m->parts) {
      std::cout << "  " << p.id << "  \"" << p.name << "\"  " << p.index_count / 3 << " tris";
      for (const auto& l : p.lods) std::cout << " | " << l.index_count / 3 << " @" << l.error_m * 1000 << "mm";
      std::cout << "\n";
    }
    return 0;
  }
  return usage("unknown command '" + cmd + "'");
}
