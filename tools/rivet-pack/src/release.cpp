// Pack release: semantic version bump by a minimal edit of pack.yaml, CHANGELOG.md entry, lint gate, atomic signed build.
#include "rivet/packtool/release.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <tuple>
#include <utility>

#include "diff_text.hpp"
#include "lint.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/content/pack_signature.hpp"

namespace rivet::packtool {

namespace fs = std::filesystem;

std::string LintFinding::describe() const {
  return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

std::vector<LintFinding> lintPack(const fs::path& pack_dir, const fs::path& schemas) {
  std::vector<LintFinding> out;
  for (const auto& p : pack::lintPack({pack_dir, schemas, {}})) out.push_back({p.file, p.line, p.message});
  return out;
}

std::optional<Bump> bumpFromString(std::string_view text) {
  if (text == "major") return Bump::Major;
  if (text == "minor") return Bump::Minor;
  if (text == "patch") return Bump::Patch;
  return std::nullopt;
}

namespace {

struct Version {
  long long major = 0, minor = 0, patch = 0;
  std::string pre;  // pre-release identifiers ("" = a release)
};

// MAJOR.MINOR[.PATCH][-pre][+build], as pack.schema.json allows.
std::optional<Version> parseVersion(std::string_view s) {
  Version v;
  long long* parts[3] = {&v.major, &v.minor, &v.patch};
  int groups = 0;
  std::size_t i = 0;
  while (groups < 3) {
    const auto r = std::from_chars(s.data() + i, s.data() + s.size(), *parts[groups]);
    if (r.ec != std::errc() || r.ptr == s.data() + i || *parts[groups] < 0) return std::nullopt;
    i = static_cast<std::size_t>(r.ptr - s.data());
    ++groups;
    if (i < s.size() && s[i] == '.' && groups < 3) {
      ++i;
      continue;
    }
    break;
  }
  if (groups < 2) return std::nullopt;
  auto ident = [](std::string_view t) {
    return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-';
    });
  };
  std::string_view rest = s.substr(i);
  if (!rest.empty() && rest[0] == '-') {
    const std::size_t plus = rest.find('+');
    v.pre = std::string(rest.substr(1, plus == std::string_view::npos ? std::string_view::npos : plus - 1));
    if (!ident(v.pre)) return std::nullopt;
    rest = plus == std::string_view::npos ? std::string_view() : rest.substr(plus);
  }
  if (!rest.empty() && (rest[0] != '+' || !ident(rest.substr(1)))) return std::nullopt;
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Files: temporary beside the target, fsync'd, renamed.

fs::path tempBeside(const fs::path& target, const std::string& what) {
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  return dir / ("." + target.filename().string() + "." + what + "-" + std::to_string(::getpid()));
}

core::Status syncPath(const fs::path& p, bool directory) {
  const int fd = ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return core::makeError(std::string("cannot open to sync: ") + std::strerror(errno), p.string(), "");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return core::makeError(std::string("cannot sync to disk: ") + std::strerror(errno), p.string(),
                                      "check the disk");
  return {};
}

core::Status writeTemp(const fs::path& tmp, std::string_view bytes, mode_t mode, const fs::path& target) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return core::makeError(std::string("cannot create a temporary file beside it: ") + std::strerror(errno),
                           target.string(), "check the folder's permissions");
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int err = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    std::error_code ec;
    fs::remove(tmp, ec);
    return core::makeError(std::string("cannot write: ") + std::strerror(err), target.string(),
                           "check free disk space and permissions");
  }
  return {};
}

mode_t modeOf(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
}

// A file written next to its target, waiting to be renamed over it.
class PreparedFile {
 public:
  static core::Result<PreparedFile> prepare(const fs::path& target, std::string_view bytes) {
    PreparedFile f;
    f.target_ = target;
    f.tmp_ = tempBeside(target, "tmp");
    if (auto st = writeTemp(f.tmp_, bytes, modeOf(target), target); !st) return st.error();
    return f;
  }
  PreparedFile() = default;
  PreparedFile(PreparedFile&& o) noexcept : target_(std::move(o.target_)), tmp_(std::exchange(o.tmp_, {})) {}
  PreparedFile& operator=(PreparedFile&& o) noexcept {
    discard();
    target_ = std::move(o.target_);
    tmp_ = std::exchange(o.tmp_, {});
    return *this;
  }
  ~PreparedFile() { discard(); }

