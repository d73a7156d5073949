// Pack loading: pack.yaml, markers.yaml and parts.yaml parsing (yaml-cpp, line numbers in every error), file discovery.
#include "rivet/content/pack.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "rivet/content/pack_signature.hpp"

namespace rivet::content {
namespace {

namespace fs = std::filesystem;
constexpr double kPi = 3.14159265358979323846;

// Thrown inside the parsers only; turned into core::Error before leaving this file.
struct ParseFailure {
  core::Error error;
};

std::string at(const std::string& file, const YAML::Node& n) {
  const auto mark = n.Mark();
  if (mark.line < 0) return file;
  return file + ":" + std::to_string(mark.line + 1);
}

[[noreturn]] void failAt(const std::string& file, const YAML::Node& n, std::string message, std::string hint) {
  throw ParseFailure{core::makeError(std::move(message), at(file, n), std::move(hint))};
}

YAML::Node parseYaml(std::string_view text, const std::string& file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    throw ParseFailure{core::makeError("YAML syntax error: " + e.msg,
                                       file + ":" + std::to_string(e.mark.line + 1),
                                       "fix the indentation/quoting at that line")};
  } catch (const YAML::Exception& e) {
    throw ParseFailure{core::makeError(std::string("YAML error: ") + e.what(), file, "fix the file")};
  }
}

void requireMap(const YAML::Node& n, const std::string& file, const std::string& what) {
  if (!n.IsMap()) failAt(file, n, what + " must be a mapping (key: value lines)", "see content/schemas/ for the layout");
}

void checkKeys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& file,
               const std::string& what) {
  for (const auto& kv : map) {
    std::string key;
    try {
      key = kv.first.as<std::string>();
    } catch (const YAML::Exception&) {
      failAt(file, kv.first, what + ": keys must be plain words", "");
    }
    if (!allowed.count(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      failAt(file, kv.first, what + ": unknown key '" + key + "'", "allowed keys: " + list);
    }
  }
}

YAML::Node required(const YAML::Node& map, const char* key, const std::string& file, const std::string& what) {
  YAML::Node n = map[key];
  if (!n || n.IsNull()) failAt(file, map, what + ": missing '" + key + "'", std::string("add a '") + key + ":' entry");
  return n;
}

std::string scalarString(const YAML::Node& n, const std::string& file, const std::string& what) {
  if (!n.IsScalar()) failAt(file, n, what + " must be a single text value", "");
  std::string s = n.Scalar();
  if (s.empty()) failAt(file, n, what + " is empty", "give it a value");
  return s;
}

double scalarNumber(const YAML::Node& n, const std::string& file, const std::string& what) {
  if (!n.IsScalar()) failAt(file, n, what + " must be a number", "");
  try {
    const double v = n.as<double>();
    if (!std::isfinite(v)) failAt(file, n, what + " must be a finite number", "");
    return v;
  } catch (const YAML::Exception&) {
    failAt(file, n, what + " must be a number, not '" + n.Scalar() + "'", "");
  }
}

core::Vec3d vec3(const YAML::Node& n, const std::string& file, const std::string& what) {
  if (!n.IsSequence() || n.size() != 3) failAt(file, n, what + " must be a list of 3 numbers [x, y, z]", "");
  return {scalarNumber(n[0], file, what + "[0]"), scalarNumber(n[1], file, what + "[1]"),
          scalarNumber(n[2], file, what + "[2]")};
}

bool isIdChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Consumes "N.N[.N]" from the front of s; true when at least MAJOR.MINOR was read.
bool eatVersion(std::string_view& s) {
  int groups = 0;
  while (groups < 3) {
    std::size_t n = 0;
    while (n < s.size() && isDigit(s[n])) ++n;
    if (n == 0) return false;
    s.remove_prefix(n);
    ++groups;
    if (groups == 3 || s.size() < 2 || s[0] != '.' || !isDigit(s[1])) break;
    s.remove_prefix(1);
  }
  return groups >= 2;
}

bool isPackId(std::string_view s) {
  return !s.empty() && s[0] != '.' && s[0] != '_' && s[0] != '-' && std::all_of(s.begin(), s.end(), isIdChar);
}

// MAJOR.MINOR[.PATCH] optionally followed by -pre or +build made of [0-9A-Za-z.-].
bool isVersion(std::string_view s) {
  if (!eatVersion(s)) return false;
  if (s.empty()) return true;
  if (s[0] != '-' && s[0] != '+') return false;
  s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-';
  });
}

