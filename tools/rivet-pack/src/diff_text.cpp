// Pack diff wording (fr/en: French decimal commas and « » quotes), safety rules, and the text and JSON reports.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "diff_text.hpp"

namespace rivet::packtool {
namespace {

using core::Language;

struct Bi {
  std::string en, fr;
};

// ---------------------------------------------------------------------------------------------------------------
// Field paths: "gate.conditions[cell.air_pressure].value" -> {gate}, {conditions, cell.air_pressure}, {value}

struct Seg {
  std::string key, sel;
};

std::vector<Seg> parseField(const std::string& field) {
  std::vector<Seg> segs;
  std::size_t i = 0;
  while (i < field.size()) {
    Seg s;
    while (i < field.size() && field[i] != '.' && field[i] != '[') s.key += field[i++];
    if (i < field.size() && field[i] == '[') {
      const std::size_t close = field.find(']', i);
      s.sel = field.substr(i + 1, close == std::string::npos ? std::string::npos : close - i - 1);
      i = close == std::string::npos ? field.size() : close + 1;
    }
    if (i < field.size() && field[i] == '.') ++i;
    segs.push_back(std::move(s));
  }
  return segs;
}

const std::map<std::string, Bi>& labels() {
  static const std::map<std::string, Bi> m = {
      {"id", {"id", "identifiant"}},
      {"version", {"version", "version"}},
      {"title", {"title", "titre"}},
      {"text", {"text", "texte"}},
      {"hint", {"hint", "indice"}},
      {"description", {"description", "description"}},
      {"label", {"label", "libellé"}},
      {"message", {"message", "message"}},
      {"name", {"name", "nom"}},
      {"kind", {"kind", "type"}},
      {"type", {"type", "type"}},
      {"author", {"author", "auteur"}},
      {"license", {"licence", "licence"}},
      {"requires_app", {"required app version", "version d'application requise"}},
      {"model", {"model", "modèle"}},
      {"highlight", {"highlighted part", "pièce mise en évidence"}},
      {"ghost", {"ghosted part", "pièce en transparence"}},
      {"media", {"media", "média"}},
      {"ppe", {"PPE", "EPI"}},
      {"roles", {"sign-off role", "rôle de visa"}},
      {"next", {"next step", "étape suivante"}},
      {"on_fail", {"step on fail", "étape si non conforme"}},
      {"on_out_of_tolerance", {"step if out of tolerance", "étape si hors tolérance"}},
      {"procedure", {"called procedure", "procédure appelée"}},
      {"skippable", {"skippable", "peut être sautée"}},
      {"requires_registration_mm", {"required registration", "recalage exigé"}},
      {"measurement", {"measurement", "mesure"}},
      {"nominal", {"nominal value", "valeur nominale"}},
      {"min", {"minimum", "minimum"}},
      {"max", {"maximum", "maximum"}},
      {"tolerance_pct", {"tolerance", "tolérance"}},
      {"unit", {"unit", "unité"}},
      {"instrument", {"instrument", "instrument"}},
      {"gate", {"gate", "verrouillage"}},
      {"conditions", {"gate condition", "condition de verrouillage"}},
      {"value", {"value", "valeur"}},
      {"op", {"operator", "opérateur"}},
      {"max_age_ms", {"maximum value age", "âge maximal des valeurs"}},
      {"isolation_points", {"isolation point", "point de consignation"}},
      {"energy", {"energy", "énergie"}},
      {"lock", {"lock", "cadenas"}},
      {"order", {"order", "ordre"}},
      {"choices", {"choice", "choix"}},
      {"options", {"answer", "réponse"}},
      {"correct", {"correct", "correcte"}},
      {"tools", {"tool", "outil"}},
      {"size", {"size", "taille"}},
      {"spare_parts", {"spare part", "pièce de rechange"}},
      {"consumables", {"consumable", "consommable"}},
      {"quantity", {"quantity", "quantité"}},
      {"part_number", {"part number", "référence"}},
      {"safety_notes", {"safety note", "consigne de sécurité"}},
      {"asset", {"asset", "équipement"}},
      {"location", {"location", "emplacement"}},
      {"interval", {"interval", "périodicité"}},
      {"trigger", {"trigger", "déclencheur"}},
      {"estimated_duration_min", {"estimated duration", "durée estimée"}},
      {"required_role", {"required role", "rôle requis"}},
      {"qualification", {"qualification", "qualification"}},
      {"training", {"training", "formation"}},
      {"pass_mark", {"pass mark", "seuil de réussite"}},
      {"faults", {"fault", "défaut"}},
      {"at_step", {"at step", "à l'étape"}},
      {"tags", {"tag", "variable"}},
      {"tag", {"tag", "variable"}},
      {"stuck", {"stuck", "figée"}},
      {"quality", {"quality", "qualité"}},
      {"alarms", {"alarm", "alarme"}},
      {"limit", {"limit", "seuil"}},
      {"hysteresis", {"hysteresis", "hystérésis"}},
      {"severity", {"severity", "gravité"}},
      {"ack_roles", {"acknowledging roles", "rôles d'acquittement"}},
      {"range", {"range", "plage"}},
      {"decimals", {"decimals", "décimales"}},
      {"scale", {"scale", "échelle"}},
      {"offset", {"offset", "décalage"}},
      {"invert", {"inverted", "inversée"}},
      {"source", {"source", "source"}},
      {"sparkplug", {"Sparkplug", "Sparkplug"}},
      {"topic", {"MQTT topic", "topic MQTT"}},
      {"metric", {"metric", "métrique"}},
      {"device", {"device", "équipement"}},
      {"group", {"group", "groupe"}},
      {"node", {"node", "nœud"}},
      {"true_label", {"label when true", "libellé si vrai"}},
      {"false_label", {"label when false", "libellé si faux"}},
      {"flatline_ms", {"flat-line time", "durée de valeur figée"}},
      {"defaults", {"defaults", "valeurs par défaut"}},
      {"dictionary", {"dictionary", "dictionnaire"}},
      {"size_mm", {"size", "taille"}},
      {"note", {"note", "note"}},
      {"registration", {"registration limits", "limites de recalage"}},
      {"good_rms_px", {"good RMS", "RMS « bon »"}},
      {"good_error_mm", {"good error", "erreur « bonne »"}},
      {"max_rms_px", {"maximum RMS", "RMS maximal"}},
      {"max_error_mm", {"maximum error", "erreur maximale"}},
      {"position_m", {"position", "position"}},
      {"normal", {"normal", "normale"}},
      {"up", {"up direction", "direction haut"}},
      {"rotation_deg", {"rotation", "rotation"}},
      {"pose", {"pose", "pose"}},
      {"file", {"file", "fichier"}},
  };
  return m;
}

const std::string& tr(const Bi& b, Language l) { return l == Language::Fr ? b.fr : b.en; }

Bi label(const std::string& field) {
  Bi out;
  const auto segs = parseField(field);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const Seg& s = segs[i];
    if ((s.key == "en" || s.key == "fr") && s.sel.empty()) {
      if (i == 0) out = {"name", "nom"};  // a bare text map: a part's display names
      out.en += " (" + s.key + ")";
      out.fr += " (" + s.key + ")";
      continue;
    }
    const auto it = labels().find(s.key);
    Bi name = it != labels().end() ? it->second : Bi{s.key, s.key};
    if (!s.sel.empty()) name.en += " " + s.sel, name.fr += " " + s.sel;
    // "gate: gate condition x" reads badly: a condition's own label says it is the gate's.
    if (s.key == "conditions" && i > 0 && segs[i - 1].key == "gate") {
      out = {};
    }
    if (!out.en.empty()) out.en += ": ", out.fr += " : ";
    out.en += name.en;
    out.fr += name.fr;
  }
  return out;
}

std::string lastKey(const std::string& field) {
  const auto segs = parseField(field);
  for (auto it = segs.rbegin(); it != segs.rend(); ++it)
    if (it->key != "en" && it->key != "fr") return it->key;
  return {};
}

bool isTextField(const std::string& field) {
  const auto segs = parseField(field);
  if (segs.empty()) return false;
  const std::string& k = segs.back().key;
  if (k == "en" || k == "fr") return true;
  static const std::set<std::string> kText = {"title", "text", "hint", "description", "label", "message", "name",
                                              "note", "safety_notes", "ppe", "location", "qualification", "interval",
                                              "trigger", "true_label", "false_label"};
  return kText.count(k) > 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Values

std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto r = std::from_chars(s.data() + (s[0] == '+' ? 1 : 0), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// A value as people read it: French decimal comma for numbers.
std::string val(const std::string& s, Language l) {
  if (l == Language::Fr && number(s)) {
    std::string t = s;
    std::replace(t.begin(), t.end(), '.', ',');
    return t;
  }
  return s;
}

std::string fixed(double v, int decimals, Language l) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return val(buf, l);
}

std::string quote(const std::string& s, Language l) { return l == Language::Fr ? "« " + s + " »" : "\"" + s + "\""; }

std::string textOf(const YAML::Node& n, Language l) {
  if (!n.IsDefined() || !n.IsMap()) return n.IsDefined() && n.IsScalar() ? n.Scalar() : "";
  const YAML::Node t = n[l == Language::Fr ? "fr" : "en"];
  return t.IsDefined() && t.IsScalar() ? t.Scalar() : "";
}

std::string scalar(const YAML::Node& n, const char* key) {
  if (!n.IsDefined() || !n.IsMap()) return {};
  const YAML::Node v = n[key];
  return v.IsDefined() && v.IsScalar() ? v.Scalar() : "";
}

// A node as one line of flow YAML ("" when absent).
std::string renderNode(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return {};
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

YAML::Node child(const YAML::Node& n, const char* key) {
  if (!n.IsDefined() || !n.IsMap()) return YAML::Node();
  return n[key];
}

YAML::Node side(const SubjectContext& ctx, bool prefer_new = true) {
  const YAML::Node& first = prefer_new ? ctx.new_node : ctx.old_node;
  return first.IsDefined() && !first.IsNull() ? first : (prefer_new ? ctx.old_node : ctx.new_node);
}

// The n-th (1-based, from "#n" suffix) item of `list` whose `key` equals the selector.
YAML::Node findItem(const YAML::Node& list, const char* key, const std::string& sel) {
  if (!list.IsDefined() || !list.IsSequence()) return YAML::Node();
  std::string want = sel;
  int nth = 1;
  if (const auto hash = sel.rfind('#'); hash != std::string::npos && hash > 0) {
    want = sel.substr(0, hash);
    nth = std::atoi(sel.c_str() + hash + 1);
  }
  for (const auto& item : list)
    if (item.IsMap() && scalar(item, key) == want && --nth == 0) return item;
  return YAML::Node();
}

std::string stepKind(const SubjectContext& ctx, bool use_new) {
  return scalar(use_new ? ctx.new_node : ctx.old_node, "kind");
}

bool isTorqueStep(const YAML::Node& step) { return isTorqueUnit(scalar(child(step, "measurement"), "unit")); }

const std::map<std::string, Bi>& kinds() {
  static const std::map<std::string, Bi> m = {
      {"instruction", {"instruction", "instruction"}}, {"lockout", {"lockout", "consignation"}},
      {"check", {"check", "contrôle"}},                {"measurement", {"measurement", "mesure"}},
      {"tag_gate", {"live-value gate", "verrouillage sur valeurs"}}, {"decision", {"decision", "décision"}},
      {"call", {"call", "appel"}},                     {"sign_off", {"sign-off", "visa"}},
      {"quiz", {"quiz", "quiz"}},
  };
  return m;
}

std::string kindName(const std::string& kind, Language l) {
  const auto it = kinds().find(kind);
  return it == kinds().end() ? kind : tr(it->second, l);
}

std::string energyName(const std::string& e, Language l) {
  static const std::map<std::string, Bi> m = {
      {"electrical", {"electrical", "électrique"}}, {"pneumatic", {"pneumatic", "pneumatique"}},
      {"hydraulic", {"hydraulic", "hydraulique"}},  {"mechanical", {"mechanical", "mécanique"}},
      {"gravity", {"gravity", "gravité"}},           {"thermal", {"thermal", "thermique"}},
      {"stored", {"stored energy", "énergie stockée"}}, {"chemical", {"chemical", "chimique"}},
  };
  const auto it = m.find(e);
  return it == m.end() ? e : tr(it->second, l);
}

// The unit a field's value is in, from the subject (measurement unit, condition unit, tag unit) or its name.
std::string unitOf(const DiffEntry& e, const SubjectContext& ctx) {
  const std::string last = lastKey(e.field);
  const auto segs = parseField(e.field);
  if (e.area == DiffArea::Step && !segs.empty()) {
    if (segs[0].key == "measurement" && (last == "nominal" || last == "min" || last == "max"))
      return scalar(child(side(ctx), "measurement"), "unit");
    if (segs[0].key == "gate" && segs.size() >= 2 && segs[1].key == "conditions" && last == "value")
      return scalar(findItem(child(child(side(ctx), "gate"), "conditions"), "tag", segs[1].sel), "unit");
  }
  if (e.area == DiffArea::Tag && (last == "limit" || last == "hysteresis" || (segs.size() == 2 && segs[0].key == "range")))
    return scalar(side(ctx), "unit");
  if (last == "tolerance_pct") return "%";
  if (last.size() > 3 && last.compare(last.size() - 3, 3, "_ms") == 0) return "ms";
  if (last.size() > 3 && last.compare(last.size() - 3, 3, "_mm") == 0) return "mm";
  if (last.size() > 3 && last.compare(last.size() - 3, 3, "_px") == 0) return "px";
  if (last == "estimated_duration_min") return "min";
  return {};
}

std::string withUnit(const std::string& v, const std::string& unit, Language l) {
  if (unit.empty()) return val(v, l);
  if (unit == "%") return val(v, l) + " %";
  return val(v, l) + " " + unit;
}

// ---------------------------------------------------------------------------------------------------------------
// Phrases

Bi prefix(const DiffEntry& e) {
  switch (e.area) {
    case DiffArea::Pack: return {"pack.yaml: ", "pack.yaml : "};
    case DiffArea::Procedure: return {};
    case DiffArea::Step: return {"Step " + e.subject + ": ", "Étape " + e.subject + " : "};
    case DiffArea::Tag:
      return e.subject.empty() ? Bi{"tags.yaml: ", "tags.yaml : "}
                               : Bi{"Tag " + e.subject + ": ", "Variable " + e.subject + " : "};
    case DiffArea::Marker:
      return e.subject.empty() ? Bi{"markers.yaml: ", "markers.yaml : "}
                               : Bi{"Marker " + e.subject + ": ", "Marqueur " + e.subject + " : "};
    case DiffArea::Part:
      return e.subject.empty() ? Bi{"parts.yaml: ", "parts.yaml : "}
                               : Bi{"Part " + e.subject + ": ", "Pièce " + e.subject + " : "};
    case DiffArea::Model:
    case DiffArea::File: return {e.subject + ": ", e.subject + " : "};
  }
  return {};
}

// "changed", "added: X", "removed: X" for any field.
Bi generic(const DiffEntry& e, const SubjectContext& ctx) {
  const Bi name = label(e.field);
  const std::string unit = unitOf(e, ctx);
  const bool text = isTextField(e.field);
  Bi out;
  for (Language l : {Language::En, Language::Fr}) {
    auto show = [&](const std::optional<std::string>& v) {
      if (!v) return std::string();
      return text ? quote(*v, l) : withUnit(*v, unit, l);
    };
    std::string& s = l == Language::Fr ? out.fr : out.en;
    const std::string& n = tr(name, l);
    switch (e.change) {
      case DiffChange::Changed:  // the unit once, after the new value: "size 100 → 120 mm"
        s = n + " " + (text ? quote(*e.before, l) : val(*e.before, l)) + " → " + show(e.after);
        break;
      case DiffChange::Added: s = (l == Language::Fr ? "ajout : " : "added: ") + n + " " + show(e.after); break;
      case DiffChange::Removed: s = (l == Language::Fr ? "suppression : " : "removed: ") + n + " " + show(e.before); break;
      case DiffChange::Moved: s = n + " " + show(e.before) + " → " + show(e.after); break;
    }
  }
  return out;
}

Bi measurementPhrase(const DiffEntry& e, const SubjectContext& ctx) {
  const std::string last = lastKey(e.field);
  const YAML::Node m_new = child(ctx.new_node, "measurement"), m_old = child(ctx.old_node, "measurement");
  const bool torque = isTorqueStep(ctx.new_node) || isTorqueStep(ctx.old_node);
  const std::string unit = scalar(m_new, "unit").empty() ? scalar(m_old, "unit") : scalar(m_new, "unit");
  if (e.change != DiffChange::Changed || !(last == "nominal" || last == "tolerance_pct" || last == "min" || last == "max"))
    return generic(e, ctx);
  Bi out;
  for (Language l : {Language::En, Language::Fr}) {
    const bool fr = l == Language::Fr;
    std::string& s = fr ? out.fr : out.en;
    if (last == "nominal") {
      s = std::string(torque ? (fr ? "couple " : "torque ") : (fr ? "valeur nominale " : "nominal value ")) +
          val(*e.before, l) + " → " + withUnit(*e.after, unit, l);
      const std::string tol_old = scalar(m_old, "tolerance_pct"), tol_new = scalar(m_new, "tolerance_pct");
      const std::string min_old = scalar(m_old, "min"), min_new = scalar(m_new, "min");
      const std::string max_old = scalar(m_old, "max"), max_new = scalar(m_new, "max");
      if (!tol_new.empty() && number(tol_old) == number(tol_new))
        s += fr ? " (tolérance ±" + val(tol_new, l) + " % inchangée)" : " (tolerance ±" + tol_new + " % unchanged)";
      else if (!min_new.empty() && number(min_old) == number(min_new) && number(max_old) == number(max_new))
        s += fr ? " (limites " + val(min_new, l) + "–" + withUnit(max_new, unit, l) + " inchangées)"
                : " (limits " + min_new + "–" + withUnit(max_new, unit, l) + " unchanged)";
    } else if (last == "tolerance_pct") {
      s = std::string(fr ? (torque ? "tolérance du couple ±" : "tolérance ±") : (torque ? "torque tolerance ±" : "tolerance ±")) +
          val(*e.before, l) + " % → ±" + val(*e.after, l) + " %";
      const std::string nominal = scalar(m_new, "nominal");
      if (!nominal.empty()) s += (fr ? " (nominale " : " (nominal ") + withUnit(nominal, unit, l) + ")";
    } else {
      const std::string bound = last == "min" ? "minimum" : "maximum";
      const std::string what = fr ? bound + (torque ? " du couple " : " de la mesure ")
                                  : std::string(torque ? "torque " : "measurement ") + bound + " ";
      s = what + val(*e.before, l) + " → " + withUnit(*e.after, unit, l);
    }
  }
  return out;
}

Bi conditionText(const YAML::Node& c, Language l) {
  Bi out;
  std::string s = scalar(c, "tag") + " " + scalar(c, "op") + " " + withUnit(scalar(c, "value"), scalar(c, "unit"), l);
  out.en = out.fr = s;
  return out;
}

Bi gatePhrase(const DiffEntry& e, const SubjectContext& ctx) {
  const auto segs = parseField(e.field);
  if (segs.size() < 2 || segs[1].key != "conditions" || segs[1].sel.empty()) return generic(e, ctx);
  const YAML::Node c_new = findItem(child(child(ctx.new_node, "gate"), "conditions"), "tag", segs[1].sel);
  const YAML::Node c_old = findItem(child(child(ctx.old_node, "gate"), "conditions"), "tag", segs[1].sel);
  const std::string tag = segs[1].sel;
  Bi out;
  for (Language l : {Language::En, Language::Fr}) {
    const bool fr = l == Language::Fr;
    std::string& s = fr ? out.fr : out.en;
    if (segs.size() == 2 && e.change == DiffChange::Added) {
      s = (fr ? "condition de verrouillage ajoutée : " : "gate condition added: ") + tr(conditionText(c_new, l), l);
    } else if (segs.size() == 2 && e.change == DiffChange::Removed) {
      s = (fr ? "condition de verrouillage supprimée : " : "gate condition removed: ") + tr(conditionText(c_old, l), l);
    } else if (segs.size() == 3 && segs[2].key == "value" && e.change == DiffChange::Changed) {
      s = (fr ? "seuil du verrouillage " : "gate threshold ") + tag + " " + scalar(c_new, "op") + " " +
          val(*e.before, l) + " → " + withUnit(*e.after, scalar(c_new, "unit"), l);
    } else if (segs.size() == 3 && segs[2].key == "op" && e.change == DiffChange::Changed) {
      s = (fr ? "condition de verrouillage " : "gate condition ") + tag + (fr ? " : opérateur " : ": operator ") +
          *e.before + " → " + *e.after + " (" + withUnit(scalar(c_new, "value"), scalar(c_new, "unit"), l) + ")";
    } else {
      s = tr(generic(e, ctx), l);
    }
  }
  return out;
}

Bi isolationPhrase(const DiffEntry& e, const SubjectContext& ctx) {
  const auto segs = parseField(e.field);
  Bi out;
  for (Language l : {Language::En, Language::Fr}) {
    const bool fr = l == Language::Fr;
    std::string& s = fr ? out.fr : out.en;
    if (segs.size() == 2 && segs[1].key == "order") {
      s = (fr ? "ordre de consignation " : "isolation order ") + *e.before + " → " + *e.after;
    } else if (segs.size() == 1 && !segs[0].sel.empty() &&
               (e.change == DiffChange::Added || e.change == DiffChange::Removed)) {
      const bool added = e.change == DiffChange::Added;
      const YAML::Node p = findItem(child(added ? ctx.new_node : ctx.old_node, "isolation_points"), "id", segs[0].sel);
      s = std::string(fr ? (added ? "point de consignation ajouté : " : "point de consignation supprimé : ")
                         : (added ? "isolation point added: " : "isolation point removed: ")) +
          segs[0].sel + " " + quote(textOf(child(p, "name"), l), l) + " (" + energyName(scalar(p, "energy"), l) +
          (fr ? ", cadenas " : ", lock ") + scalar(p, "lock") + ")";
    } else {
      s = tr(generic(e, ctx), l);
    }
  }
  return out;
}

Bi stepPhrase(const DiffEntry& e, const SubjectContext& ctx) {
  Bi out;
  if (e.field.empty()) {
    for (Language l : {Language::En, Language::Fr}) {
      const bool fr = l == Language::Fr;
      std::string& s = fr ? out.fr : out.en;
      const YAML::Node st = side(ctx, e.change != DiffChange::Removed);
      const std::string what = kindName(scalar(st, "kind"), l) + ", " + quote(textOf(child(st, "title"), l), l);
      switch (e.change) {
        case DiffChange::Added: s = (fr ? "ajoutée en position " : "added at position ") + *e.after + " (" + what + ")"; break;
        case DiffChange::Removed:
          s = (fr ? "supprimée (était en position " : "removed (was at position ") + *e.before + ", " + what + ")";
          break;
        case DiffChange::Moved:
          s = (fr ? "déplacée de la position " : "moved from position ") + *e.before + (fr ? " à la position " : " to position ") +
              *e.after;
          break;
        case DiffChange::Changed: break;
      }
    }
    return out;
  }
  const std::string first = parseField(e.field).front().key;
  if (first == "measurement") return measurementPhrase(e, ctx);
  if (first == "gate") return gatePhrase(e, ctx);
  if (first == "isolation_points") return isolationPhrase(e, ctx);
  if (e.field == "kind" && e.change == DiffChange::Changed) {
    return {"kind " + kindName(*e.before, Language::En) + " → " + kindName(*e.after, Language::En),
            "type " + kindName(*e.before, Language::Fr) + " → " + kindName(*e.after, Language::Fr)};
  }
  return generic(e, ctx);
}

Bi subjectPhrase(const DiffEntry& e, const SubjectContext& ctx, const Bi& thing_added, const Bi& thing_removed) {
  Bi out;
  for (Language l : {Language::En, Language::Fr}) {
    const YAML::Node n = side(ctx, e.change == DiffChange::Added);
    std::string detail;
    if (e.area == DiffArea::Tag) {
      detail = quote(textOf(child(n, "label"), l), l);
      if (!scalar(n, "unit").empty()) detail += ", " + scalar(n, "unit");
    } else if (e.area == DiffArea::Marker) {
      detail = withUnit(scalar(n, "size_mm"), "mm", l);
    } else if (e.area == DiffArea::Part) {
      detail = quote(textOf(n, l), l);
    }
    const std::string& verb = tr(e.change == DiffChange::Added ? thing_added : thing_removed, l);
    (l == Language::Fr ? out.fr : out.en) = verb + (detail.empty() ? "" : " (" + detail + ")");
  }
  return out;
}

std::string shortHash(const std::optional<std::string>& h) { return h ? h->substr(0, 12) + "…" : ""; }

}  // namespace

bool isTorqueUnit(const std::string& unit) {
  std::string u;
  for (std::size_t i = 0; i < unit.size(); ++i) {
    const auto c = static_cast<unsigned char>(unit[i]);
    if (c == ' ' || c == '.' || c == '*' || c == '-' || c == '_') continue;
    if (c == 0xC2 && i + 1 < unit.size() && static_cast<unsigned char>(unit[i + 1]) == 0xB7) {  // U+00B7 middle dot
      ++i;
      continue;
    }
    if (c == 0xE2 && i + 2 < unit.size() && static_cast<unsigned char>(unit[i + 1]) == 0x8B &&
        static_cast<unsigned char>(unit[i + 2]) == 0x85) {  // U+22C5 dot operator
      i += 2;
      continue;
    }
    u += static_cast<char>(std::tolower(c));
  }
  static const std::set<std::string> kTorque = {"nm",    "knm",   "cnm",  "dnm",  "mnm",   "lbfft", "ftlbf",
                                                "lbft",  "ftlb",  "lbfin", "inlbf", "lbin", "inlb", "kgfm",
                                                "kgfcm", "mkgf",  "ozfin", "inozf", "ozin"};
  return kTorque.count(u) > 0;
}

bool isSafety(const DiffEntry& e, const SubjectContext& ctx) {
  const auto segs = parseField(e.field);
  const std::string first = segs.empty() ? "" : segs[0].key;
  switch (e.area) {
    case DiffArea::Step: {
      static const std::set<std::string> kSafetyKinds = {"lockout", "tag_gate"};
      const bool safety_step = kSafetyKinds.count(stepKind(ctx, true)) || kSafetyKinds.count(stepKind(ctx, false));
      if (e.field.empty()) {
        // A lockout or gate step added, removed or moved; a torque step added or removed; an overlay-gated step.
        const YAML::Node st = side(ctx, e.change != DiffChange::Removed);
        if (safety_step) return true;
        if (e.change == DiffChange::Moved) return false;
        return isTorqueStep(st) || child(st, "requires_registration_mm").IsDefined();
      }
      if (first == "gate" || first == "isolation_points" || first == "requires_registration_mm") return true;
      if (first == "kind") return safety_step;
      if (first == "measurement" && segs.size() == 2) {
        static const std::set<std::string> kValue = {"nominal", "min", "max", "tolerance_pct", "unit"};
        return kValue.count(segs[1].key) && (isTorqueStep(ctx.old_node) || isTorqueStep(ctx.new_node));
      }
      return false;
    }
    case DiffArea::Tag: {
      if (e.subject.empty()) return first == "defaults" && segs.size() >= 2 &&
                                    (segs[1].key == "max_age_ms" || segs[1].key == "sparkplug");
      if (e.field.empty()) return false;
      if (first == "alarms") {
        // An alarm added or removed, its limit, hysteresis, kind or severity; not its message or who acknowledges.
        if (segs.size() == 1) return true;
        static const std::set<std::string> kAlarm = {"limit", "hysteresis", "kind", "severity"};
        return kAlarm.count(segs[1].key) > 0;
      }
      static const std::set<std::string> kFeed = {"unit", "scale", "offset", "invert", "source", "max_age_ms", "type"};
      return kFeed.count(first) > 0;
    }
    case DiffArea::Marker: return first != "note";
    default: return false;
  }
}

core::Text phrase(const DiffEntry& e, const SubjectContext& ctx) {
  Bi body;
  switch (e.area) {
    case DiffArea::Pack: body = generic(e, ctx); break;
    case DiffArea::Procedure:
      if (e.field.empty()) {
        const YAML::Node p = side(ctx, e.change == DiffChange::Added);
        const YAML::Node steps = child(p, "steps");
        const std::string n = std::to_string(steps.IsDefined() && steps.IsSequence() ? steps.size() : 0);
        for (Language l : {Language::En, Language::Fr}) {
          const bool fr = l == Language::Fr;
          const bool added = e.change == DiffChange::Added;
          (fr ? body.fr : body.en) =
              std::string(fr ? (added ? "procédure ajoutée : " : "procédure supprimée : ")
                             : (added ? "procedure added: " : "procedure removed: ")) +
              e.procedure + " " + scalar(p, "version") + " " + quote(textOf(child(p, "title"), l), l) + ", " + n +
              (fr ? " étapes" : " steps");
        }
      } else {
        body = generic(e, ctx);
      }
      break;
    case DiffArea::Step: body = stepPhrase(e, ctx); break;
    case DiffArea::Tag:
      if (e.field.empty() && !e.subject.empty()) {
        body = subjectPhrase(e, ctx, {"added", "ajoutée"}, {"removed", "supprimée"});
      } else if (parseField(e.field).front().key == "alarms" && e.change == DiffChange::Changed &&
                 lastKey(e.field) == "limit") {
        const Seg alarm = parseField(e.field).front();
        const YAML::Node a = findItem(child(ctx.new_node, "alarms"), "id", alarm.sel);
        const std::string unit = scalar(ctx.new_node, "unit");
        for (Language l : {Language::En, Language::Fr}) {
          const bool fr = l == Language::Fr;
          const std::string kind = scalar(a, "kind") == alarm.sel ? "" : " (" + scalar(a, "kind") + ")";
          (fr ? body.fr : body.en) = std::string(fr ? "seuil de l'alarme " : "alarm ") + alarm.sel + kind +
                                     (fr ? " " : " limit ") + val(*e.before, l) + " → " + withUnit(*e.after, unit, l);
        }
      } else {
        body = generic(e, ctx);
      }
      break;
    case DiffArea::Marker:
      if (e.field.empty() && !e.subject.empty()) {
        body = subjectPhrase(e, ctx, {"added", "ajouté"}, {"removed", "supprimé"});
      } else if (e.field == "pose") {
        // The measured move, then only the pose fields that were edited.
        std::string edits;
        for (const char* k : {"position_m", "normal", "up", "rotation_deg"}) {
          const std::string a = renderNode(child(ctx.old_node, k)), b = renderNode(child(ctx.new_node, k));
          if (a != b) edits += (edits.empty() ? "" : "; ") + std::string(k) + " " + (a.empty() ? "-" : a) + " → " + (b.empty() ? "-" : b);
        }
        for (Language l : {Language::En, Language::Fr}) {
          const bool fr = l == Language::Fr;
          (fr ? body.fr : body.en) = std::string(fr ? "déplacé de " : "moved by ") + fixed(ctx.moved_mm, 1, l) +
                                     (fr ? " mm et tourné de " : " mm and turned by ") + fixed(ctx.turned_deg, 1, l) +
                                     "°" + (edits.empty() ? "" : " (" + edits + ")");
        }
      } else {
        body = generic(e, ctx);
      }
      break;
    case DiffArea::Part:
      body = e.field.empty() && !e.subject.empty() ? subjectPhrase(e, ctx, {"added", "ajoutée"}, {"removed", "supprimée"})
                                                   : generic(e, ctx);
      break;
    case DiffArea::Model:
    case DiffArea::File:
      switch (e.change) {
        case DiffChange::Added: body = {"added (SHA-256 " + shortHash(e.after) + ")", "ajouté (SHA-256 " + shortHash(e.after) + ")"}; break;
        case DiffChange::Removed: body = {"removed", "supprimé"}; break;
        default:
          body = {"changed (SHA-256 " + shortHash(e.before) + " → " + shortHash(e.after) + ")",
                  "modifié (SHA-256 " + shortHash(e.before) + " → " + shortHash(e.after) + ")"};
      }
      break;
  }
  const Bi p = prefix(e);
  return core::Text{p.en + body.en, p.fr + body.fr};
}

core::Text versionNotChanged(const std::string& procedure, const std::string& version) {
  return {"procedure " + procedure + " changed but its version is still " + version +
              ": raise it (a changed value must change the procedure's version)",
          "la procédure " + procedure + " a changé mais sa version est toujours " + version +
              " : augmentez-la (toute valeur modifiée doit changer la version de la procédure)"};
}

core::Text packVersionNotChanged(const std::string& version) {
  return {"the pack changed but its version is still " + version + ": 'rivet-pack release' bumps it",
          "le pack a changé mais sa version est toujours " + version + " : « rivet-pack release » l'augmente"};
}

// ---------------------------------------------------------------------------------------------------------------
// Reports

std::string describeEntry(const DiffEntry& e, Language l) {
  std::string s;
  if (!e.procedure.empty()) s = e.procedure + " / ";
  s += e.text.get(l);
  if (e.safety) s += l == Language::Fr ? " [sécurité]" : " [safety]";
  return s;
}

std::string formatDiffText(const PackDiff& d, Language l) {
  const bool fr = l == Language::Fr;
  auto sideText = [&](const PackSide& s) {
    std::string t = s.path.string() + " (" + s.id + " " + s.version;
    if (!s.signed_pack) t += fr ? ", dossier non signé" : ", unsigned folder";
    else if (s.signature_verified) t += fr ? ", pack signé, signature vérifiée" : ", signed pack, signature verified";
    else t += fr ? ", pack signé, signature non vérifiée (donnez --key)" : ", signed pack, signature not checked (give --key)";
    return t + ")";
  };
  std::string out;
  out += (fr ? "Pack " : "Pack ") + d.new_pack.id + (fr ? " : " : ": ") + d.old_pack.version + " → " + d.new_pack.version + "\n";
  out += (fr ? "  ancien : " : "  old: ") + sideText(d.old_pack) + "\n";
  out += (fr ? "  nouveau : " : "  new: ") + sideText(d.new_pack) + "\n";
  std::string group;
  for (const DiffEntry& e : d.entries) {
    std::string g;
    if (e.area == DiffArea::Procedure || e.area == DiffArea::Step)
      g = (fr ? "Procédure " : "Procedure ") + e.procedure + " (" + e.file + ")";
    else if (e.area == DiffArea::Model || e.area == DiffArea::File)
      g = fr ? "Fichiers" : "Files";
    else
      g = e.file;
    if (g != group) {
      out += "\n" + g + "\n";
      group = g;
    }
    out += "  " + e.text.get(l);
    if (e.safety) out += fr ? " [sécurité]" : " [safety]";
    if (e.line > 0 && e.area != DiffArea::Model && e.area != DiffArea::File) out += "  (" + e.file + ":" + std::to_string(e.line) + ")";
    out += "\n";
  }
  if (!d.warnings.empty()) {
    out += fr ? "\nAvertissements\n" : "\nWarnings\n";
    for (const auto& w : d.warnings) out += "  " + w.get(l) + "\n";
  }
  const std::size_t n = d.entries.size(), s = d.safetyCount();
  if (n == 0) {
    out += fr ? "\nAucune différence.\n" : "\nNo differences.\n";
  } else if (fr) {
    out += "\n" + std::to_string(n) + (n > 1 ? " modifications" : " modification") + ", dont " + std::to_string(s) +
           (s > 1 ? " liées à la sécurité.\n" : " liée à la sécurité.\n");
  } else {
    out += "\n" + std::to_string(n) + (n > 1 ? " changes" : " change") + ", " + std::to_string(s) +
           " safety-relevant.\n";
  }
  return out;
}

std::string formatDiffJson(const PackDiff& d) {
  using J = nlohmann::ordered_json;
  auto side = [](const PackSide& s) {
    return J{{"path", s.path.string()}, {"id", s.id}, {"version", s.version}, {"signed", s.signed_pack},
             {"signature_verified", s.signature_verified}};
  };
  auto opt = [](const std::string& s) { return s.empty() ? J(nullptr) : J(s); };
  auto optv = [](const std::optional<std::string>& s) { return s ? J(*s) : J(nullptr); };
  std::map<std::string, int> counts = {{"added", 0}, {"removed", 0}, {"changed", 0}, {"moved", 0}};
  J entries = J::array();
  for (const DiffEntry& e : d.entries) {
    ++counts[toString(e.change)];
    entries.push_back(J{{"area", toString(e.area)},
                        {"change", toString(e.change)},
                        {"file", e.file},
                        {"line", e.line > 0 ? J(e.line) : J(nullptr)},
                        {"procedure", opt(e.procedure)},
                        {"subject", opt(e.subject)},
                        {"field", opt(e.field)},
                        {"before", optv(e.before)},
                        {"after", optv(e.after)},
                        {"safety", e.safety},
                        {"text", {{"en", e.text.en}, {"fr", e.text.fr}}}});
  }
  J warnings = J::array();
  for (const auto& w : d.warnings) warnings.push_back({{"en", w.en}, {"fr", w.fr}});
  const J doc{{"format", "rivet-pack-diff/1"},
              {"old", side(d.old_pack)},
              {"new", side(d.new_pack)},
              {"summary",
               {{"changes", d.entries.size()},
                {"safety", d.safetyCount()},
                {"added", counts["added"]},
                {"removed", counts["removed"]},
                {"changed", counts["changed"]},
                {"moved", counts["moved"]}}},
              {"entries", std::move(entries)},
              {"warnings", std::move(warnings)}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace rivet::packtool