  core::Status commit() {
    std::error_code ec;
    fs::rename(tmp_, target_, ec);
    if (ec)
      return core::makeError("cannot move the new file into place: " + ec.message(), target_.string(),
                             "check the folder's permissions");
    tmp_.clear();
    const fs::path dir = target_.parent_path().empty() ? fs::path(".") : target_.parent_path();
    return syncPath(dir, true);
  }
  void discard() {
    if (tmp_.empty()) return;
    std::error_code ec;
    fs::remove(tmp_, ec);
    tmp_.clear();
  }

 private:
  fs::path target_, tmp_;
};

core::Status syncTree(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const bool is_dir = it->is_directory(ec);
    if (auto st = syncPath(it->path(), is_dir); !st) return st;
  }
  if (ec) return core::makeError("cannot list files: " + ec.message(), dir.string(), "");
  return syncPath(dir, true);
}

// Output of `rivet-pack build`: a folder with MANIFEST.sha256, or an empty folder, or nothing.
core::Status checkReplaceable(const fs::path& output) {
  std::error_code ec;
  if (!fs::exists(output, ec)) {
    const fs::path dir = output.parent_path().empty() ? fs::path(".") : output.parent_path();
    if (!fs::is_directory(dir, ec))
      return core::makeError("the folder for the signed pack does not exist", output.string(), "create it first");
    return {};
  }
  if (!fs::is_directory(output, ec))
    return core::makeError("exists and is not a folder; refusing to replace it", output.string(), "choose another -o");
  if (!fs::exists(output / content::kManifestFile, ec) && !fs::is_empty(output, ec))
    return core::makeError("exists and is not a pack built by rivet-pack; refusing to replace it", output.string(),
                           "choose another -o");
  return {};
}

// Copies the pack into `staging` (without the import recipe and earlier signatures), applies `overrides`
// (relative path -> new content) and signs it. Returns the number of files signed.
core::Result<std::size_t> stageSignedPack(const fs::path& src, const fs::path& staging, const fs::path& key,
                                          const std::map<std::string, std::string>& overrides) {
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) return core::makeError("cannot create a temporary folder: " + ec.message(), staging.string(),
                                 "check the permissions of the output's folder");
  for (const auto& e : fs::directory_iterator(src, ec)) {
    const auto name = e.path().filename();
    if (name == content::kManifestFile || name == content::kSignatureFile || name == "assembly.yaml") continue;
    if (name.string().rfind(".", 0) == 0 && name.string().find(".tmp-") != std::string::npos) continue;
    fs::copy(e.path(), staging / name, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec) return core::makeError("cannot copy into the signed pack: " + ec.message(), e.path().string(), "");
  }
  if (ec) return core::makeError("cannot list the pack: " + ec.message(), src.string(), "");
  for (const auto& [rel, bytes] : overrides)
    if (auto st = writeTemp(staging / rel, bytes, 0644, staging / rel); !st) return st.error();
  auto n = content::signPackDir(staging, key);
  if (!n) return n.error();
  if (auto st = syncTree(staging); !st) return st.error();
  return *n;
}

// Moves the finished `staging` folder to `output`, replacing a previous build there.
core::Status swapInto(const fs::path& staging, const fs::path& output) {
  std::error_code ec;
  fs::path old;
  if (fs::exists(output, ec)) {
    old = tempBeside(output, "old");
    fs::remove_all(old, ec);
    fs::rename(output, old, ec);
    if (ec) return core::makeError("cannot move the previous signed pack aside: " + ec.message(), output.string(),
                                   "check the permissions of its folder");
  }
  fs::rename(staging, output, ec);
  if (ec) {
    std::error_code ignore;
    if (!old.empty()) fs::rename(old, output, ignore);
    return core::makeError("cannot move the signed pack into place: " + ec.message(), output.string(),
                           "check the permissions of its folder");
  }
  if (!old.empty()) fs::remove_all(old, ec);
  return syncPath(output.parent_path().empty() ? fs::path(".") : output.parent_path(), true);
}

