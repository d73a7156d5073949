// Pack diff: reads two packs' YAML files and files, matches procedures/steps/tags/markers/parts by id, flags safety.
#include "rivet/packtool/diff.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "diff_text.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/content/pack_signature.hpp"

namespace rivet::packtool {

namespace fs = std::filesystem;

const char* toString(DiffArea area) {
  switch (area) {
    case DiffArea::Pack: return "pack";
    case DiffArea::Procedure: return "procedure";
    case DiffArea::Step: return "step";
    case DiffArea::Tag: return "tag";
    case DiffArea::Marker: return "marker";
    case DiffArea::Part: return "part";
    case DiffArea::Model: return "model";
    case DiffArea::File: return "file";
  }
  return "?";
}

const char* toString(DiffChange change) {
  switch (change) {
    case DiffChange::Added: return "added";
    case DiffChange::Removed: return "removed";
    case DiffChange::Changed: return "changed";
    case DiffChange::Moved: return "moved";
  }
  return "?";
}

std::size_t PackDiff::safetyCount() const {
  return static_cast<std::size_t>(std::count_if(entries.begin(), entries.end(), [](const DiffEntry& e) { return e.safety; }));
}

namespace {

// ---------------------------------------------------------------------------------------------------------------
// YAML helpers

bool present(const YAML::Node& n) { return n.IsDefined() && !n.IsNull(); }
int lineOf(const YAML::Node& n) { return n.IsDefined() && n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }
std::string scalarOr(const YAML::Node& n, const std::string& fallback = {}) {
  return n.IsDefined() && n.IsScalar() ? n.Scalar() : fallback;
}

std::optional<double> asNumber(const std::string& s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  const char* first = s.data() + (s[0] == '+' ? 1 : 0);
  const auto r = std::from_chars(first, s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool sameScalar(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const auto x = asNumber(a), y = asNumber(b);
  return x && y && *x == *y;
}

// A compact one-line rendering of any node: scalars as written, collections in flow style.
std::string render(const YAML::Node& n) {
  if (!present(n)) return {};
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

bool isTextMap(const YAML::Node& n) {
  if (!n.IsDefined() || !n.IsMap() || n.size() == 0) return false;
  for (const auto& kv : n) {
    const std::string k = scalarOr(kv.first);
    if (k != "en" && k != "fr") return false;
  }
  return true;
}

bool sameNode(const YAML::Node& a, const YAML::Node& b);

bool sameNode(const YAML::Node& a, const YAML::Node& b) {
  if (present(a) != present(b)) return false;
  if (!present(a)) return true;
  if (a.Type() != b.Type()) return false;
  if (a.IsScalar()) return sameScalar(a.Scalar(), b.Scalar());
  if (a.IsSequence()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!sameNode(a[i], b[i])) return false;
    return true;
  }
  if (a.size() != b.size()) return false;
  for (const auto& kv : a)
    if (!sameNode(kv.second, b[scalarOr(kv.first)])) return false;
  return true;
}

// Keys of a map in `b`'s order, then those only in `a`.
std::vector<std::string> unionKeys(const YAML::Node& a, const YAML::Node& b) {
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const YAML::Node* n : {&b, &a})
    if (n->IsDefined() && n->IsMap())
      for (const auto& kv : *n) {
        const std::string k = scalarOr(kv.first);
        if (seen.insert(k).second) keys.push_back(k);
      }
  return keys;
}

// ---------------------------------------------------------------------------------------------------------------
// Generic structural diff inside one subject (a step, a tag, a marker, the pack manifest...)

struct Raw {
  DiffChange change = DiffChange::Changed;
  std::string field;
  std::optional<std::string> before, after;
  int line = 0;
};

// How the items of a list are matched: by one of their keys, as a set of values, or by position.
std::string listKey(const YAML::Node& a, const YAML::Node& b) {
  for (const char* key : {"id", "tag", "part_number"}) {
    bool all = true;
    std::set<std::string> seen_a, seen_b;
    for (auto [n, seen] : {std::pair{&a, &seen_a}, std::pair{&b, &seen_b}}) {
      if (!n->IsDefined() || !n->IsSequence()) continue;
      for (const auto& item : *n) {
        if (!item.IsMap() || !item[key] || !item[key].IsScalar()) {
          all = false;
          break;
        }
        if (key != std::string("tag") && !seen->insert(item[key].Scalar()).second) all = false;  // ids must be unique
      }
    }
    if (all) return key;
  }
  return {};
}

bool isSetList(const YAML::Node& a, const YAML::Node& b) {
  for (const YAML::Node* n : {&a, &b}) {
    if (!n->IsDefined() || !n->IsSequence()) continue;
    for (const auto& item : *n)
      if (!item.IsScalar() && !isTextMap(item)) return false;
  }
  return true;
}

void diffNode(const std::string& path, const YAML::Node& a, const YAML::Node& b, std::vector<Raw>& out,
              const std::set<std::string>& skip = {});

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

void diffList(const std::string& path, const YAML::Node& a, const YAML::Node& b, std::vector<Raw>& out) {
  if (isSetList(a, b)) {
    // Scalars and texts: what was removed, what was added (order does not matter: parts, PPE, roles...).
    std::vector<std::pair<std::string, YAML::Node>> olds, news;
    for (const auto& i : a) olds.emplace_back(render(i), i);
    for (const auto& i : b) news.emplace_back(render(i), i);
    for (const auto& [text, node] : olds)
      if (std::none_of(news.begin(), news.end(), [&](const auto& x) { return sameNode(x.second, node); }))
        out.push_back({DiffChange::Removed, path, text, std::nullopt, lineOf(node)});
    for (const auto& [text, node] : news)
      if (std::none_of(olds.begin(), olds.end(), [&](const auto& x) { return sameNode(x.second, node); }))
        out.push_back({DiffChange::Added, path, std::nullopt, text, lineOf(node)});
    return;
  }
  const std::string key = listKey(a, b);
  if (key.empty()) {
    // By position (quiz answers, unkeyed lists).
    const std::size_t n = std::max(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i)
      diffNode(path + "[" + std::to_string(i + 1) + "]", i < a.size() ? a[i] : YAML::Node(),
               i < b.size() ? b[i] : YAML::Node(), out);
    return;
  }
  // Keyed: gate conditions by tag (the n-th condition on the same tag gets "#n"), others by id / part number.
  auto keyed = [&](const YAML::Node& list) {
    std::vector<std::pair<std::string, YAML::Node>> items;
    std::map<std::string, int> count;
    for (const auto& item : list) {
      std::string k = item[key].Scalar();
      if (const int c = ++count[k]; c > 1) k += "#" + std::to_string(c);
      items.emplace_back(k, item);
    }
    return items;
  };
  const auto olds = keyed(a), news = keyed(b);
  auto find = [](const auto& items, const std::string& k) -> const YAML::Node* {
    for (const auto& [kk, n] : items)
      if (kk == k) return &n;
    return nullptr;
  };
  for (const auto& [k, n] : news) {
    const YAML::Node* o = find(olds, k);
    if (!o)
      out.push_back({DiffChange::Added, path + "[" + k + "]", std::nullopt, render(n), lineOf(n)});
    else
      diffNode(path + "[" + k + "]", *o, n, out, {key});
  }
  for (const auto& [k, n] : olds)
    if (!find(news, k)) out.push_back({DiffChange::Removed, path + "[" + k + "]", render(n), std::nullopt, lineOf(n)});
  // Order matters for isolation points (electrical before pneumatic...): report a new order of the common ones.
  if (path.size() >= 16 && path.compare(path.size() - 16, 16, "isolation_points") == 0) {
    std::string before, after;
    for (const auto& [k, n] : olds)
      if (find(news, k)) before += (before.empty() ? "" : ", ") + k;
    for (const auto& [k, n] : news)
      if (find(olds, k)) after += (after.empty() ? "" : ", ") + k;
    if (before != after) out.push_back({DiffChange::Changed, path + ".order", before, after, lineOf(b)});
  }
}

void diffNode(const std::string& path, const YAML::Node& a, const YAML::Node& b, std::vector<Raw>& out,
              const std::set<std::string>& skip) {
  const bool has_a = present(a), has_b = present(b);
  if (!has_a && !has_b) return;
  if (!has_a) {
    out.push_back({DiffChange::Added, path, std::nullopt, render(b), lineOf(b)});
    return;
  }
  if (!has_b) {
    out.push_back({DiffChange::Removed, path, render(a), std::nullopt, lineOf(a)});
    return;
  }
  if (a.IsMap() && b.IsMap()) {
    for (const auto& k : unionKeys(a, b))
      if (!skip.count(k)) diffNode(join(path, k), a[k], b[k], out);
    return;
  }
  if (a.IsSequence() && b.IsSequence()) {
    diffList(path, a, b, out);
    return;
  }
  if (a.IsScalar() && b.IsScalar() && sameScalar(a.Scalar(), b.Scalar())) return;
  if (!a.IsScalar() || !b.IsScalar() || a.Type() != b.Type()) {
    if (sameNode(a, b)) return;
  }
  out.push_back({DiffChange::Changed, path, render(a), render(b), lineOf(b)});
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a pack side

struct Yaml {
  std::string rel;
  YAML::Node root;  // undefined when the file is missing
};

core::Result<Yaml> readYaml(const fs::path& dir, const std::string& rel, bool required) {
  Yaml y{rel, YAML::Node()};
  const fs::path path = dir / rel;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (required)
      return core::makeError("not a content pack: " + rel + " is missing", path.string(),
                             "give the pack folder (the one holding pack.yaml) or a signed pack");
    return y;
  }
  auto text = content::readTextFile(path);
  if (!text) return text.error();
  try {
    y.root = YAML::Load(*text);
  } catch (const YAML::ParserException& e) {
    return core::makeError("YAML syntax error: " + e.msg, path.string() + ":" + std::to_string(e.mark.line + 1),
                           "fix the file (rivet-pack lint shows every problem)");
  } catch (const YAML::Exception& e) {
    return core::makeError(std::string("YAML error: ") + e.what(), path.string(), "fix the file");
  }
  return y;
}

struct Procedure {
  std::string id;
  Yaml doc;
};

struct Side {
  PackSide info;
  Yaml pack, tags, markers, parts;
  std::vector<Procedure> procedures;  // sorted by file name
  std::map<std::string, std::string> files;  // other files: relative path -> SHA-256
};

bool isReleaseBookkeeping(const std::string& rel) {
  return rel == content::kManifestFile || rel == content::kSignatureFile || rel == "CHANGELOG.md" ||
         rel == "assembly.yaml";
}

core::Result<Side> readSide(const fs::path& dir, const DiffOptions& options) {
  Side s;
  s.info.path = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return core::makeError("not a folder", dir.string(), "give a pack folder or a signed pack (rivet-pack build output)");
  s.info.signed_pack = fs::exists(dir / content::kSignatureFile, ec);
  if (s.info.signed_pack && !options.public_key.empty()) {
    if (auto st = content::verifyPackDir(dir, options.public_key); !st) return st.error();
    s.info.signature_verified = true;
  }
  auto pack = readYaml(dir, "pack.yaml", true);
  if (!pack) return pack.error();
  s.pack = std::move(*pack);
  s.info.id = scalarOr(s.pack.root.IsMap() ? s.pack.root["id"] : YAML::Node());
  s.info.version = scalarOr(s.pack.root.IsMap() ? s.pack.root["version"] : YAML::Node());
  for (auto [rel, doc] : {std::pair{"tags.yaml", &s.tags}, {"markers.yaml", &s.markers}, {"parts.yaml", &s.parts}}) {
    auto y = readYaml(dir, rel, false);
    if (!y) return y.error();
    *doc = std::move(*y);
  }
  std::vector<std::string> proc_files;
  std::set<std::string> yaml_known = {"pack.yaml", "tags.yaml", "markers.yaml", "parts.yaml"};
  if (fs::is_directory(dir / "procedures", ec))
    for (const auto& e : fs::directory_iterator(dir / "procedures", ec))
      if (e.is_regular_file() && (e.path().extension() == ".yaml" || e.path().extension() == ".yml"))
        proc_files.push_back("procedures/" + e.path().filename().string());
  std::sort(proc_files.begin(), proc_files.end());
  for (const auto& rel : proc_files) {
    auto y = readYaml(dir, rel, true);
    if (!y) return y.error();
    std::string id = y->root.IsMap() ? scalarOr(y->root["id"]) : "";
    if (id.empty()) id = fs::path(rel).stem().string();
    s.procedures.push_back({id, std::move(*y)});
    yaml_known.insert(rel);
  }
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string rel = fs::relative(it->path(), dir).generic_string();
    if (yaml_known.count(rel) || isReleaseBookkeeping(rel)) continue;
    auto h = content::sha256File(it->path());
    if (!h) return h.error();
    s.files[rel] = *h;
  }
  if (ec) return core::makeError("cannot list the pack's files: " + ec.message(), dir.string(), "");
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Comparing

struct Differ {
  PackDiff& diff;
  const DiffOptions& options;

  void add(DiffEntry e, const SubjectContext& ctx) {
    e.safety = isSafety(e, ctx);
    e.text = phrase(e, ctx);
    diff.entries.push_back(std::move(e));
  }
  void addRaw(const std::vector<Raw>& raws, DiffArea area, const std::string& file, const std::string& procedure,
              const std::string& subject, const SubjectContext& ctx) {
    for (const Raw& r : raws) {
      DiffEntry e;
      e.area = area;
      e.change = r.change;
      e.file = file;
      e.line = r.line;
      e.procedure = procedure;
      e.subject = subject;
      e.field = r.field;
      e.before = r.before;
      e.after = r.after;
      add(std::move(e), ctx);
    }
  }

  void manifest(const Side& o, const Side& n) {
    std::vector<Raw> raws;
    diffNode("", o.pack.root, n.pack.root, raws);
    addRaw(raws, DiffArea::Pack, "pack.yaml", "", "", {});
  }

  void steps(const Procedure& op, const Procedure& np) {
    struct StepRef {
      std::string id;
      YAML::Node node;
    };
    auto list = [](const YAML::Node& root) {
      std::vector<StepRef> v;
      std::map<std::string, int> count;
      const YAML::Node steps = root.IsMap() ? root["steps"] : YAML::Node();
      if (!steps.IsDefined() || !steps.IsSequence()) return v;
      int index = 0;
      for (const auto& st : steps) {
        ++index;
        std::string id = st.IsMap() ? scalarOr(st["id"]) : "";
        if (id.empty()) id = "#" + std::to_string(index);
        if (const int c = ++count[id]; c > 1) id += "#" + std::to_string(c);
        v.push_back({id, st});
      }
      return v;
    };
    const auto olds = list(op.doc.root), news = list(np.doc.root);
    auto indexOf = [](const std::vector<StepRef>& v, const std::string& id) -> int {
      for (std::size_t i = 0; i < v.size(); ++i)
        if (v[i].id == id) return static_cast<int>(i);
      return -1;
    };
    // Moved: the common steps outside a longest common subsequence of the two orders.
    std::vector<std::string> common_old, common_new;
    for (const auto& s : olds)
      if (indexOf(news, s.id) >= 0) common_old.push_back(s.id);
    for (const auto& s : news)
      if (indexOf(olds, s.id) >= 0) common_new.push_back(s.id);
    const std::size_t m = common_old.size(), k = common_new.size();
    std::vector<std::vector<int>> lcs(m + 1, std::vector<int>(k + 1, 0));
    for (std::size_t i = m; i-- > 0;)
      for (std::size_t j = k; j-- > 0;)
        lcs[i][j] = common_old[i] == common_new[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    std::set<std::string> in_place;
    for (std::size_t i = 0, j = 0; i < m && j < k;) {
      if (common_old[i] == common_new[j]) {
        in_place.insert(common_old[i]);
        ++i, ++j;
      } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
        ++i;
      } else {
        ++j;
      }
    }
    const std::string& file = np.doc.rel;
    for (std::size_t i = 0; i < news.size(); ++i) {
      const auto& s = news[i];
      const int oi = indexOf(olds, s.id);
      SubjectContext ctx;
      ctx.new_node = s.node;
      if (oi < 0) {
        DiffEntry e;
        e.area = DiffArea::Step;
        e.change = DiffChange::Added;
        e.file = file;
        e.line = lineOf(s.node);
        e.procedure = np.id;
        e.subject = s.id;
        e.after = std::to_string(i + 1);
        add(std::move(e), ctx);
        continue;
      }
      ctx.old_node = olds[static_cast<std::size_t>(oi)].node;
      if (!in_place.count(s.id)) {
        DiffEntry e;
        e.area = DiffArea::Step;
        e.change = DiffChange::Moved;
        e.file = file;
        e.line = lineOf(s.node);
        e.procedure = np.id;
        e.subject = s.id;
        e.before = std::to_string(oi + 1);
        e.after = std::to_string(i + 1);
        add(std::move(e), ctx);
      }
      std::vector<Raw> raws;
      diffNode("", ctx.old_node, s.node, raws, {"id"});
      addRaw(raws, DiffArea::Step, file, np.id, s.id, ctx);
    }
    for (std::size_t i = 0; i < olds.size(); ++i) {
      if (indexOf(news, olds[i].id) >= 0) continue;
      SubjectContext ctx;
      ctx.old_node = olds[i].node;
      DiffEntry e;
      e.area = DiffArea::Step;
      e.change = DiffChange::Removed;
      e.file = op.doc.rel;
      e.line = lineOf(olds[i].node);
      e.procedure = op.id;
      e.subject = olds[i].id;
      e.before = std::to_string(i + 1);
      add(std::move(e), ctx);
    }
  }

  void procedures(const Side& o, const Side& n) {
    auto find = [](const Side& s, const std::string& id) -> const Procedure* {
      for (const auto& p : s.procedures)
        if (p.id == id) return &p;
      return nullptr;
    };
    for (const auto& np : n.procedures) {
      const Procedure* op = find(o, np.id);
      const std::size_t first = diff.entries.size();
      SubjectContext ctx;
      ctx.new_node = np.doc.root;
      if (!op) {
        DiffEntry e;
        e.area = DiffArea::Procedure;
        e.change = DiffChange::Added;
        e.file = np.doc.rel;
        e.line = 1;
        e.procedure = np.id;
        e.after = np.doc.root.IsMap() ? scalarOr(np.doc.root["version"]) : "";
        add(std::move(e), ctx);
        continue;
      }
      ctx.old_node = op->doc.root;
      if (op->doc.rel != np.doc.rel) {
        DiffEntry e;
        e.area = DiffArea::Procedure;
        e.file = np.doc.rel;
        e.procedure = np.id;
        e.field = "file";
        e.before = op->doc.rel;
        e.after = np.doc.rel;
        add(std::move(e), ctx);
      }
      std::vector<Raw> raws;
      diffNode("", op->doc.root, np.doc.root, raws, {"steps"});
      addRaw(raws, DiffArea::Procedure, np.doc.rel, np.id, "", ctx);
      steps(*op, np);
      // A procedure whose content changed must change its version (procedure.schema.json; sessions keep it).
      const bool version_changed = std::any_of(diff.entries.begin() + static_cast<std::ptrdiff_t>(first),
                                               diff.entries.end(), [](const DiffEntry& e) {
                                                 return e.area == DiffArea::Procedure && e.field == "version";
                                               });
      const bool content_changed = std::any_of(diff.entries.begin() + static_cast<std::ptrdiff_t>(first),
                                               diff.entries.end(), [](const DiffEntry& e) {
                                                 return e.field != "version" && e.field != "file";
                                               });
      if (content_changed && !version_changed)
        diff.warnings.push_back(versionNotChanged(np.id, scalarOr(np.doc.root["version"], "?")));
    }
    for (const auto& op : o.procedures) {
      if (find(n, op.id)) continue;
      SubjectContext ctx;
      ctx.old_node = op.doc.root;
      DiffEntry e;
      e.area = DiffArea::Procedure;
      e.change = DiffChange::Removed;
      e.file = op.doc.rel;
      e.line = 1;
      e.procedure = op.id;
      e.before = op.doc.root.IsMap() ? scalarOr(op.doc.root["version"]) : "";
      add(std::move(e), ctx);
    }
  }

  // A keyed list of subjects (tags by id, markers by id): added, removed, and per-subject changes.
  template <class OnCommon>
  void subjects(const YAML::Node& a, const YAML::Node& b, DiffArea area, const std::string& file,
                const char* key, OnCommon on_common) {
    auto items = [&](const YAML::Node& list) {
      std::vector<std::pair<std::string, YAML::Node>> v;
      if (list.IsDefined() && list.IsSequence())
        for (const auto& item : list)
          if (item.IsMap()) v.emplace_back(scalarOr(item[key], "?"), item);
      return v;
    };
    const auto olds = items(a), news = items(b);
    auto find = [](const auto& v, const std::string& k) -> const YAML::Node* {
      for (const auto& [kk, n] : v)
        if (kk == k) return &n;
      return nullptr;
    };
    for (const auto& [k, n] : news) {
      SubjectContext ctx;
      ctx.new_node = n;
      if (const YAML::Node* o = find(olds, k)) {
        ctx.old_node = *o;
        on_common(k, *o, n, ctx);
        continue;
      }
      DiffEntry e;
      e.area = area;
      e.change = DiffChange::Added;
      e.file = file;
      e.line = lineOf(n);
      e.subject = k;
      e.after = render(n);
      add(std::move(e), ctx);
    }
    for (const auto& [k, n] : olds) {
      if (find(news, k)) continue;
      SubjectContext ctx;
      ctx.old_node = n;
      DiffEntry e;
      e.area = area;
      e.change = DiffChange::Removed;
      e.file = file;
      e.line = lineOf(n);
      e.subject = k;
      e.before = render(n);
      add(std::move(e), ctx);
    }
  }

  void tags(const Side& o, const Side& n) {
    const YAML::Node a = o.tags.root, b = n.tags.root;
    if (!a.IsDefined() && !b.IsDefined()) return;
    std::vector<Raw> raws;
    diffNode("", a, b, raws, {"tags"});
    addRaw(raws, DiffArea::Tag, "tags.yaml", "", "", {});
    subjects(a.IsMap() ? a["tags"] : YAML::Node(), b.IsMap() ? b["tags"] : YAML::Node(), DiffArea::Tag, "tags.yaml",
             "id", [&](const std::string& id, const YAML::Node& x, const YAML::Node& y, const SubjectContext& ctx) {
               std::vector<Raw> r;
               diffNode("", x, y, r, {"id"});
               addRaw(r, DiffArea::Tag, "tags.yaml", "", id, ctx);
             });
  }

  void markers(const Side& o, const Side& n) {
    const YAML::Node a = o.markers.root, b = n.markers.root;
    if (!a.IsDefined() && !b.IsDefined()) return;
    std::vector<Raw> raws;
    diffNode("", a, b, raws, {"markers"});
    addRaw(raws, DiffArea::Marker, "markers.yaml", "", "", {});
    // Poses as the app computes them (normal/up or rotation_deg, any mix): compare the resulting transforms.
    std::optional<core::MarkerMap> map_a, map_b;
    if (auto t = content::readTextFile(o.info.path / "markers.yaml"))
      if (auto m = content::parseMarkerMap(*t, "markers.yaml")) map_a = *m;
    if (auto t = content::readTextFile(n.info.path / "markers.yaml"))
      if (auto m = content::parseMarkerMap(*t, "markers.yaml")) map_b = *m;
    const std::set<std::string> pose_keys = {"position_m", "normal", "up", "rotation_deg"};
    subjects(a.IsMap() ? a["markers"] : YAML::Node(), b.IsMap() ? b["markers"] : YAML::Node(), DiffArea::Marker,
             "markers.yaml", "id",
             [&](const std::string& id, const YAML::Node& x, const YAML::Node& y, const SubjectContext& ctx) {
               std::set<std::string> skip = {"id"};
               const core::MapMarker* ma = nullptr;
               const core::MapMarker* mb = nullptr;
               if (auto num = asNumber(id); num && map_a && map_b) {
                 ma = map_a->find(static_cast<int>(*num));
                 mb = map_b->find(static_cast<int>(*num));
               }
               if (ma && mb) skip.insert(pose_keys.begin(), pose_keys.end());
               std::vector<Raw> r;
               diffNode("", x, y, r, skip);
               addRaw(r, DiffArea::Marker, "markers.yaml", "", id, ctx);
               if (!ma || !mb) return;
               const double moved_mm = core::translationDifferenceM(ma->T_machine_marker, mb->T_machine_marker) * 1000;
               const double turned_deg = core::rotationDifferenceDeg(ma->T_machine_marker, mb->T_machine_marker);
               if (moved_mm <= options.marker_threshold_mm && turned_deg <= options.marker_threshold_deg) return;
               auto pose = [&](const YAML::Node& m) {
                 std::string s;
                 for (const auto& k : {"position_m", "normal", "up", "rotation_deg"})
                   if (present(m[k])) s += (s.empty() ? "" : " ") + std::string(k) + ": " + render(m[k]);
                 return s;
               };
               SubjectContext c = ctx;
               c.moved_mm = moved_mm;
               c.turned_deg = turned_deg;
               DiffEntry e;
               e.area = DiffArea::Marker;
               e.file = "markers.yaml";
               e.line = lineOf(y);
               e.subject = id;
               e.field = "pose";
               e.before = pose(x);
               e.after = pose(y);
               add(std::move(e), c);
             });
  }

  void parts(const Side& o, const Side& n) {
    const YAML::Node a = o.parts.root, b = n.parts.root;
    if (!a.IsDefined() && !b.IsDefined()) return;
    std::vector<Raw> raws;
    diffNode("", a, b, raws, {"parts"});
    addRaw(raws, DiffArea::Part, "parts.yaml", "", "", {});
    const YAML::Node pa = a.IsMap() ? a["parts"] : YAML::Node(), pb = b.IsMap() ? b["parts"] : YAML::Node();
    for (const auto& id : unionKeys(pa.IsMap() ? pa : YAML::Node(), pb.IsMap() ? pb : YAML::Node())) {
      const YAML::Node x = pa.IsMap() ? pa[id] : YAML::Node(), y = pb.IsMap() ? pb[id] : YAML::Node();
      SubjectContext ctx;
      ctx.old_node = x;
      ctx.new_node = y;
      std::vector<Raw> r;
      if (!present(x) || !present(y)) {
        DiffEntry e;
        e.area = DiffArea::Part;
        e.change = present(y) ? DiffChange::Added : DiffChange::Removed;
        e.file = "parts.yaml";
        e.line = lineOf(present(y) ? y : x);
        e.subject = id;
        (present(y) ? e.after : e.before) = render(present(y) ? y : x);
        add(std::move(e), ctx);
        continue;
      }
      diffNode("", x, y, r);
      addRaw(r, DiffArea::Part, "parts.yaml", "", id, ctx);
    }
  }

  void files(const Side& o, const Side& n) {
    std::set<std::string> all;
    for (const auto& [rel, h] : o.files) all.insert(rel);
    for (const auto& [rel, h] : n.files) all.insert(rel);
    for (const auto& rel : all) {
      const auto a = o.files.find(rel), b = n.files.find(rel);
      DiffEntry e;
      e.area = rel.rfind("models/", 0) == 0 ? DiffArea::Model : DiffArea::File;
      e.file = rel;
      e.subject = rel;
      if (a == o.files.end()) {
        e.change = DiffChange::Added;
        e.after = b->second;
      } else if (b == n.files.end()) {
        e.change = DiffChange::Removed;
        e.before = a->second;
      } else if (a->second != b->second) {
        e.before = a->second;
        e.after = b->second;
      } else {
        continue;
      }
      add(std::move(e), {});
    }
  }
};

}  // namespace

core::Result<PackDiff> diffPacks(const fs::path& old_pack, const fs::path& new_pack, const DiffOptions& options) {
  auto o = readSide(old_pack, options);
  if (!o) return o.error();
  auto n = readSide(new_pack, options);
  if (!n) return n.error();
  PackDiff diff;
  diff.old_pack = o->info;
  diff.new_pack = n->info;
  Differ d{diff, options};
  d.manifest(*o, *n);
  d.procedures(*o, *n);
  d.tags(*o, *n);
  d.markers(*o, *n);
  d.parts(*o, *n);
  d.files(*o, *n);
  const bool version_changed = std::any_of(diff.entries.begin(), diff.entries.end(), [](const DiffEntry& e) {
    return e.area == DiffArea::Pack && e.field == "version";
  });
  if (!diff.entries.empty() && !version_changed)
    diff.warnings.insert(diff.warnings.begin(), packVersionNotChanged(n->info.version));
  return diff;
}

}  // namespace rivet::packtool