// [>=|>|==|<=|<] MAJOR.MINOR[.PATCH]
bool isVersionConstraint(std::string_view s) {
  for (std::string_view op : {">=", "<=", "==", ">", "<"}) {
    if (s.substr(0, op.size()) == op) {
      s.remove_prefix(op.size());
      break;
    }
  }
  while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  return eatVersion(s) && s.empty();
}

}  // namespace

bool isKnownMarkerDictionary(std::string_view name) {
  static const std::set<std::string, std::less<>> kKnown = {
      "DICT_4X4_50", "DICT_4X4_100", "DICT_4X4_250", "DICT_4X4_1000", "DICT_5X5_50", "DICT_5X5_100",
      "DICT_5X5_250", "DICT_5X5_1000", "DICT_6X6_50", "DICT_6X6_100", "DICT_6X6_250", "DICT_6X6_1000",
      "DICT_7X7_50", "DICT_7X7_100", "DICT_7X7_250", "DICT_7X7_1000", "DICT_ARUCO_ORIGINAL",
      "DICT_APRILTAG_16h5", "DICT_APRILTAG_25h9", "DICT_APRILTAG_36h10", "DICT_APRILTAG_36h11",
      "tag36h11", "tagStandard41h12"};
  return kKnown.count(name) > 0;
}

core::Result<PackManifest> parsePackManifest(std::string_view yaml_text, const std::string& file) {
  try {
    const YAML::Node root = parseYaml(yaml_text, file);
    if (!root || root.IsNull()) throw ParseFailure{core::makeError("pack.yaml is empty", file,
                                                                   "write id, version, title, author, requires_app, model")};
    requireMap(root, file, "pack.yaml");
    checkKeys(root, {"id", "version", "title", "author", "requires_app", "model", "description", "license"}, file,
              "pack.yaml");
    PackManifest m;
    const YAML::Node id = required(root, "id", file, "pack.yaml");
    m.id = scalarString(id, file, "id");
    if (!isPackId(m.id))
      failAt(file, id, "id '" + m.id + "' may only hold lowercase letters, digits, '.', '_' and '-'", "e.g. robot-cell");
    const YAML::Node version = required(root, "version", file, "pack.yaml");
    m.version = scalarString(version, file, "version");
    if (!isVersion(m.version))
      failAt(file, version, "version '" + m.version + "' is not MAJOR.MINOR[.PATCH]", "e.g. 1.0.0");
    const YAML::Node title = required(root, "title", file, "pack.yaml");
    requireMap(title, file, "title");
    checkKeys(title, {"fr", "en"}, file, "title");
    m.title_fr = scalarString(required(title, "fr", file, "title"), file, "title.fr");
    m.title_en = scalarString(required(title, "en", file, "title"), file, "title.en");
    m.author = scalarString(required(root, "author", file, "pack.yaml"), file, "author");
    const YAML::Node req = required(root, "requires_app", file, "pack.yaml");
    m.requires_app = scalarString(req, file, "requires_app");
    if (!isVersionConstraint(m.requires_app))
      failAt(file, req, "requires_app '" + m.requires_app + "' is not a version constraint", "e.g. \">=0.1.0\"");
    const YAML::Node model = required(root, "model", file, "pack.yaml");
    m.model = scalarString(model, file, "model");
    const fs::path mp(m.model);
    bool escapes = mp.is_absolute();
    for (const auto& part : mp) escapes = escapes || part == "..";
    if (escapes || mp.begin() == mp.end() || *mp.begin() != "models")
      failAt(file, model, "model '" + m.model + "' must be a relative path under models/", "e.g. models/robot.rmdl");
    if (const YAML::Node d = root["description"]; d) {
      requireMap(d, file, "description");
      checkKeys(d, {"fr", "en"}, file, "description");
    }
    return m;
  } catch (const ParseFailure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    return core::makeError(std::string("unexpected YAML content: ") + e.what(), file, "check the file against content/schemas/pack.schema.json");
  }
}

