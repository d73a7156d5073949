// rivet-pack: lint a content pack, make signing keys, build a signed pack (SHA-256 manifest + Ed25519), verify one.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "lint.hpp"
#include "rivet/content/model_file.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/content/pack_signature.hpp"

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
    "  rivet-pack info MODEL.rmdl                           list a runtime model's parts\n"
    "exit status: 0 ok, 1 problems found / failed, 2 usage error\n";

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
    const fs::path src = positional[0], dst = out;
    const auto problems = pack::lintPack({src, schema_dir, model});
    if (!problems.empty()) {
      for (const auto& p : problems) std::cout << p.describe() << "\n";
      std::cerr << "rivet-pack: " << problems.size() << " lint problem(s): not building " << dst.string() << "\n";
      return 1;
    }
    std::error_code ec;
    if (fs::exists(dst)) {
      if (!fs::exists(dst / content::kManifestFile) && !fs::is_empty(dst, ec)) {
        std::cerr << "rivet-pack: " << dst.string() << " exists and is not a pack built by rivet-pack; refusing to "
                  << "replace it (choose another -o)\n";
        return 1;
      }
      fs::remove_all(dst, ec);
    }
    fs::create_directories(dst, ec);
    for (const auto& e : fs::directory_iterator(src, ec)) {
      const auto name = e.path().filename();
      if (name == content::kManifestFile || name == content::kSignatureFile || name == "assembly.yaml") continue;
      fs::copy(e.path(), dst / name, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
      if (ec) {
        std::cerr << "rivet-pack: error: cannot copy " << e.path().string() << ": " << ec.message() << "\n";
        return 1;
      }
    }
    auto n = content::signPackDir(dst, key);
    if (!n) {
      std::cerr << "rivet-pack: error: " << n.error().describe() << "\n";
      return 1;
    }
    std::cout << "built " << dst.string() << ": " << *n << " files hashed (SHA-256) and signed (Ed25519)\n";
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
