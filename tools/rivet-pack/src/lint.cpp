// Pack lint: schemas, manifest/marker semantics, model parts used by procedures, tag bindings, calls, media, fr/en.
#include "lint.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "rivet/content/model_file.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/tracking/registration.hpp"

namespace rivet::pack {
namespace {

namespace fs = std::filesystem;

int lineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

// Splits "file:line" of a core::Error into a Problem.
Problem fromError(const core::Error& e, const std::string& fallback_file) {
  Problem p{fallback_file, 0, e.message + (e.hint.empty() ? "" : " (" + e.hint + ")")};
  const auto colon = e.where.rfind(':');
  if (colon != std::string::npos && colon + 1 < e.where.size() &&
      std::all_of(e.where.begin() + static_cast<std::ptrdiff_t>(colon) + 1, e.where.end(), ::isdigit)) {
    p.file = e.where.substr(0, colon);
    p.line = std::stoi(e.where.substr(colon + 1));
  } else if (!e.where.empty()) {
    p.file = e.where;
  }
  return p;
}

struct Doc {
  std::string file;
  YAML::Node root;
  bool ok = false;
};

Doc readYaml(const fs::path& path, std::vector<Problem>& out) {
  Doc d{path.string(), {}, false};
  auto text = content::readTextFile(path);
  if (!text) {
    out.push_back({d.file, 0, text.error().message});
    return d;
  }
  try {
    d.root = YAML::Load(*text);
    d.ok = true;
  } catch (const YAML::ParserException& e) {
    out.push_back({d.file, e.mark.line + 1, "YAML syntax error: " + e.msg});
  } catch (const YAML::Exception& e) {
    out.push_back({d.file, 0, std::string("YAML error: ") + e.what()});
  }
  return d;
}

bool schemaCheck(const fs::path& schemas, const char* schema_name, const Doc& d, std::vector<Problem>& out) {
  auto v = SchemaValidator::load(schemas / schema_name);
  if (!v) {
    out.push_back({d.file, 0, "cannot check against " + std::string(schema_name) + ": " + v.error().describe()});
    return false;
  }
  const std::size_t before = out.size();
  v->validate(d.root, d.file, out);
  return out.size() == before;
}

std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggest(const std::string& wrong, const std::set<std::string>& known) {
  std::string best;
  std::size_t best_d = 1000;
  for (const auto& k : known) {
    const std::size_t d = editDistance(wrong, k);
    if (d < best_d) best_d = d, best = k;
  }
  return best.empty() || best_d > std::max<std::size_t>(3, wrong.size() / 3) ? "" : " (did you mean '" + best + "'?)";
}

// Keys whose values people read: they must be {fr, en} mappings, not plain text.
const std::set<std::string> kTextKeys = {"title", "text", "label", "message", "hint", "description", "question",
                                         "instruction", "summary", "true_label", "false_label", "prompt"};
const std::set<std::string> kPartKeys = {"highlight", "ghost", "part", "parts", "focus", "xray", "hide"};
const std::set<std::string> kMediaKeys = {"image", "images", "photo", "photos", "video", "media", "audio", "attachment"};

struct Refs {
  std::set<std::string> parts;  // ids and names from the model
  std::set<std::string> part_ids;
  std::map<std::string, std::string> part_id_of;  // id or name -> id (an id wins over another part's name)
  content::PartNames part_names;                  // parts.yaml (fr/en display names)
  bool part_names_loaded = false;  // parts.yaml exists (its entries with both names are used even if others are bad)
  bool model_loaded = false;
  std::string model_file;
  std::set<std::string> tags;
  bool tags_loaded = false;
  std::set<std::string> procedures;
  fs::path root;
};

void checkTexts(const YAML::Node& n, const std::string& file, std::vector<Problem>& out, const std::string& key, int depth) {
  if (depth > 64) return;
  if (n.IsMap()) {
    const bool has_en = static_cast<bool>(n["en"]), has_fr = static_cast<bool>(n["fr"]);
    if (has_en != has_fr)
      out.push_back({file, lineOf(n), (key.empty() ? std::string("text") : key) + ": has '" + (has_en ? "en" : "fr") +
                                          "' but no '" + (has_en ? "fr" : "en") + "' (every user-visible text needs both)"});
    if (has_en || has_fr) {
      for (const char* lang : {"en", "fr"})
        if (n[lang] && (!n[lang].IsScalar() || n[lang].Scalar().empty()))
          out.push_back({file, lineOf(n[lang]), key + "." + lang + ": empty translation"});
      return;
    }
    for (const auto& kv : n) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (kTextKeys.count(k) && kv.second.IsScalar() && !kv.second.Scalar().empty())
        out.push_back({file, lineOf(kv.second), k + ": user-visible text '" +
                                                    kv.second.Scalar().substr(0, 40) + "' has no fr/en translations "
                                                    "(write it as {fr: ..., en: ...})"});
      checkTexts(kv.second, file, out, k, depth + 1);
    }
  } else if (n.IsSequence()) {
    for (const auto& item : n) checkTexts(item, file, out, key, depth + 1);
  }
}

void checkRefs(const YAML::Node& n, const std::string& file, const Refs& refs, std::vector<Problem>& out,
               const std::string& key, int depth) {
  if (depth > 64) return;
  if (n.IsMap()) {
    for (const auto& kv : n) checkRefs(kv.second, file, refs, out, kv.first.IsScalar() ? kv.first.Scalar() : "", depth + 1);
    return;
  }
  if (n.IsSequence()) {
    for (const auto& item : n) checkRefs(item, file, refs, out, key, depth + 1);
    return;
  }
  if (!n.IsScalar() || n.Scalar().empty()) return;
  const std::string& v = n.Scalar();
  if (kPartKeys.count(key)) {
    if (refs.model_loaded && !refs.parts.count(v)) {
      out.push_back({file, lineOf(n), key + ": part '" + v + "' is not in the model " + refs.model_file +
                                          suggest(v, refs.parts)});
    } else if (refs.model_loaded) {
      // Users see the part's name in the UI: it needs fr and en (parts.yaml), not only the CAD name.
      const std::string& id = refs.part_id_of.at(v);
      if (!refs.part_names.count(id))
        out.push_back({file, lineOf(n), key + ": part '" + v + "' has no fr/en display name " +
                                            (refs.part_names_loaded ? "in parts.yaml" : "(the pack has no parts.yaml)") +
                                            " (add '" + id + ": {fr: ..., en: ...}' under 'parts:')"});
    }
  } else if (key == "tag") {
    if (!refs.tags_loaded)
      out.push_back({file, lineOf(n), "tag '" + v + "' is used but the pack has no valid tags.yaml"});
    else if (!refs.tags.count(v))
      out.push_back({file, lineOf(n), "tag '" + v + "' is not bound in tags.yaml" + suggest(v, refs.tags)});
  } else if (key == "procedure") {
    if (!refs.procedures.count(v))
      out.push_back({file, lineOf(n), "calls procedure '" + v + "' which is not in procedures/" +
                                          suggest(v, refs.procedures)});
  } else if (kMediaKeys.count(key) || v.rfind("media/", 0) == 0) {
    const fs::path p(v);
    bool escapes = p.is_absolute();
    for (const auto& part : p) escapes = escapes || part == "..";
    if (escapes)
      out.push_back({file, lineOf(n), "media path '" + v + "' must stay inside the pack (media/...)"});
    else if (!fs::is_regular_file(refs.root / p))
      out.push_back({file, lineOf(n), "media file '" + v + "' is missing from the pack"});
  }
}

}  // namespace

