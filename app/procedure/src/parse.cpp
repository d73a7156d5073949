// Parses procedure YAML text into the Procedure model and validates it; every error names file:line and a fix.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <set>

#include "rivet/procedure/procedure.hpp"

namespace rivet::procedure {
namespace {

// Internal only: converted to core::Error before leaving parseProcedure.
struct ParseFailure {
  core::Error error;
};

class Parser {
 public:
  explicit Parser(const std::string& source) : source_(source) {}

  [[nodiscard]] std::string where(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0) return source_;
    return source_ + ":" + std::to_string(mark.line + 1);
  }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message, const std::string& hint = {}) const {
    throw ParseFailure{core::makeError(message, where(node), hint)};
  }

  void checkKeys(const YAML::Node& node, std::initializer_list<const char*> allowed, const std::string& context) const {
    if (!node.IsMap()) fail(node, context + " must be a mapping (key: value lines)");
    for (const auto& kv : node) {
      const auto key = kv.first.as<std::string>();
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(kv.first, "unknown key '" + key + "' in " + context, "allowed keys: " + list);
      }
    }
  }

  [[nodiscard]] YAML::Node required(const YAML::Node& node, const char* key, const std::string& context) const {
    YAML::Node child = node[key];
    if (!child || child.IsNull()) fail(node, "missing '" + std::string(key) + "' in " + context, "add '" + std::string(key) + ": ...'");
    return child;
  }

  [[nodiscard]] std::string scalar(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a single value");
    return node.as<std::string>();
  }

  [[nodiscard]] std::string str(const YAML::Node& parent, const char* key, const std::string& context, bool need,
                                const std::string& fallback = {}) const {
    YAML::Node n = parent[key];
    if (!n || n.IsNull()) {
      if (need) (void)required(parent, key, context);
      return fallback;
    }
    std::string value = scalar(n, "'" + std::string(key) + "' in " + context);
    if (need && value.empty()) fail(n, "'" + std::string(key) + "' in " + context + " is empty");
    return value;
  }

  [[nodiscard]] double number(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a number");
    const auto s = node.as<std::string>();
    if (s == "true") return 1.0;
    if (s == "false") return 0.0;
    try {
      std::size_t used = 0;
      const double v = std::stod(s, &used);
      if (used != s.size() || !std::isfinite(v)) throw std::invalid_argument(s);
      return v;
    } catch (const std::exception&) {
      fail(node, what + " must be a number, got '" + s + "'", "write a plain number such as 9.5");
    }
  }

  [[nodiscard]] Text text(const YAML::Node& parent, const char* key, const std::string& context, bool need) const {
    YAML::Node n = parent[key];
    if (!n || n.IsNull()) {
      if (need) (void)required(parent, key, context);
      return {};
    }
    return textNode(n, "'" + std::string(key) + "' in " + context);
  }

  [[nodiscard]] Text textNode(const YAML::Node& n, const std::string& what) const {
    if (!n.IsMap()) fail(n, what + " must give both languages", "write it as {en: \"...\", fr: \"...\"}");
    checkKeys(n, {"en", "fr"}, what);
    Text t;
    t.en = str(n, "en", what, true);
    t.fr = str(n, "fr", what, true);
    return t;
  }

  [[nodiscard]] std::vector<Text> textList(const YAML::Node& parent, const char* key, const std::string& context) const {
    std::vector<Text> out;
    YAML::Node n = parent[key];
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) fail(n, "'" + std::string(key) + "' in " + context + " must be a list");
    for (const auto& item : n) out.push_back(textNode(item, "an entry of '" + std::string(key) + "' in " + context));
    return out;
  }

  [[nodiscard]] std::vector<std::string> strList(const YAML::Node& parent, const char* key,
                                                 const std::string& context) const {
    std::vector<std::string> out;
    YAML::Node n = parent[key];
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) fail(n, "'" + std::string(key) + "' in " + context + " must be a list", "write [a, b]");
    for (const auto& item : n) {
      auto s = scalar(item, "an entry of '" + std::string(key) + "'");
      if (s.empty()) fail(item, "empty entry in '" + std::string(key) + "' of " + context);
      out.push_back(std::move(s));
    }
    return out;
  }

  [[nodiscard]] Role role(const YAML::Node& n, const std::string& what) const {
    const auto name = scalar(n, what);
    auto r = roleFromString(name);
    if (!r) fail(n, "unknown role '" + name + "' in " + what, "use technician, trainer, author or admin");
    return *r;
  }

  SparePart sparePart(const YAML::Node& n, const std::string& what) const {
    checkKeys(n, {"part_number", "name", "quantity", "unit"}, what);
    SparePart p;
    p.part_number = str(n, "part_number", what, true);
    p.name = text(n, "name", what, true);
    if (n["quantity"]) p.quantity = number(n["quantity"], "'quantity' in " + what);
    if (p.quantity <= 0) fail(n, "'quantity' in " + what + " must be positive");
    p.unit = str(n, "unit", what, false, "pc");
    return p;
  }

  std::vector<SparePart> partList(const YAML::Node& root, const char* key) const {
    std::vector<SparePart> out;
    YAML::Node n = root[key];
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) fail(n, "'" + std::string(key) + "' must be a list");
    for (const auto& item : n) out.push_back(sparePart(item, "an entry of '" + std::string(key) + "'"));
    return out;
  }

  Step step(const YAML::Node& n, std::size_t index) const {
    const std::string ctx = "step " + std::to_string(index + 1);
    if (!n.IsMap()) fail(n, ctx + " must be a mapping");
    checkKeys(n, {"id", "kind", "title", "text", "hint", "highlight", "ghost", "media", "ppe", "next", "skippable",
                  "isolation_points", "on_fail", "measurement", "on_out_of_tolerance", "gate", "choices",
                  "procedure", "roles", "options", "requires_registration_mm"},
              ctx);
    Step s;
    s.line = n.Mark().line + 1;
    s.id = str(n, "id", ctx, true);
    const std::string sctx = "step '" + s.id + "'";
    const auto kind_name = str(n, "kind", sctx, true);
    auto kind = stepKindFromString(kind_name);
    if (!kind) {
      fail(n["kind"], "unknown step kind '" + kind_name + "' in " + sctx,
           "use instruction, lockout, check, measurement, tag_gate, decision, call, sign_off or quiz");
    }
    s.kind = *kind;
    s.title = text(n, "title", sctx, true);
    s.text = text(n, "text", sctx, s.kind != StepKind::Call);
    s.hint = text(n, "hint", sctx, false);
    s.highlight_parts = strList(n, "highlight", sctx);
    s.ghost_parts = strList(n, "ghost", sctx);
    s.media = strList(n, "media", sctx);
    s.ppe = textList(n, "ppe", sctx);
    s.next = str(n, "next", sctx, false);
    if (n["skippable"]) s.skippable = n["skippable"].as<std::string>() == "true";
    if (const YAML::Node r = n["requires_registration_mm"]) {
      const double mm = number(r, "'requires_registration_mm' in " + sctx);
      if (!(mm > 0) || mm > 1000) {
        fail(r, "'requires_registration_mm' in " + sctx + " must be > 0 and at most 1000",
             "the largest overlay error (mm) at which this step may be confirmed, e.g. 10");
      }
      s.requires_registration_mm = mm;
    }

    auto forbid = [&](const char* key, const char* why) {
      if (n[key]) fail(n[key], "'" + std::string(key) + "' is not allowed in " + sctx + " (" + kind_name + ")", why);
    };
    if (s.kind != StepKind::Lockout) forbid("isolation_points", "only lockout steps list isolation points");
    if (s.kind != StepKind::Check) forbid("on_fail", "only check steps have on_fail");
    if (s.kind != StepKind::Measurement) {
      forbid("measurement", "only measurement steps have a measurement");
      forbid("on_out_of_tolerance", "only measurement steps have on_out_of_tolerance");
    }
    if (s.kind != StepKind::TagGate) forbid("gate", "only tag_gate steps have a gate");
    if (s.kind != StepKind::Decision) forbid("choices", "only decision steps have choices");
    if (s.kind != StepKind::Call) forbid("procedure", "only call steps name a procedure");
    if (s.kind != StepKind::SignOff) forbid("roles", "only sign_off steps have roles");
    if (s.kind != StepKind::Quiz) forbid("options", "only quiz steps have options");
    if (s.kind == StepKind::Call) forbid("requires_registration_mm", "put it on the called procedure's steps");
    if (s.skippable && s.requires_registration_mm) {
      fail(n["skippable"], sctx + " needs the overlay (requires_registration_mm) and cannot be skippable",
           "a step that relies on the registered model is a gate and must always be done");
    }
    if (s.skippable && (s.kind == StepKind::TagGate || s.kind == StepKind::Lockout || s.kind == StepKind::SignOff ||
                        s.kind == StepKind::Quiz || s.kind == StepKind::Call)) {
      fail(n["skippable"], sctx + " (" + kind_name + ") cannot be skippable",
           "safety gates, lockout, sign-off, quiz and call steps must always be done");
    }

    switch (s.kind) {
      case StepKind::Lockout: {
        YAML::Node pts = required(n, "isolation_points", sctx);
        if (!pts.IsSequence() || pts.size() == 0) fail(pts, "'isolation_points' in " + sctx + " must be a non-empty list");
        std::set<std::string> ids;
        for (const auto& p : pts) {
          const std::string pctx = "an isolation point of " + sctx;
          checkKeys(p, {"id", "name", "energy", "lock"}, pctx);
          IsolationPoint ip;
          ip.id = str(p, "id", pctx, true);
          ip.name = text(p, "name", pctx, true);
          ip.energy = str(p, "energy", pctx, true);
          static const std::set<std::string> kEnergies = {"electrical", "pneumatic", "hydraulic", "mechanical",
                                                          "gravity",    "thermal",   "stored",    "chemical"};
          if (!kEnergies.count(ip.energy)) {
            fail(p["energy"], "unknown energy '" + ip.energy + "' in " + pctx,
                 "use electrical, pneumatic, hydraulic, mechanical, gravity, thermal, stored or chemical");
          }
          ip.lock = str(p, "lock", pctx, true);
          if (!ids.insert(ip.id).second) fail(p, "isolation point '" + ip.id + "' listed twice in " + sctx);
          s.isolation_points.push_back(std::move(ip));
        }
        break;
      }
      case StepKind::Check:
        s.on_fail = str(n, "on_fail", sctx, false);
        break;
      case StepKind::Measurement: {
        YAML::Node m = required(n, "measurement", sctx);
        const std::string mctx = "'measurement' of " + sctx;
        checkKeys(m, {"unit", "nominal", "min", "max", "tolerance_pct", "instrument"}, mctx);
        MeasurementSpec spec;
        spec.unit = str(m, "unit", mctx, true);
        spec.nominal = number(required(m, "nominal", mctx), "'nominal' in " + mctx);
        spec.instrument = str(m, "instrument", mctx, false);
        if (m["tolerance_pct"]) {
          if (m["min"] || m["max"]) fail(m, mctx + " gives both tolerance_pct and min/max", "keep one of them");
          const double pct = number(m["tolerance_pct"], "'tolerance_pct' in " + mctx);
          if (pct < 0) fail(m["tolerance_pct"], "'tolerance_pct' in " + mctx + " must not be negative");
          const double d = std::abs(spec.nominal) * pct / 100.0;
          spec.min = spec.nominal - d;
          spec.max = spec.nominal + d;
        } else {
          spec.min = number(required(m, "min", mctx), "'min' in " + mctx);
          spec.max = number(required(m, "max", mctx), "'max' in " + mctx);
        }
        if (!(spec.min <= spec.nominal && spec.nominal <= spec.max)) {
          fail(m, "tolerance of " + sctx + " is inconsistent: need min <= nominal <= max",
               "check the values of min, nominal and max");
        }
        s.measurement = spec;
        s.on_out_of_tolerance = str(n, "on_out_of_tolerance", sctx, false);
        break;
      }
      case StepKind::TagGate: {
        YAML::Node g = required(n, "gate", sctx);
        const std::string gctx = "'gate' of " + sctx;
        checkKeys(g, {"max_age_ms", "conditions"}, gctx);
        std::int64_t max_age = 2000;
        if (g["max_age_ms"]) max_age = static_cast<std::int64_t>(number(g["max_age_ms"], "'max_age_ms' in " + gctx));
        if (max_age <= 0) fail(g["max_age_ms"], "'max_age_ms' in " + gctx + " must be positive");
        YAML::Node cs = required(g, "conditions", gctx);
        if (!cs.IsSequence() || cs.size() == 0) fail(cs, "'conditions' in " + gctx + " must be a non-empty list");
        for (const auto& c : cs) {
          const std::string cctx = "a condition of " + sctx;
          checkKeys(c, {"tag", "op", "value", "max_age_ms", "unit"}, cctx);
          TagCondition tc;
          tc.tag = str(c, "tag", cctx, true);
          const auto op = str(c, "op", cctx, true);
          if (op == "<") tc.op = CompareOp::Lt;
          else if (op == "<=") tc.op = CompareOp::Le;
          else if (op == ">") tc.op = CompareOp::Gt;
          else if (op == ">=") tc.op = CompareOp::Ge;
          else if (op == "==") tc.op = CompareOp::Eq;
          else if (op == "!=") tc.op = CompareOp::Ne;
          else fail(c["op"], "unknown comparison '" + op + "' in " + cctx, "use <, <=, >, >=, == or !=");
          tc.value = number(required(c, "value", cctx), "'value' in " + cctx);
          tc.max_age_ms = max_age;
          if (c["max_age_ms"]) tc.max_age_ms = static_cast<std::int64_t>(number(c["max_age_ms"], "'max_age_ms'"));
          if (tc.max_age_ms <= 0) fail(c, "'max_age_ms' in " + cctx + " must be positive");
          tc.unit = str(c, "unit", cctx, false);
          s.conditions.push_back(std::move(tc));
        }
        break;
      }
      case StepKind::Decision: {
        YAML::Node cs = required(n, "choices", sctx);
        if (!cs.IsSequence() || cs.size() < 2) fail(cs, "'choices' in " + sctx + " must list at least two options");
        std::set<std::string> ids;
        for (const auto& c : cs) {
          const std::string cctx = "a choice of " + sctx;
          checkKeys(c, {"id", "label", "next"}, cctx);
          Choice ch;
          ch.id = str(c, "id", cctx, true);
          ch.label = text(c, "label", cctx, true);
          ch.next = str(c, "next", cctx, true);
          if (!ids.insert(ch.id).second) fail(c, "choice '" + ch.id + "' listed twice in " + sctx);
          s.choices.push_back(std::move(ch));
        }
        break;
      }
      case StepKind::Call:
        s.procedure_id = str(n, "procedure", sctx, true);
        if (s.title.empty()) fail(n, "missing 'title' in " + sctx);
        break;
      case StepKind::SignOff: {
        YAML::Node rs = required(n, "roles", sctx);
        if (!rs.IsSequence() || rs.size() == 0) fail(rs, "'roles' in " + sctx + " must be a non-empty list");
        for (const auto& r : rs) s.sign_roles.push_back(role(r, "'roles' of " + sctx));
        break;
      }
      case StepKind::Quiz: {
        YAML::Node os = required(n, "options", sctx);
        if (!os.IsSequence() || os.size() < 2) fail(os, "'options' in " + sctx + " must list at least two answers");
        int correct = 0;
        for (const auto& o : os) {
          const std::string octx = "an option of " + sctx;
          checkKeys(o, {"text", "correct"}, octx);
          QuizOption q;
          q.text = text(o, "text", octx, true);
          q.correct = o["correct"] && o["correct"].as<std::string>() == "true";
          correct += q.correct ? 1 : 0;
          s.options.push_back(std::move(q));
        }
        if (correct == 0) fail(os, sctx + " has no correct answer", "mark one option with 'correct: true'");
        break;
      }
      case StepKind::Instruction:
        break;
    }
    return s;
  }

  Procedure procedure(const YAML::Node& root) const {
    const std::string ctx = "the procedure";
    checkKeys(root, {"id", "version", "type", "title", "description", "asset", "interval", "trigger",
                     "estimated_duration_min", "required_role", "qualification", "tools", "spare_parts",
                     "consumables", "ppe", "safety_notes", "training", "steps"},
              ctx);
    Procedure p;
    p.source = source_;
    p.id = str(root, "id", ctx, true);
    p.version = str(root, "version", ctx, true);
    p.type = str(root, "type", ctx, false, "preventive");
    if (p.type != "preventive" && p.type != "corrective" && p.type != "training") {
      fail(root["type"], "unknown procedure type '" + p.type + "'", "use preventive, corrective or training");
    }
    p.title = text(root, "title", ctx, true);
    p.description = text(root, "description", ctx, false);
    if (YAML::Node a = root["asset"]) {
      checkKeys(a, {"id", "location"}, "'asset'");
      p.asset_id = str(a, "id", "'asset'", true);
      p.location = text(a, "location", "'asset'", false);
    }
    if (root["interval"] && root["trigger"]) fail(root["trigger"], "give either 'interval' or 'trigger', not both");
    p.interval = root["trigger"] ? text(root, "trigger", ctx, false) : text(root, "interval", ctx, false);
    if (root["estimated_duration_min"]) {
      const double m = number(root["estimated_duration_min"], "'estimated_duration_min'");
      if (m <= 0) fail(root["estimated_duration_min"], "'estimated_duration_min' must be positive");
      p.estimated_minutes = static_cast<int>(m);
    }
    if (root["required_role"]) p.required_role = role(root["required_role"], "'required_role'");
    p.qualification = text(root, "qualification", ctx, false);
    if (YAML::Node ts = root["tools"]) {
      if (!ts.IsSequence()) fail(ts, "'tools' must be a list");
      for (const auto& t : ts) {
        checkKeys(t, {"id", "name", "size"}, "a tool");
        ToolItem item;
        item.id = str(t, "id", "a tool", true);
        item.name = text(t, "name", "tool '" + item.id + "'", true);
        item.size = str(t, "size", "tool '" + item.id + "'", false);
        p.tools.push_back(std::move(item));
      }
    }
    p.spare_parts = partList(root, "spare_parts");
    p.consumables = partList(root, "consumables");
    p.ppe = textList(root, "ppe", ctx);
    p.safety_notes = textList(root, "safety_notes", ctx);

    YAML::Node steps = required(root, "steps", ctx);
    if (!steps.IsSequence() || steps.size() == 0) fail(steps, "'steps' must be a non-empty list");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      Step s = step(steps[i], i);
      if (!ids.insert(s.id).second) fail(steps[i], "step id '" + s.id + "' is used twice", "give each step its own id");
      if (s.id == "end") fail(steps[i], "'end' is reserved as a step id", "it means 'finish the procedure'");
      p.steps.push_back(std::move(s));
    }

    auto checkTarget = [&](const YAML::Node& node, const std::string& target, const std::string& what) {
      if (!target.empty() && target != "end" && !ids.count(target)) {
        fail(node, what + " goes to unknown step '" + target + "'", "use an existing step id or 'end'");
      }
    };
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
      const Step& s = p.steps[i];
      const std::string sctx = "step '" + s.id + "'";
      checkTarget(steps[i]["next"], s.next, sctx);
      checkTarget(steps[i]["on_fail"], s.on_fail, "on_fail of " + sctx);
      checkTarget(steps[i]["on_out_of_tolerance"], s.on_out_of_tolerance, "on_out_of_tolerance of " + sctx);
      for (std::size_t c = 0; c < s.choices.size(); ++c) {
        checkTarget(steps[i]["choices"][c], s.choices[c].next, "choice '" + s.choices[c].id + "' of " + sctx);
      }
      if (s.kind == StepKind::Quiz && p.type != "training" && !root["training"]) {
        fail(steps[i], sctx + " is a quiz in a procedure without training data",
             "add a 'training:' section (pass_mark) or remove the quiz");
      }
    }

    if (YAML::Node tr = root["training"]) {
      checkKeys(tr, {"pass_mark", "faults"}, "'training'");
      if (tr["pass_mark"]) p.training.pass_mark = number(tr["pass_mark"], "'pass_mark'");
      if (p.training.pass_mark < 0 || p.training.pass_mark > 100) fail(tr["pass_mark"], "'pass_mark' must be 0-100");
      if (YAML::Node fs = tr["faults"]) {
        if (!fs.IsSequence()) fail(fs, "'faults' must be a list");
        for (const auto& f : fs) {
          const std::string fctx = "a fault scenario";
          checkKeys(f, {"id", "title", "at_step", "tags"}, fctx);
          FaultScenario fault;
          fault.id = str(f, "id", fctx, true);
          fault.title = text(f, "title", "fault '" + fault.id + "'", true);
          fault.at_step = str(f, "at_step", "fault '" + fault.id + "'", true);
          if (!ids.count(fault.at_step)) fail(f["at_step"], "fault '" + fault.id + "' names unknown step '" + fault.at_step + "'");
          YAML::Node ts = required(f, "tags", "fault '" + fault.id + "'");
          if (!ts.IsSequence() || ts.size() == 0) fail(ts, "'tags' of fault '" + fault.id + "' must be a non-empty list");
          for (const auto& t : ts) {
            checkKeys(t, {"tag", "value", "quality", "stuck"}, "a tag of fault '" + fault.id + "'");
            TagOverride o;
            o.tag = str(t, "tag", "fault '" + fault.id + "'", true);
            o.value = number(required(t, "value", "fault '" + fault.id + "'"), "'value'");
            o.quality = str(t, "quality", "fault '" + fault.id + "'", false, "good");
            if (o.quality != "good" && o.quality != "bad" && o.quality != "uncertain") {
              fail(t["quality"], "unknown quality '" + o.quality + "'", "use good, bad or uncertain");
            }
            o.stuck = t["stuck"] && t["stuck"].as<std::string>() == "true";
            fault.overrides.push_back(std::move(o));
          }
          p.training.faults.push_back(std::move(fault));
        }
      }
    }
    return p;
  }

 private:
  const std::string& source_;
};

}  // namespace

