// tags.yaml parser: strict keys, typed fields, one clear error naming file:line:column and what to write instead.
#include "rivet/tags/bindings.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

namespace rivet::tags {
namespace {

// Thrown inside the parser only; turned into core::Error at the boundary.
struct ParseFailure {
  core::Error error;
};

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  [[nodiscard]] std::string where(const YAML::Node& node) const {
    const YAML::Mark m = node.Mark();
    if (m.line < 0) return file_;
    return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }

  [[noreturn]] void fail(const YAML::Node& node, std::string message, std::string hint = {}) const {
    throw ParseFailure{core::makeError(std::move(message), where(node), std::move(hint))};
  }

  void requireMap(const YAML::Node& node, std::string_view what) const {
    if (!node.IsMap()) fail(node, std::string(what) + " must be a mapping (key: value lines)");
  }

  void checkKeys(const YAML::Node& map, std::string_view what, std::initializer_list<std::string_view> allowed) const {
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      bool ok = false;
      for (auto a : allowed) ok = ok || key == a;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(kv.first, "unknown key '" + key + "' in " + std::string(what), "allowed keys: " + list);
      }
    }
  }

  std::string str(const YAML::Node& node, std::string_view what) const {
    if (!node.IsScalar()) fail(node, std::string(what) + " must be a text value");
    return node.Scalar();
  }

  double number(const YAML::Node& node, std::string_view what) const {
    if (!node.IsScalar()) fail(node, std::string(what) + " must be a number");
    double v = 0;
    if (!YAML::convert<double>::decode(node, v) || !std::isfinite(v))
      fail(node, std::string(what) + " must be a finite number, not '" + node.Scalar() + "'");
    return v;
  }

  std::int64_t integer(const YAML::Node& node, std::string_view what) const {
    if (!node.IsScalar()) fail(node, std::string(what) + " must be an integer");
    long long v = 0;
    if (!YAML::convert<long long>::decode(node, v))
      fail(node, std::string(what) + " must be an integer, not '" + node.Scalar() + "'");
    return v;
  }

  bool boolean(const YAML::Node& node, std::string_view what) const {
    bool v = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v))
      fail(node, std::string(what) + " must be true or false");
    return v;
  }

  // {en: "...", fr: "..."} with both languages required.
  void labels(const YAML::Node& node, std::string_view what, std::string& en, std::string& fr) const {
    requireMap(node, what);
    checkKeys(node, what, {"en", "fr"});
    if (!node["en"]) fail(node, std::string(what) + " has no English text", "add en: \"...\"");
    if (!node["fr"]) fail(node, std::string(what) + " has no French text", "add fr: \"...\"");
    en = str(node["en"], std::string(what) + ".en");
    fr = str(node["fr"], std::string(what) + ".fr");
    if (en.empty() || fr.empty()) fail(node, std::string(what) + " texts must not be empty");
  }

  std::vector<std::string> stringList(const YAML::Node& node, std::string_view what) const {
    if (!node.IsSequence()) fail(node, std::string(what) + " must be a list, e.g. [technician, admin]");
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(str(item, what));
    if (out.empty()) fail(node, std::string(what) + " must not be empty");
    return out;
  }

  TagBindings parse(std::string_view text) {
    YAML::Node loaded;
    try {
      loaded = YAML::Load(std::string(text));
    } catch (const YAML::ParserException& e) {
      throw ParseFailure{core::makeError("YAML syntax error: " + e.msg,
                                         file_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                                             std::to_string(e.mark.column + 1),
                                         "check indentation and quoting")};
    }
    const YAML::Node root = loaded;  // const: lookups never insert keys
    if (!root || root.IsNull()) throw ParseFailure{core::makeError("file is empty", file_, "add a 'tags:' list")};
    requireMap(root, "tags.yaml");
    checkKeys(root, "tags.yaml", {"version", "defaults", "tags"});
    if (root["version"] && integer(root["version"], "version") != 1)
      fail(root["version"], "unsupported tags.yaml version", "this Rivet reads version: 1");

    std::string def_group, def_node;
    std::int64_t def_max_age = 5000;
    std::vector<std::string> def_roles{"technician", "admin"};  // roles of app/procedure
    if (const auto d = root["defaults"]) {
      requireMap(d, "defaults");
      checkKeys(d, "defaults", {"sparkplug", "max_age_ms", "ack_roles"});
      if (const auto sp = d["sparkplug"]) {
        requireMap(sp, "defaults.sparkplug");
        checkKeys(sp, "defaults.sparkplug", {"group", "node"});
        if (sp["group"]) def_group = str(sp["group"], "defaults.sparkplug.group");
        if (sp["node"]) def_node = str(sp["node"], "defaults.sparkplug.node");
      }
      if (d["max_age_ms"]) def_max_age = positiveAge(d["max_age_ms"], "defaults.max_age_ms");
      if (d["ack_roles"]) def_roles = stringList(d["ack_roles"], "defaults.ack_roles");
    }

    const auto list = root["tags"];
    if (!list) fail(root, "no 'tags:' list", "add tags: with one entry per live value");
    if (!list.IsSequence()) fail(list, "'tags' must be a list of tag entries (lines starting with '- id:')");

    TagBindings out;
    out.file = file_;
    std::set<std::string> ids, sources;
    for (const auto& t : list) {
      TagBinding b = tag(t, def_group, def_node, def_max_age, def_roles);
      if (!ids.insert(b.id).second) fail(t["id"], "tag id '" + b.id + "' is used twice", "tag ids must be unique");
      const std::string src_key = (b.source_ref.kind == SourceKind::Json ? "topic:" : "sp:") + b.source;
      if (!sources.insert(src_key).second)
        fail(t["source"], "source '" + b.source + "' is bound to two tags", "bind each source to one tag id");
      out.tags.push_back(std::move(b));
    }
    return out;
  }

 private:
  std::int64_t positiveAge(const YAML::Node& node, std::string_view what) const {
    const std::int64_t v = integer(node, what);
    if (v <= 0 || v > 86'400'000) fail(node, std::string(what) + " must be between 1 and 86400000 ms");
    return v;
  }

  static bool validId(const std::string& id) {
    if (id.empty() || id.size() > 128) return false;
    if (!(id[0] >= 'a' && id[0] <= 'z')) return false;
    for (char c : id) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
      if (!ok) return false;
    }
    return true;
  }

  TagBinding tag(const YAML::Node& t, const std::string& def_group, const std::string& def_node,
                 std::int64_t def_max_age, const std::vector<std::string>& def_roles) const {
    requireMap(t, "a tag entry");
    checkKeys(t, "a tag entry",
              {"id", "label", "type", "unit", "source", "scale", "offset", "invert", "range", "decimals",
               "true_label", "false_label", "enum", "max_age_ms", "flatline_ms", "alarms"});
    TagBinding b;
    b.line = t.Mark().line + 1;
    if (!t["id"]) fail(t, "tag entry has no id", "add id: area.name, e.g. robot.axis_speed");
    b.id = str(t["id"], "id");
    if (!validId(b.id))
      fail(t["id"], "tag id '" + b.id + "' is not valid",
           "use lower-case letters, digits, '.', '_' or '-', starting with a letter");
    const std::string ctx = "tag '" + b.id + "'";

    if (!t["label"]) fail(t, ctx + " has no label", "add label: {en: \"...\", fr: \"...\"}");
    labels(t["label"], ctx + " label", b.label_en, b.label_fr);

    if (const auto ty = t["type"]) {
      const std::string s = str(ty, "type");
      if (s == "number") b.type = ValueType::Number;
      else if (s == "bool") b.type = ValueType::Bool;
      else if (s == "string") b.type = ValueType::String;
      else if (s == "enum") b.type = ValueType::Enum;
      else fail(ty, ctx + ": unknown type '" + s + "'", "use number, bool, string or enum");
    }
    if (t["unit"]) b.unit = str(t["unit"], "unit");

    if (!t["source"]) fail(t, ctx + " has no source", "add source: {sparkplug: {device: ..., metric: ...}} or {topic: ...}");
    source(t["source"], ctx, def_group, def_node, b);

    const bool numeric = b.type == ValueType::Number;
    if (t["scale"]) {
      if (!numeric) fail(t["scale"], ctx + ": scale applies to number tags only");
      b.scale = number(t["scale"], "scale");
      if (b.scale == 0.0) fail(t["scale"], ctx + ": scale must not be 0");
    }
    if (t["offset"]) {
      if (!numeric) fail(t["offset"], ctx + ": offset applies to number tags only");
      b.offset = number(t["offset"], "offset");
    }
    if (t["invert"]) {
      if (b.type != ValueType::Bool) fail(t["invert"], ctx + ": invert applies to bool tags only");
      b.invert = boolean(t["invert"], "invert");
    }
    if (const auto r = t["range"]) {
      if (!numeric) fail(r, ctx + ": range applies to number tags only");
      requireMap(r, ctx + " range");
      checkKeys(r, ctx + " range", {"min", "max"});
      if (r["min"]) b.min = number(r["min"], "range.min");
      if (r["max"]) b.max = number(r["max"], "range.max");
      if (b.min && b.max && *b.min >= *b.max) fail(r, ctx + ": range.min must be below range.max");
    }
    if (t["decimals"]) {
      const auto d = integer(t["decimals"], "decimals");
      if (d < 0 || d > 9) fail(t["decimals"], ctx + ": decimals must be between 0 and 9");
      b.decimals = static_cast<int>(d);
    }
    if (t["true_label"] || t["false_label"]) {
      if (b.type != ValueType::Bool) fail(t, ctx + ": true_label/false_label apply to bool tags only");
      if (t["true_label"]) labels(t["true_label"], ctx + " true_label", b.true_en, b.true_fr);
      if (t["false_label"]) labels(t["false_label"], ctx + " false_label", b.false_en, b.false_fr);
    }
    if (const auto e = t["enum"]) {
      if (b.type != ValueType::Enum) fail(e, ctx + ": enum labels apply to type: enum only");
      if (!e.IsSequence()) fail(e, ctx + ": enum must be a list of {code: 0, en: ..., fr: ...}");
      for (const auto& item : e) {
        requireMap(item, ctx + " enum entry");
        checkKeys(item, ctx + " enum entry", {"code", "en", "fr"});
        if (!item["code"] || !item["en"] || !item["fr"]) fail(item, ctx + ": enum entry needs code, en and fr");
        b.enum_labels.push_back(
            EnumLabel{integer(item["code"], "code"), str(item["en"], "en"), str(item["fr"], "fr")});
      }
    } else if (b.type == ValueType::Enum) {
      fail(t, ctx + " is an enum without labels", "add enum: [{code: 0, en: ..., fr: ...}, ...]");
    }
    b.max_age_ms = t["max_age_ms"] ? positiveAge(t["max_age_ms"], "max_age_ms") : def_max_age;
    if (t["flatline_ms"]) {
      if (!numeric) fail(t["flatline_ms"], ctx + ": flatline_ms applies to number tags only");
      b.flatline_ms = positiveAge(t["flatline_ms"], "flatline_ms");
    }
    if (const auto a = t["alarms"]) {
      if (!numeric) fail(a, ctx + ": alarms apply to number tags only");
      if (!a.IsSequence()) fail(a, ctx + ": alarms must be a list");
      std::set<std::string> limit_ids;
      for (const auto& item : a) {
        AlarmLimit lim = alarm(item, ctx, def_roles);
        if (!limit_ids.insert(lim.id).second) fail(item["id"], ctx + ": alarm id '" + lim.id + "' is used twice");
        b.alarms.push_back(std::move(lim));
      }
    }
    return b;
  }

  void source(const YAML::Node& s, const std::string& ctx, const std::string& def_group, const std::string& def_node,
              TagBinding& b) const {
    requireMap(s, ctx + " source");
    checkKeys(s, ctx + " source", {"sparkplug", "topic"});
    if (s["sparkplug"] && s["topic"]) fail(s, ctx + ": source has both sparkplug and topic", "keep one of them");
    if (const auto tp = s["topic"]) {
      b.source_ref.kind = SourceKind::Json;
      b.source_ref.topic = str(tp, "topic");
      if (b.source_ref.topic.empty() || b.source_ref.topic.find_first_of("+#") != std::string::npos)
        fail(tp, ctx + ": topic must be a plain MQTT topic without wildcards");
      b.source = b.source_ref.topic;
      return;
    }
    const auto sp = s["sparkplug"];
    if (!sp) fail(s, ctx + ": source needs sparkplug: {...} or topic: ...");
    requireMap(sp, ctx + " source.sparkplug");
    checkKeys(sp, ctx + " source.sparkplug", {"group", "node", "device", "metric"});
    auto& r = b.source_ref.sparkplug;
    b.source_ref.kind = SourceKind::Sparkplug;
    r.group = sp["group"] ? str(sp["group"], "group") : def_group;
    r.node = sp["node"] ? str(sp["node"], "node") : def_node;
    if (sp["device"]) r.device = str(sp["device"], "device");
    if (!sp["metric"]) fail(sp, ctx + ": sparkplug source has no metric", "add metric: \"Axis1/Speed\"");
    r.metric = str(sp["metric"], "metric");
    if (r.group.empty()) fail(sp, ctx + ": no Sparkplug group", "set group here or defaults.sparkplug.group");
    if (r.node.empty()) fail(sp, ctx + ": no Sparkplug edge node", "set node here or defaults.sparkplug.node");
    for (const std::string* part : {&r.group, &r.node, &r.device}) {
      if (part->find_first_of("/+#") != std::string::npos)
        fail(sp, ctx + ": Sparkplug group, node and device ids must not contain '/', '+' or '#'");
    }
    if (r.metric.empty()) fail(sp["metric"], ctx + ": metric name is empty");
    b.source = r.group + "/" + r.node + "/" + (r.device.empty() ? "" : r.device + "/") + r.metric;
  }

  AlarmLimit alarm(const YAML::Node& a, const std::string& ctx, const std::vector<std::string>& def_roles) const {
    requireMap(a, ctx + " alarm");
    checkKeys(a, ctx + " alarm", {"id", "kind", "limit", "hysteresis", "severity", "message", "ack_roles"});
    AlarmLimit lim;
    if (!a["id"] || !a["kind"] || !a["limit"] || !a["severity"] || !a["message"])
      fail(a, ctx + ": alarm needs id, kind, limit, severity and message",
           "e.g. {id: high, kind: high, limit: 80, hysteresis: 2, severity: warning, message: {en: ..., fr: ...}}");
    lim.id = str(a["id"], "alarm id");
    const std::string kind = str(a["kind"], "kind");
    if (kind == "high") lim.kind = LimitKind::High;
    else if (kind == "low") lim.kind = LimitKind::Low;
    else fail(a["kind"], ctx + ": alarm kind must be high or low, not '" + kind + "'");
    lim.threshold = number(a["limit"], "limit");
    if (a["hysteresis"]) {
      lim.hysteresis = number(a["hysteresis"], "hysteresis");
      if (lim.hysteresis < 0) fail(a["hysteresis"], ctx + ": hysteresis must be >= 0");
    }
    const std::string sev = str(a["severity"], "severity");
    if (sev == "info") lim.severity = Severity::Info;
    else if (sev == "warning") lim.severity = Severity::Warning;
    else if (sev == "critical") lim.severity = Severity::Critical;
    else fail(a["severity"], ctx + ": severity must be info, warning or critical, not '" + sev + "'");
    labels(a["message"], ctx + " alarm message", lim.message_en, lim.message_fr);
    lim.ack_roles = a["ack_roles"] ? stringList(a["ack_roles"], "ack_roles") : def_roles;
    return lim;
  }

  std::string file_;
};

}  // namespace

std::string_view toString(Severity severity) {
  switch (severity) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Critical: return "critical";
  }
  return "warning";
}

std::string_view toString(LimitKind kind) { return kind == LimitKind::High ? "high" : "low"; }

const TagBinding* TagBindings::find(std::string_view id) const {
  for (const auto& t : tags)
    if (t.id == id) return &t;
  return nullptr;
}

core::Result<TagBindings> parseBindings(std::string_view yaml_text, const std::string& source) {
  try {
    Parser parser(source);
    return parser.parse(yaml_text);
  } catch (const ParseFailure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    return core::makeError("cannot read tags: " + e.msg,
                           source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1),
                           "check the value's type at that place");
  }
}

core::Result<TagBindings> loadBindings(const std::filesystem::path& file_or_pack_dir) {
  std::error_code ec;
  std::filesystem::path file = file_or_pack_dir;
  if (std::filesystem::is_directory(file, ec)) file /= "tags.yaml";
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return core::makeError("cannot open tag bindings", file.string(),
                           "give a pack directory holding tags.yaml, or the tags.yaml file itself");
  std::ostringstream text;
  text << in.rdbuf();
  return parseBindings(text.str(), file.string());
}

}  // namespace rivet::tags