struct TempDir {
  fs::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// Whether `child` is `parent` or lies under it.
bool inside(const fs::path& child, const fs::path& parent) {
  std::error_code ec;
  const fs::path c = fs::weakly_canonical(fs::absolute(child, ec), ec);
  const fs::path p = fs::weakly_canonical(fs::absolute(parent, ec), ec);
  const fs::path rel = c.lexically_relative(p);
  return !rel.empty() && *rel.begin() != "..";
}

std::string todayUtc() {
  std::time_t t = std::time(nullptr);
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH")) {
    long long v = 0;
    const auto r = std::from_chars(sde, sde + std::strlen(sde), v);
    if (r.ec == std::errc()) t = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

bool isDate(const std::string& d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  const int month = std::atoi(d.substr(5, 2).c_str()), day = std::atoi(d.substr(8, 2).c_str());
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

}  // namespace

core::Result<std::string> bumpVersion(std::string_view version, Bump bump) {
  auto v = parseVersion(version);
  if (!v)
    return core::makeError("version '" + std::string(version) + "' is not MAJOR.MINOR[.PATCH][-pre][+build]", "",
                           "write it like 1.4.2 in pack.yaml");
  // A pre-release of exactly the version the bump leads to is released as is (2.0.0-rc.1 + major = 2.0.0,
  // 1.5.0-rc.1 + minor = 1.5.0, 1.4.3-rc.1 + patch = 1.4.3), as npm's and Cargo's semver tools do.
  const bool pre = !v->pre.empty();
  switch (bump) {
    case Bump::Major:
      if (!(pre && v->minor == 0 && v->patch == 0)) v->major += 1;
      v->minor = 0, v->patch = 0;
      break;
    case Bump::Minor:
      if (!(pre && v->patch == 0)) v->minor += 1;
      v->patch = 0;
      break;
    case Bump::Patch:
      if (!pre) v->patch += 1;
      break;
  }
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

std::optional<int> compareVersions(std::string_view a, std::string_view b) {
  const auto x = parseVersion(a), y = parseVersion(b);
  if (!x || !y) return std::nullopt;
  const auto tx = std::tie(x->major, x->minor, x->patch), ty = std::tie(y->major, y->minor, y->patch);
  if (tx != ty) return tx < ty ? -1 : 1;
  if (x->pre == y->pre) return 0;
  if (x->pre.empty()) return 1;  // a release sorts after its pre-releases
  if (y->pre.empty()) return -1;
  return x->pre < y->pre ? -1 : 1;
}

core::Result<std::string> setManifestVersion(std::string_view pack_yaml, std::string_view new_version,
                                             const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(pack_yaml));
  } catch (const YAML::ParserException& e) {
    return core::makeError("YAML syntax error: " + e.msg, file + ":" + std::to_string(e.mark.line + 1),
                           "fix the file (rivet-pack lint)");
  }
  if (!root.IsMap()) return core::makeError("pack.yaml is not a mapping", file, "see content/schemas/pack.schema.json");
  const YAML::Node node = root["version"];
  if (!node.IsDefined() || !node.IsScalar() || node.Scalar().empty())
    return core::makeError("pack.yaml has no version", file, "add 'version: 1.0.0'");
  const int line = node.Mark().line;
  // The scalar's first character: the mark's line, at its column when the text matches there, else searched.
  std::size_t line_start = 0;
  for (int l = 0; l < line; ++l) {
    line_start = pack_yaml.find('\n', line_start);
    if (line_start == std::string_view::npos) return core::makeError("cannot locate the version", file, "");
    ++line_start;
  }
  const std::size_t line_end = std::min(pack_yaml.find('\n', line_start), pack_yaml.size());
  const std::string_view line_text = pack_yaml.substr(line_start, line_end - line_start);
  const std::string& value = node.Scalar();
  const std::string where = file + ":" + std::to_string(line + 1);
  std::size_t start = static_cast<std::size_t>(std::max(node.Mark().column, 0));
  auto startsAt = [&](std::size_t at) {
    if (at >= line_text.size()) return false;
    const char c = line_text[at];
    if (c == '"' || c == '\'') return line_text.substr(at + 1, value.size()) == value;
    return line_text.substr(at, value.size()) == value;
  };
  if (!startsAt(start)) {
    const std::size_t colon = line_text.find(':');
    start = std::string_view::npos;
    for (std::size_t at = colon == std::string_view::npos ? 0 : colon + 1; at < line_text.size(); ++at)
      if (line_text[at] != ' ' && line_text[at] != '\t') {
        if (startsAt(at)) start = at;
        break;
      }
    if (start == std::string_view::npos)
      return core::makeError("the version is not a one-line scalar that can be edited in place", where,
                             "write it as 'version: 1.0.0' on one line");
  }
  const char quote = line_text[start];
  std::size_t len = value.size();
  if (quote == '"' || quote == '\'') {
    if (line_text.substr(start + 1 + value.size(), 1) != std::string_view(&quote, 1))
      return core::makeError("the quoted version contains escapes; cannot edit it in place", where,
                             "write it as 'version: 1.0.0'");
    ++start;  // keep the quotes, replace what is between them
  } else if (start + len < line_text.size() && line_text[start + len] != ' ' && line_text[start + len] != '\t' &&
             line_text[start + len] != '\r' && line_text[start + len] != '#') {
    return core::makeError("the version spans more than its text on the line; cannot edit it in place", where,
                           "write it as 'version: 1.0.0'");
  }
  std::string out(pack_yaml);
  out.replace(line_start + start, len, new_version);

  // Re-parse: the version reads as the new one, and nothing else changed.
  YAML::Node again;
  try {
    again = YAML::Load(out);
  } catch (const YAML::Exception&) {
    return core::makeError("the edited pack.yaml does not parse", where, "edit the version by hand");
  }
  if (!again.IsMap() || !again["version"] || again["version"].Scalar() != new_version)
    return core::makeError("the edited pack.yaml does not read the new version", where, "edit the version by hand");
  for (const auto& kv : root) {
    const std::string k = kv.first.Scalar();
    if (k == "version") continue;
    YAML::Emitter a, b;
    a << kv.second;
    b << again[k];
    if (!again[k] || std::string(a.c_str()) != b.c_str())
      return core::makeError("editing the version would change '" + k + "'", where, "edit the version by hand");
  }
  if (again.size() != root.size())
    return core::makeError("editing the version would change the keys", where, "edit the version by hand");
  return out;
}

std::string prependChangelog(std::string_view changelog, std::string_view entry, std::string_view pack_id) {
  std::string e(entry);
  while (!e.empty() && e.back() == '\n') e.pop_back();
  e += "\n\n";
  if (changelog.empty())
    return "<!-- Changelog of the content pack " + std::string(pack_id) +
           ": one entry per release, newest first (rivet-pack release writes them). -->\n# Changelog of " +
           std::string(pack_id) + "\n\n" + e;
  std::string text(changelog);
  std::size_t at = std::string::npos;
  if (text.rfind("## ", 0) == 0) at = 0;
  else if (const auto p = text.find("\n## "); p != std::string::npos) at = p + 1;
  if (at == std::string::npos) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text + "\n\n" + e.substr(0, e.size() - 1);
  }
  return text.insert(at, e);
}