core::Result<Procedure> parseProcedure(std::string_view yaml_text, const std::string& source) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root || root.IsNull()) return core::makeError("procedure file is empty", source, "start with 'id:'");
    Parser parser(source);
    return parser.procedure(root);
  } catch (const ParseFailure& f) {
    return f.error;
  } catch (const YAML::Exception& e) {
    const std::string where = e.mark.line >= 0 ? source + ":" + std::to_string(e.mark.line + 1) : source;
    return core::makeError("YAML syntax error: " + e.msg, where, "check indentation and quotes on that line");
  } catch (const std::exception& e) {
    return core::makeError(std::string("cannot read the procedure: ") + e.what(), source, "check the file is valid YAML");
  }
}

core::Result<Procedure> resolveCalls(const Procedure& main, const std::vector<Procedure>& library) {
  std::function<core::Result<std::vector<Step>>(const Procedure&, const std::string&, std::vector<std::string>&)> expand;
  expand = [&](const Procedure& p, const std::string& prefix,
               std::vector<std::string>& stack) -> core::Result<std::vector<Step>> {
    std::vector<Step> out;
    const auto pre = [&](const std::string& id) { return id.empty() || id == "end" ? id : prefix + id; };
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
      Step s = p.steps[i];
      const std::string call_id = prefix + s.id;
      s.id = call_id;
      s.next = pre(s.next);
      s.on_fail = pre(s.on_fail);
      s.on_out_of_tolerance = pre(s.on_out_of_tolerance);
      for (auto& c : s.choices) c.next = pre(c.next);
      if (s.kind != StepKind::Call) {
        out.push_back(std::move(s));
        continue;
      }
      const std::string where = p.source + ":" + std::to_string(s.line);
      if (std::find(stack.begin(), stack.end(), s.procedure_id) != stack.end()) {
        return core::makeError("call cycle: '" + s.procedure_id + "' calls itself through step '" + call_id + "'",
                               where, "remove the recursive call");
      }
      auto it = std::find_if(library.begin(), library.end(), [&](const Procedure& q) { return q.id == s.procedure_id; });
      if (it == library.end()) {
        return core::makeError("step '" + call_id + "' calls procedure '" + s.procedure_id + "' which is not in the pack",
                               where, "add procedures/" + s.procedure_id + ".yaml to the pack or fix the id");
      }
      // After the sub-procedure, continue where the call step would have gone.
      std::string after = s.next;
      if (after.empty()) after = i + 1 < p.steps.size() ? prefix + p.steps[i + 1].id : "end";
      stack.push_back(s.procedure_id);
      auto sub = expand(*it, call_id + "/", stack);
      stack.pop_back();
      if (!sub) return sub.error();
      s.next.clear();
      out.push_back(std::move(s));
      for (Step& sub_step : sub.value()) {
        auto fix = [&](std::string& target) {
          if (target == "end") target = after;
        };
        fix(sub_step.next);
        fix(sub_step.on_fail);
        fix(sub_step.on_out_of_tolerance);
        for (auto& c : sub_step.choices) fix(c.next);
        out.push_back(std::move(sub_step));
      }
      // The last step of the sub-procedure falls through to `after`.
      if (out.back().next.empty()) out.back().next = after;
    }
    return out;
  };
  std::vector<std::string> stack{main.id};
  auto steps = expand(main, "", stack);
  if (!steps) return steps.error();
  Procedure resolved = main;
  resolved.steps = std::move(steps.value());
  return resolved;
}

int Procedure::indexOf(std::string_view step_id) const {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id == step_id) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace rivet::procedure