core::Result<core::MarkerMap> parseMarkerMap(std::string_view yaml_text, const std::string& file) {
  try {
    const YAML::Node root = parseYaml(yaml_text, file);
    if (!root || root.IsNull())
      throw ParseFailure{core::makeError("markers.yaml is empty", file, "write a dictionary and a markers list")};
    requireMap(root, file, "markers.yaml");
    checkKeys(root, {"dictionary", "markers", "registration"}, file, "markers.yaml");
    core::MarkerMap map;
    if (const YAML::Node reg = root["registration"]) {
      requireMap(reg, file, "registration");
      checkKeys(reg, {"good_rms_px", "good_error_mm", "max_rms_px", "max_error_mm"}, file, "registration");
      auto limit = [&](const char* key, double& out, double hi) {
        if (const YAML::Node n = reg[key]) {
          out = scalarNumber(n, file, key);
          if (!(out > 0) || out > hi)
            failAt(file, n, std::string(key) + " must be > 0 and at most " + std::to_string(static_cast<int>(hi)),
                   "leave it out to use the app's default");
        }
      };
      limit("good_rms_px", map.registration.good_rms_px, 50);
      limit("good_error_mm", map.registration.good_error_mm, 1000);
      limit("max_rms_px", map.registration.max_rms_px, 50);
      limit("max_error_mm", map.registration.max_error_mm, 1000);
      const auto& r = map.registration;
      if (r.good_rms_px > 0 && r.max_rms_px > 0 && r.good_rms_px > r.max_rms_px)
        failAt(file, reg, "registration: good_rms_px is above max_rms_px", "the good limit must not exceed the max");
      if (r.good_error_mm > 0 && r.max_error_mm > 0 && r.good_error_mm > r.max_error_mm)
        failAt(file, reg, "registration: good_error_mm is above max_error_mm", "the good limit must not exceed the max");
    }
    const YAML::Node dict = required(root, "dictionary", file, "markers.yaml");
    map.dictionary = scalarString(dict, file, "dictionary");
    if (!isKnownMarkerDictionary(map.dictionary))
      failAt(file, dict, "unknown marker dictionary '" + map.dictionary + "'",
             "use an ArUco name (DICT_4X4_50 ... DICT_7X7_1000, DICT_ARUCO_ORIGINAL, DICT_APRILTAG_16h5/25h9/36h10/36h11) "
             "or an AprilTag family (tag36h11, tagStandard41h12)");
    const YAML::Node list = required(root, "markers", file, "markers.yaml");
    if (!list.IsSequence() || list.size() == 0)
      failAt(file, list, "markers must be a non-empty list", "add one '- id: ...' entry per printed marker");
    std::map<int, int> first_line;
    for (const auto& mk : list) {
      requireMap(mk, file, "marker");
      checkKeys(mk, {"id", "size_mm", "position_m", "rotation_deg", "normal", "up", "note"}, file, "marker");
      core::MapMarker m;
      const YAML::Node idn = required(mk, "id", file, "marker");
      const double idv = scalarNumber(idn, file, "marker id");
      if (idv < 0 || idv != std::floor(idv) || idv > 100000)
        failAt(file, idn, "marker id must be a whole number >= 0", "");
      m.id = static_cast<int>(idv);
      if (auto [it, fresh] = first_line.emplace(m.id, idn.Mark().line + 1); !fresh)
        failAt(file, idn, "marker id " + std::to_string(m.id) + " appears twice (first at line " +
                              std::to_string(it->second) + ")",
               "give every printed marker its own id");
      const YAML::Node size = required(mk, "size_mm", file, "marker " + std::to_string(m.id));
      const double size_mm = scalarNumber(size, file, "size_mm");
      if (size_mm < 5 || size_mm > 2000)
        failAt(file, size, "size_mm " + size.Scalar() + " is not a plausible printed marker size",
               "give the black square's side in millimetres (5..2000), e.g. 100");
      m.size_m = size_mm / 1000.0;
      m.T_machine_marker.t = vec3(required(mk, "position_m", file, "marker"), file, "position_m");
      const bool has_rot = static_cast<bool>(mk["rotation_deg"]);
      const bool has_normal = static_cast<bool>(mk["normal"]) || static_cast<bool>(mk["up"]);
      if (has_rot == has_normal)
        failAt(file, mk, "marker " + std::to_string(m.id) + ": give either rotation_deg or normal + up",
               "rotation_deg: [rx, ry, rz] (degrees, about model x then y then z) or normal: [..] and up: [..]");
      if (has_rot) {
        const core::Vec3d r = vec3(mk["rotation_deg"], file, "rotation_deg") * (kPi / 180.0);
        m.T_machine_marker.R = core::Mat3d::fromAxisAngle({0, 0, 1}, r.z) *
                               core::Mat3d::fromAxisAngle({0, 1, 0}, r.y) *
                               core::Mat3d::fromAxisAngle({1, 0, 0}, r.x);
      } else {
        const YAML::Node nn = required(mk, "normal", file, "marker");
        core::Vec3d z = vec3(nn, file, "normal");
        core::Vec3d up = vec3(required(mk, "up", file, "marker"), file, "up");
        if (z.norm() < 1e-9) failAt(file, nn, "normal must not be zero", "");
        z = z * (1.0 / z.norm());
        core::Vec3d y = up - z * up.dot(z);
        if (y.norm() < 1e-6)
          failAt(file, mk["up"], "up must not be parallel to normal", "up is the printed marker's top edge direction");
        y = y * (1.0 / y.norm());
        const core::Vec3d x = y.cross(z);
        core::Mat3d R;
        const double cols[3][3] = {{x.x, x.y, x.z}, {y.x, y.y, y.z}, {z.x, z.y, z.z}};
        for (int c = 0; c < 3; ++c)
          for (int r = 0; r < 3; ++r) R(r, c) = cols[c][r];
        m.T_machine_marker.R = R;
      }
      map.markers.push_back(m);
    }
    return map;
  } catch (const ParseFailure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    return core::makeError(std::string("unexpected YAML content: ") + e.what(), file,
                           "check the file against content/schemas/markers.schema.json");
  }
}