std::vector<Problem> lintPack(const LintOptions& o) {
  std::vector<Problem> out;
  Refs refs;
  refs.root = o.dir;
  if (!fs::is_directory(o.dir)) {
    out.push_back({o.dir.string(), 0, "not a folder (give the content pack folder that holds pack.yaml)"});
    return out;
  }

  // pack.yaml
  const Doc manifest = readYaml(o.dir / "pack.yaml", out);
  std::string model_rel;
  if (manifest.ok && schemaCheck(o.schemas, "pack.schema.json", manifest, out)) {
    auto text = content::readTextFile(o.dir / "pack.yaml");
    if (text) {
      auto m = content::parsePackManifest(*text, manifest.file);
      if (!m) out.push_back(fromError(m.error(), manifest.file));
      else model_rel = m->model;
    }
  }

  // Even when pack.yaml has other problems, check the parts against the model it names.
  if (model_rel.empty() && manifest.ok && manifest.root.IsMap() && manifest.root["model"] &&
      manifest.root["model"].IsScalar()) {
    const fs::path rel(manifest.root["model"].Scalar());
    bool escapes = rel.is_absolute();
    for (const auto& part : rel) escapes = escapes || part == "..";
    if (!escapes) model_rel = rel.string();
  }
  // Model: parts that procedures may name.
  fs::path model_path = !o.model.empty() ? o.model : (!model_rel.empty() ? o.dir / model_rel : fs::path());
  if (!model_path.empty()) {
    refs.model_file = model_path.string();
    if (!fs::exists(model_path)) {
      out.push_back({manifest.file, manifest.ok && manifest.root["model"] ? lineOf(manifest.root["model"]) : 0,
                     "model '" + model_rel + "' does not exist (run rivet-import, or build the sample_packs target)"});
    } else {
      auto model = content::loadModel(model_path.string());
      if (!model) {
        out.push_back(fromError(model.error(), model_path.string()));
      } else {
        refs.model_loaded = true;
        for (const auto& p : model->parts) {
          refs.parts.insert(p.id), refs.parts.insert(p.name), refs.part_ids.insert(p.id);
          refs.part_id_of[p.id] = p.id;
        }
        for (const auto& p : model->parts) refs.part_id_of.emplace(p.name, p.id);
      }
    }
  }

  // markers.yaml
  const Doc markers = readYaml(o.dir / "markers.yaml", out);
  if (markers.ok && markers.root.IsMap() && markers.root["markers"] && markers.root["markers"].IsSequence()) {
    std::map<std::string, int> seen;
    for (const auto& mk : markers.root["markers"])
      if (mk.IsMap() && mk["id"] && mk["id"].IsScalar())
        if (auto [it, fresh] = seen.emplace(mk["id"].Scalar(), lineOf(mk["id"])); !fresh)
          out.push_back({markers.file, lineOf(mk["id"]), "marker id " + mk["id"].Scalar() +
                                                             " appears twice (first at line " +
                                                             std::to_string(it->second) + "); give every printed "
                                                             "marker its own id"});
  }
  if (markers.ok && schemaCheck(o.schemas, "markers.schema.json", markers, out)) {
    auto text = content::readTextFile(o.dir / "markers.yaml");
    if (text)
      if (auto mm = content::parseMarkerMap(*text, markers.file); !mm) out.push_back(fromError(mm.error(), markers.file));
  }

  // tags.yaml (optional)
  Doc tags;
  if (fs::exists(o.dir / "tags.yaml")) {
    tags = readYaml(o.dir / "tags.yaml", out);
    if (tags.ok) {
      const bool valid = schemaCheck(o.schemas, "tags.schema.json", tags, out);
      std::map<std::string, int> seen;
      if (tags.root.IsMap() && tags.root["tags"] && tags.root["tags"].IsSequence())
        for (const auto& t : tags.root["tags"])
          if (t.IsMap() && t["id"] && t["id"].IsScalar()) {
            const std::string id = t["id"].Scalar();
            if (auto [it, fresh] = seen.emplace(id, lineOf(t["id"])); !fresh)
              out.push_back({tags.file, lineOf(t["id"]), "tag id '" + id + "' is bound twice (first at line " +
                                                            std::to_string(it->second) + ")"});
            refs.tags.insert(id);
          }
      refs.tags_loaded = valid || !refs.tags.empty();
      checkTexts(tags.root, tags.file, out, "", 0);
    }
  }

  // parts.yaml (optional; needed as soon as a procedure names a part)
  if (fs::exists(o.dir / "parts.yaml")) {
    const Doc parts = readYaml(o.dir / "parts.yaml", out);
    refs.part_names_loaded = true;
    if (parts.ok && schemaCheck(o.schemas, "parts.schema.json", parts, out)) {
      auto text = content::readTextFile(o.dir / "parts.yaml");
      if (text)
        if (auto names = content::parsePartNames(*text, parts.file); !names)
          out.push_back(fromError(names.error(), parts.file));
    }
    // The entries that do have both names count for the procedures' references (the others are reported above).
    if (parts.ok && parts.root.IsMap() && parts.root["parts"] && parts.root["parts"].IsMap())
      for (const auto& kv : parts.root["parts"]) {
        const YAML::Node fr = kv.second.IsMap() ? kv.second["fr"] : YAML::Node();
        const YAML::Node en = kv.second.IsMap() ? kv.second["en"] : YAML::Node();
        if (kv.first.IsScalar() && fr && en && fr.IsScalar() && en.IsScalar() && !fr.Scalar().empty() &&
            !en.Scalar().empty())
          refs.part_names[kv.first.Scalar()] = content::PartName{fr.Scalar(), en.Scalar()};
      }
    if (parts.ok && refs.model_loaded && parts.root.IsMap() && parts.root["parts"] && parts.root["parts"].IsMap())
      for (const auto& kv : parts.root["parts"])
        if (kv.first.IsScalar() && !refs.part_ids.count(kv.first.Scalar()))
          out.push_back({parts.file, lineOf(kv.first), "part id '" + kv.first.Scalar() + "' is not in the model " +
                                                           refs.model_file + suggest(kv.first.Scalar(), refs.part_ids)});
    if (parts.ok) checkTexts(parts.root, parts.file, out, "", 0);
  }

  // procedures/*.yaml
  std::vector<Doc> procs;
  std::error_code ec;
  if (fs::is_directory(o.dir / "procedures", ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(o.dir / "procedures", ec))
      if (e.is_regular_file() && (e.path().extension() == ".yaml" || e.path().extension() == ".yml"))
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::map<std::string, std::string> ids;
    for (const auto& f : files) {
      procs.push_back(readYaml(f, out));
      Doc& d = procs.back();
      if (!d.ok) continue;
      schemaCheck(o.schemas, "procedure.schema.json", d, out);
      if (d.root.IsMap() && d.root["id"] && d.root["id"].IsScalar()) {
        const std::string id = d.root["id"].Scalar();
        if (auto [it, fresh] = ids.emplace(id, d.file); !fresh)
          out.push_back({d.file, lineOf(d.root["id"]), "procedure id '" + id + "' is also used by " + it->second});
        refs.procedures.insert(id);
      }
    }
  }
  // Steps that need the overlay: a limit the pack's "good" verdict can meet, and something to show.
  tracking::RegistrationLimits limits;
  if (markers.ok) {
    if (auto text = content::readTextFile(o.dir / "markers.yaml"))
      if (auto mm = content::parseMarkerMap(*text, markers.file)) limits = tracking::registrationLimitsFor(*mm);
  }
  for (const auto& d : procs) {
    if (!d.ok || !d.root.IsMap() || !d.root["steps"] || !d.root["steps"].IsSequence()) continue;
    for (const auto& st : d.root["steps"]) {
      if (!st.IsMap() || !st["requires_registration_mm"] || !st["requires_registration_mm"].IsScalar()) continue;
      const YAML::Node r = st["requires_registration_mm"];
      const std::string id = st["id"] && st["id"].IsScalar() ? st["id"].Scalar() : "?";
      double mm = 0;
      try {
        mm = r.as<double>();
      } catch (const YAML::Exception&) {
        continue;  // the schema reports it
      }
      if (mm > 0 && mm < limits.good_error_mm)
        out.push_back({d.file, lineOf(r), "step '" + id + "': requires_registration_mm " + r.Scalar() +
                                              " is below the pack's good registration limit (" +
                                              std::to_string(static_cast<int>(std::lround(limits.good_error_mm))) +
                                              " mm): it would be refused while the model shows as tracked; raise it "
                                              "or lower registration.good_error_mm in markers.yaml"});
      const bool shows = (st["highlight"] && st["highlight"].IsSequence() && st["highlight"].size() > 0) ||
                         (st["ghost"] && st["ghost"].IsSequence() && st["ghost"].size() > 0);
      if (!shows)
        out.push_back({d.file, lineOf(r), "step '" + id + "' needs the overlay (requires_registration_mm) but "
                                              "highlights no part: add highlight: [part ids] or drop the requirement"});
    }
  }
  for (const auto& d : procs) {
    if (!d.ok) continue;
    checkRefs(d.root, d.file, refs, out, "", 0);
    checkTexts(d.root, d.file, out, "", 0);
  }
  if (manifest.ok) checkTexts(manifest.root, manifest.file, out, "", 0);

  std::sort(out.begin(), out.end(), [](const Problem& a, const Problem& b) {
    return a.file != b.file ? a.file < b.file : a.line < b.line;
  });
  out.erase(std::unique(out.begin(), out.end(), [](const Problem& a, const Problem& b) {
              return a.file == b.file && a.line == b.line && a.message == b.message;
            }), out.end());
  return out;
}

}  // namespace rivet::pack