core::Result<std::size_t> buildSignedPack(const fs::path& pack_dir, const fs::path& output, const fs::path& private_key,
                                          const fs::path& schemas, std::vector<LintFinding>* lint_problems) {
  std::error_code ec;
  if (!fs::is_regular_file(pack_dir / "pack.yaml", ec))
    return core::makeError("not a content pack folder (no pack.yaml)", pack_dir.string(), "give the pack's folder");
  if (inside(output, pack_dir) || inside(pack_dir, output))
    return core::makeError("the signed pack cannot be written inside the pack (or over it)", output.string(),
                           "choose an -o outside the pack folder");
  if (auto st = checkReplaceable(output); !st) return st.error();
  auto problems = lintPack(pack_dir, schemas);
  if (!problems.empty()) {
    const std::string first = problems.front().describe();
    const std::size_t n = problems.size();
    if (lint_problems) *lint_problems = std::move(problems);
    return core::makeError(std::to_string(n) + " lint problem(s), first: " + first + "; not building", output.string(),
                           "fix them (rivet-pack lint lists each at its line) and build again");
  }
  TempDir staging{tempBeside(output, "tmp")};
  auto n = stageSignedPack(pack_dir, staging.path, private_key, {});
  if (!n) return n.error();
  if (auto st = swapInto(staging.path, output); !st) return st.error();
  staging.path.clear();
  return *n;
}