core::Result<std::string> readTextFile(const fs::path& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    return core::makeError("file not found", path.string(), "check the path and the pack layout");
  if (!fs::is_regular_file(status)) return core::makeError("not a regular file", path.string(), "give a file path");
  const auto size = fs::file_size(path, ec);
  if (ec) return core::makeError("cannot read file size: " + ec.message(), path.string(), "");
  if (size > (64u << 20)) return core::makeError("text file larger than 64 MiB", path.string(), "split it");
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::makeError("cannot open file for reading", path.string(), "check its permissions");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size)
    return core::makeError("file changed or could not be read completely", path.string(), "try again");
  return text;
}

core::Result<PartNames> parsePartNames(std::string_view yaml_text, const std::string& file) {
  try {
    const YAML::Node root = parseYaml(yaml_text, file);
    if (!root || root.IsNull())
      throw ParseFailure{core::makeError("parts.yaml is empty", file,
                                         "write 'parts:' with one '<part id>: {fr: ..., en: ...}' line per part")};
    requireMap(root, file, "parts.yaml");
    checkKeys(root, {"parts"}, file, "parts.yaml");
    const YAML::Node parts = required(root, "parts", file, "parts.yaml");
    requireMap(parts, file, "parts");
    PartNames names;
    for (const auto& kv : parts) {
      const std::string id = scalarString(kv.first, file, "part id");
      const std::string what = "part '" + id + "'";
      requireMap(kv.second, file, what);
      checkKeys(kv.second, {"fr", "en"}, file, what);
      PartName n;
      n.fr = scalarString(required(kv.second, "fr", file, what), file, what + " fr");
      n.en = scalarString(required(kv.second, "en", file, what), file, what + " en");
      if (!names.emplace(id, std::move(n)).second)
        failAt(file, kv.first, what + " is listed twice", "keep one entry per part id");
    }
    return names;
  } catch (const ParseFailure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    return core::makeError(std::string("unexpected YAML content: ") + e.what(), file,
                           "check the file against content/schemas/parts.schema.json");
  }
}

std::string partDisplayName(const PartNames& names, const Model& model, std::string_view id_or_name,
                            std::string_view lang) {
  const int index = model.findPart(id_or_name);
  const Part* part = index >= 0 ? &model.parts[static_cast<std::size_t>(index)] : nullptr;
  const std::string_view id = part != nullptr ? std::string_view(part->id) : id_or_name;
  if (const auto it = names.find(id); it != names.end()) return lang == "fr" ? it->second.fr : it->second.en;
  if (part != nullptr) return part->name.empty() ? part->id : part->name;
  return std::string(id_or_name);
}

core::Result<Pack> loadPack(const std::string& dir) { return loadPack(dir, PackLoadOptions{}); }

core::Result<Pack> loadPack(const std::string& dir, const PackLoadOptions& options) {
  std::error_code ec;
  Pack pack;
  pack.root = fs::absolute(fs::path(dir), ec);
  if (ec || !fs::is_directory(pack.root))
    return core::makeError("content pack folder not found", dir, "give the folder that holds pack.yaml");
  const bool signed_pack = fs::exists(pack.root / kSignatureFile);
  if (!options.public_key_pem.empty()) {
    if (!signed_pack)
      return core::makeError("pack is not signed (no " + std::string(kSignatureFile) + ")", pack.root.string(),
                             "sign it with 'rivet-pack build DIR -o PACK --key PRIVATE.pem'");
    if (auto st = verifyPackDir(pack.root, options.public_key_pem); !st) return st.error();
    pack.signature_verified = true;
  } else if (options.require_signature) {
    return core::makeError("a signed pack is required but no public key was given", pack.root.string(),
                           "pass the publisher's public key (rivet-pack keygen writes it)");
  }

  const fs::path manifest_path = pack.root / "pack.yaml";
  auto manifest_text = readTextFile(manifest_path);
  if (!manifest_text) return manifest_text.error();
  auto manifest = parsePackManifest(*manifest_text, manifest_path.string());
  if (!manifest) return manifest.error();
  pack.manifest = std::move(*manifest);

  const fs::path markers_path = pack.root / "markers.yaml";
  auto markers_text = readTextFile(markers_path);
  if (!markers_text) return markers_text.error();
  auto markers = parseMarkerMap(*markers_text, markers_path.string());
  if (!markers) return markers.error();
  pack.marker_map = std::move(*markers);

  pack.model_path = pack.root / pack.manifest.model;
  if (!fs::is_regular_file(pack.model_path, ec))
    return core::makeError("model file '" + pack.manifest.model + "' named in pack.yaml does not exist",
                           manifest_path.string(), "run rivet-import to create it, or fix the 'model:' path");

  const fs::path proc_dir = pack.root / "procedures";
  if (fs::is_directory(proc_dir, ec)) {
    for (const auto& e : fs::directory_iterator(proc_dir, ec)) {
      const auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) pack.procedure_files.push_back(e.path());
    }
    if (ec) return core::makeError("cannot list procedures: " + ec.message(), proc_dir.string(), "");
    std::sort(pack.procedure_files.begin(), pack.procedure_files.end());
  }
  if (fs::is_regular_file(pack.root / "tags.yaml", ec)) pack.tags_file = pack.root / "tags.yaml";
  if (const fs::path parts_path = pack.root / "parts.yaml"; fs::exists(parts_path, ec)) {
    auto parts_text = readTextFile(parts_path);
    if (!parts_text) return parts_text.error();
    auto names = parsePartNames(*parts_text, parts_path.string());
    if (!names) return names.error();
    pack.part_names = std::move(*names);
  }
  return pack;
}

}  // namespace rivet::content