core::Status writeFileAtomically(const fs::path& path, std::string_view bytes) {
  auto f = PreparedFile::prepare(path, bytes);
  if (!f) return f.error();
  return f->commit();
}

core::Result<ReleaseReport> releasePack(const ReleaseOptions& o, std::vector<LintFinding>* lint_problems) {
  std::error_code ec;
  const fs::path manifest_path = o.pack / "pack.yaml";
  if (!fs::is_regular_file(manifest_path, ec))
    return core::makeError("not a content pack folder (no pack.yaml)", o.pack.string(), "give the pack's authoring folder");
  if (fs::exists(o.pack / content::kSignatureFile, ec))
    return core::makeError("is a signed pack (it has " + std::string(content::kSignatureFile) +
                               "): editing it would break its signature",
                           o.pack.string(), "release the authoring folder it was built from");
  if (trimmed(o.note).empty())
    return core::makeError("a release needs a note saying what changed and why", o.pack.string(), "give --note \"...\"");
  if (!o.key.empty() && o.output.empty())
    return core::makeError("signing needs the output folder", o.key.string(), "give -o OUT with --key");
  if (o.key.empty() && !o.output.empty())
    return core::makeError("-o is the signed pack to write and needs a key", o.output.string(), "give --key KEY.pem");
  if (!o.key.empty()) {
    if (!fs::is_regular_file(o.key, ec))
      return core::makeError("cannot read the signing key", o.key.string(), "create one with 'rivet-pack keygen'");
    if (inside(o.output, o.pack) || inside(o.pack, o.output))
      return core::makeError("the signed pack cannot be written inside the pack (or over it)", o.output.string(),
                             "choose an -o outside the pack folder");
    if (auto st = checkReplaceable(o.output); !st) return st.error();
  }
  const std::string date = o.date.empty() ? todayUtc() : o.date;
  if (!isDate(date)) return core::makeError("date '" + date + "' is not YYYY-MM-DD", "--date", "");
  std::string author = trimmed(o.author);
  if (author.empty()) {
    const char* user = std::getenv("USER");
    if (user && *user) {
      author = user;
    } else if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) {
      author = pw->pw_name;
    } else {
      author = "unknown";
    }
  }

  // 1. Lint: a pack with problems is not released.
  auto problems = lintPack(o.pack, o.schemas);
  if (!problems.empty()) {
    const std::string first = problems.front().describe();
    const std::size_t n = problems.size();
    if (lint_problems) *lint_problems = std::move(problems);
    return core::makeError(std::to_string(n) + " lint problem(s), first: " + first +
                               "; release refused, nothing was changed",
                           o.pack.string(), "fix them (rivet-pack lint lists each at its line) and release again");
  }

  // 2. The version bump, as a minimal edit of pack.yaml.
  auto manifest_text = content::readTextFile(manifest_path);
  if (!manifest_text) return manifest_text.error();
  auto manifest = content::parsePackManifest(*manifest_text, manifest_path.string());
  if (!manifest) return manifest.error();
  ReleaseReport report;
  report.pack_id = manifest->id;
  report.old_version = manifest->version;
  auto bumped = bumpVersion(manifest->version, o.bump);
  if (!bumped) return core::makeError(bumped.error().message, manifest_path.string(), bumped.error().hint);
  report.new_version = *bumped;
  auto new_manifest = setManifestVersion(*manifest_text, report.new_version, manifest_path.string());
  if (!new_manifest) return new_manifest.error();

  // 3. What changed since the previous release.
  if (!o.previous.empty()) {
    auto d = diffPacks(o.previous, o.pack, o.diff);
    if (!d) return d.error();
    if (d->old_pack.id != manifest->id)
      return core::makeError("the previous release is pack '" + d->old_pack.id + "', not '" + manifest->id + "'",
                             o.previous.string(), "give the previous release of this pack with --previous");
    const auto cmp = compareVersions(d->old_pack.version, report.new_version);
    if (!cmp || *cmp >= 0)
      return core::makeError("the previous release is version " + d->old_pack.version + ": " + report.old_version +
                                 " bumped gives " + report.new_version + ", which is not newer",
                             o.previous.string(), "choose a larger --bump, or set the version in pack.yaml by hand");
    // The release itself sets the version: drop the version line and the "version not changed" warning.
    d->new_pack.version = report.new_version;
    d->entries.erase(std::remove_if(d->entries.begin(), d->entries.end(),
                                    [](const DiffEntry& e) { return e.area == DiffArea::Pack && e.field == "version"; }),
                     d->entries.end());
    const core::Text stale = packVersionNotChanged(manifest->version);
    d->warnings.erase(std::remove_if(d->warnings.begin(), d->warnings.end(),
                                     [&](const core::Text& w) { return w.en == stale.en; }),
                      d->warnings.end());
    report.diff = std::move(*d);
  }

  // 4. The changelog entry.
  const bool fr = o.language == core::Language::Fr;
  std::string entry = "## " + report.new_version + " — " + date + " — " + author + "\n\n" + trimmed(o.note) + "\n";
  if (report.diff) {
    const PackDiff& d = *report.diff;
    const std::size_t n = d.entries.size(), s = d.safetyCount();
    entry += "\n";
    if (n == 0) {
      entry += (fr ? "Aucune modification depuis " : "No changes since ") + d.old_pack.version + ".\n";
    } else {
      entry += fr ? "Modifications depuis " + d.old_pack.version + " (" + std::to_string(n) + ", dont " +
                        std::to_string(s) + " liée" + (s > 1 ? "s" : "") + " à la sécurité) :\n\n"
                  : "Changes since " + d.old_pack.version + " (" + std::to_string(n) + ", " + std::to_string(s) +
                        " safety-relevant):\n\n";
      for (const DiffEntry& e : d.entries) entry += "- " + describeEntry(e, o.language) + "\n";
    }
    for (const auto& w : d.warnings) entry += (fr ? "\nAvertissement : " : "\nWarning: ") + w.get(o.language) + "\n";
  }
  report.changelog_entry = entry;
  const fs::path changelog_path = o.pack / "CHANGELOG.md";
  std::string old_changelog;
  if (fs::exists(changelog_path, ec)) {
    auto t = content::readTextFile(changelog_path);
    if (!t) return t.error();
    old_changelog = *t;
  }
  const std::string new_changelog = prependChangelog(old_changelog, entry, manifest->id);
  if (o.dry_run) return report;

  // 5. Everything is prepared beside its target before anything is replaced.
  TempDir staging;
  if (!o.key.empty()) {
    staging.path = tempBeside(o.output, "tmp");
    auto n = stageSignedPack(o.pack, staging.path, o.key, {{"pack.yaml", *new_manifest}, {"CHANGELOG.md", new_changelog}});
    if (!n) return n.error();
    report.signed_files = *n;
  }
  auto manifest_file = PreparedFile::prepare(manifest_path, *new_manifest);
  if (!manifest_file) return manifest_file.error();
  auto changelog_file = PreparedFile::prepare(changelog_path, new_changelog);
  if (!changelog_file) return changelog_file.error();

  // 6. Commit: pack.yaml, then CHANGELOG.md, then the signed pack; a failure puts back what was already replaced.
  auto restore = [&](bool changelog_too) {
    (void)writeFileAtomically(manifest_path, *manifest_text);
    if (changelog_too) {
      if (old_changelog.empty()) fs::remove(changelog_path, ec);
      else (void)writeFileAtomically(changelog_path, old_changelog);
    }
  };
  if (auto st = manifest_file->commit(); !st) return st.error();
  if (auto st = changelog_file->commit(); !st) {
    restore(false);
    return st.error();
  }
  if (!o.key.empty()) {
    if (auto st = swapInto(staging.path, o.output); !st) {
      restore(true);
      return st.error();
    }
    staging.path.clear();
    report.output = o.output;
  }
  return report;
}

}  // namespace rivet::packtool
