// JSON Schema subset validator over yaml-cpp nodes, reporting file:line for every problem.
#include <cmath>
#include <cstdlib>
#include <fstream>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop

#include "lint.hpp"

namespace rivet::pack {
namespace {

using nlohmann::json;

enum class YType { Null, Bool, Integer, Number, String, Object, Array };

struct Scalar {
  YType type = YType::Null;
  double number = 0;
  bool boolean = false;
};

Scalar classify(const YAML::Node& n) {
  Scalar s;
  if (n.IsMap()) return {YType::Object, 0, false};
  if (n.IsSequence()) return {YType::Array, 0, false};
  if (!n.IsDefined() || n.IsNull()) return {YType::Null, 0, false};
  if (n.Tag() == "!") return {YType::String, 0, false};  // quoted: always a string
  const std::string& t = n.Scalar();
  if (t == "true" || t == "True" || t == "TRUE") return {YType::Bool, 0, true};
  if (t == "false" || t == "False" || t == "FALSE") return {YType::Bool, 0, false};
  if (t == "~" || t == "null" || t == "Null" || t == "NULL") return {YType::Null, 0, false};
  if (!t.empty()) {
    char* end = nullptr;
    const long long i = std::strtoll(t.c_str(), &end, 10);
    if (*end == '\0' && (std::isdigit(static_cast<unsigned char>(t.back())) != 0))
      return {YType::Integer, static_cast<double>(i), false};
    const double d = std::strtod(t.c_str(), &end);
    if (*end == '\0' && std::isfinite(d) && t.find_first_of("0123456789") != std::string::npos)
      return {YType::Number, d, false};
  }
  return {YType::String, 0, false};
}

const char* typeName(YType t) {
  switch (t) {
    case YType::Null: return "nothing (null)";
    case YType::Bool: return "true/false";
    case YType::Integer: return "a whole number";
    case YType::Number: return "a number";
    case YType::String: return "text";
    case YType::Object: return "a mapping (key: value)";
    case YType::Array: return "a list";
  }
  return "?";
}

bool typeMatches(const std::string& want, const Scalar& s) {
  if (want == "object") return s.type == YType::Object;
  if (want == "array") return s.type == YType::Array;
  if (want == "string") return s.type == YType::String;
  if (want == "boolean") return s.type == YType::Bool;
  if (want == "null") return s.type == YType::Null;
  if (want == "integer") return s.type == YType::Integer || (s.type == YType::Number && s.number == std::floor(s.number));
  if (want == "number") return s.type == YType::Integer || s.type == YType::Number;
  return false;
}

bool equalsJson(const json& v, const YAML::Node& n, const Scalar& s) {
  if (v.is_string()) return s.type == YType::String && n.Scalar() == v.get<std::string>();
  if (v.is_boolean()) return s.type == YType::Bool && s.boolean == v.get<bool>();
  if (v.is_number()) return (s.type == YType::Integer || s.type == YType::Number) && s.number == v.get<double>();
  if (v.is_null()) return s.type == YType::Null;
  return false;
}

std::size_t utf8Length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

int lineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

std::string child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

bool regexSearch(const std::string& pattern, const std::string& text) {
  try {
    return std::regex_search(text, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return true;  // a pattern this engine cannot compile is not the author's fault
  }
}

std::string shown(const YAML::Node& n) {
  if (!n.IsScalar()) return "";
  std::string s = n.Scalar();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return " '" + s + "'";
}

}  // namespace

std::string Problem::describe() const {
  return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

core::Result<SchemaValidator> SchemaValidator::load(const std::filesystem::path& schema_file) {
  std::ifstream in(schema_file);
  if (!in) return core::makeError("cannot open JSON Schema", schema_file.string(),
                                  "pass the schema folder with --schemas (content/schemas in the source tree)");
  try {
    return fromJson(json::parse(in), schema_file.filename().string());
  } catch (const json::exception& e) {
    return core::makeError(std::string("invalid JSON Schema: ") + e.what(), schema_file.string(), "fix the schema");
  }
}

core::Result<SchemaValidator> SchemaValidator::fromJson(json schema, std::string name) {
  if (!schema.is_object()) return core::makeError("a JSON Schema must be an object", name, "");
  SchemaValidator v;
  v.root_ = std::move(schema);
  v.name_ = std::move(name);
  return v;
}

const json* SchemaValidator::resolve(const std::string& ref) const {
  if (ref.empty() || ref[0] != '#') return nullptr;
  try {
    const json::json_pointer ptr(ref.substr(1));
    return root_.contains(ptr) ? &root_.at(ptr) : nullptr;
  } catch (const json::exception&) {
    return nullptr;
  }
}

void SchemaValidator::validate(const YAML::Node& doc, const std::string& file, std::vector<Problem>& out) const {
  check(root_, doc, "", file, out, 0);
}

void SchemaValidator::check(const json& schema, const YAML::Node& n, const std::string& path, const std::string& file,
                            std::vector<Problem>& out, int depth) const {
  if (depth > 64) return;
  if (schema.is_boolean()) {
    if (!schema.get<bool>()) out.push_back({file, lineOf(n), (path.empty() ? "document" : path) + ": not allowed here"});
    return;
  }
  if (!schema.is_object()) return;
  const std::string where = path.empty() ? "document" : path;
  const auto add = [&](const YAML::Node& at, const std::string& msg) { out.push_back({file, lineOf(at), msg}); };
  const Scalar s = classify(n);

  if (auto it = schema.find("$ref"); it != schema.end() && it->is_string()) {
    if (const json* target = resolve(it->get<std::string>())) check(*target, n, path, file, out, depth + 1);
    else add(n, where + ": schema " + name_ + " has an unresolvable $ref " + it->get<std::string>());
  }
  if (auto it = schema.find("type"); it != schema.end()) {
    bool ok = false;
    std::string wanted;
    if (it->is_string()) {
      ok = typeMatches(it->get<std::string>(), s);
      wanted = it->get<std::string>();
    } else if (it->is_array()) {
      for (const auto& t : *it) {
        ok = ok || (t.is_string() && typeMatches(t.get<std::string>(), s));
        wanted += (wanted.empty() ? "" : " or ") + (t.is_string() ? t.get<std::string>() : std::string("?"));
      }
    } else {
      ok = true;
    }
    if (!ok) {
      add(n, where + ": expected " + wanted + ", found " + typeName(s.type) + shown(n));
      return;  // the other keywords would only repeat this
    }
  }
  if (auto it = schema.find("const"); it != schema.end() && !equalsJson(*it, n, s))
    add(n, where + ": must be " + it->dump() + shown(n));
  if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
    bool ok = false;
    for (const auto& v : *it) ok = ok || equalsJson(v, n, s);
    if (!ok) {
      std::string list;
      for (const auto& v : *it) list += (list.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
      if (list.size() > 200) list = list.substr(0, 197) + "...";
      add(n, where + ":" + shown(n) + " is not one of: " + list);
    }
  }
  if (s.type == YType::Integer || s.type == YType::Number) {
    const double v = s.number;
    if (auto it = schema.find("minimum"); it != schema.end() && it->is_number() && v < it->get<double>())
      add(n, where + ": " + n.Scalar() + " is below the minimum " + it->dump());
    if (auto it = schema.find("maximum"); it != schema.end() && it->is_number() && v > it->get<double>())
      add(n, where + ": " + n.Scalar() + " is above the maximum " + it->dump());
    if (auto it = schema.find("exclusiveMinimum"); it != schema.end() && it->is_number() && v <= it->get<double>())
      add(n, where + ": " + n.Scalar() + " must be greater than " + it->dump());
    if (auto it = schema.find("exclusiveMaximum"); it != schema.end() && it->is_number() && v >= it->get<double>())
      add(n, where + ": " + n.Scalar() + " must be less than " + it->dump());
  }
  if (s.type == YType::String) {
    const std::string& text = n.Scalar();
    if (auto it = schema.find("minLength"); it != schema.end() && it->is_number() &&
                                            utf8Length(text) < it->get<std::size_t>())
      add(n, where + (text.empty() ? ": must not be empty" : ": text is too short"));
    if (auto it = schema.find("maxLength"); it != schema.end() && it->is_number() &&
                                            utf8Length(text) > it->get<std::size_t>())
      add(n, where + ": text is longer than " + it->dump() + " characters");
    if (auto it = schema.find("pattern"); it != schema.end() && it->is_string() &&
                                          !regexSearch(it->get<std::string>(), text))
      add(n, where + ":" + shown(n) + " does not have the expected form (" + it->get<std::string>() + ")");
  }
  if (s.type == YType::Object) {
    const json* props = schema.contains("properties") && schema["properties"].is_object() ? &schema["properties"] : nullptr;
    const json* pattern_props =
        schema.contains("patternProperties") && schema["patternProperties"].is_object() ? &schema["patternProperties"] : nullptr;
    if (auto it = schema.find("required"); it != schema.end() && it->is_array())
      for (const auto& k : *it)
        if (k.is_string() && !n[k.get<std::string>()])
          add(n, where + ": missing required '" + k.get<std::string>() + "'");
    for (const auto& kv : n) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      bool matched = false;
      if (props != nullptr && props->contains(key)) {
        matched = true;
        check((*props)[key], kv.second, child(path, key), file, out, depth + 1);
      }
      if (pattern_props != nullptr)
        for (const auto& [pat, sub] : pattern_props->items())
          if (regexSearch(pat, key)) {
            matched = true;
            check(sub, kv.second, child(path, key), file, out, depth + 1);
          }
      if (!matched) {
        if (auto it = schema.find("additionalProperties"); it != schema.end()) {
          if (it->is_boolean() && !it->get<bool>()) {
            std::string allowed;
            if (props != nullptr)
              for (const auto& [k, unused] : props->items()) allowed += (allowed.empty() ? "" : ", ") + k;
            out.push_back({file, lineOf(kv.first), where + ": unknown key '" + key + "'" +
                                                       (allowed.empty() ? "" : " (allowed: " + allowed + ")")});
          } else if (it->is_object()) {
            check(*it, kv.second, child(path, key), file, out, depth + 1);
          }
        }
      }
    }
  }
  if (s.type == YType::Array) {
    if (auto it = schema.find("minItems"); it != schema.end() && it->is_number() && n.size() < it->get<std::size_t>())
      add(n, where + ": needs at least " + it->dump() + " items, has " + std::to_string(n.size()));
    if (auto it = schema.find("maxItems"); it != schema.end() && it->is_number() && n.size() > it->get<std::size_t>())
      add(n, where + ": allows at most " + it->dump() + " items, has " + std::to_string(n.size()));
    if (auto it = schema.find("items"); it != schema.end() && (it->is_object() || it->is_boolean()))
      for (std::size_t i = 0; i < n.size(); ++i)
        check(*it, n[i], where + "[" + std::to_string(i) + "]", file, out, depth + 1);
  }
  if (auto it = schema.find("allOf"); it != schema.end() && it->is_array())
    for (const auto& sub : *it) check(sub, n, path, file, out, depth + 1);
  const auto branches = [&](const json& list, std::vector<std::vector<Problem>>& results) {
    for (const auto& sub : list) {
      results.emplace_back();
      check(sub, n, path, file, results.back(), depth + 1);
    }
  };
  if (auto it = schema.find("anyOf"); it != schema.end() && it->is_array()) {
    std::vector<std::vector<Problem>> results;
    branches(*it, results);
    std::size_t best = 0;
    bool any = false;
    for (std::size_t i = 0; i < results.size(); ++i) {
      any = any || results[i].empty();
      if (results[i].size() < results[best].size()) best = i;
    }
    if (!any && !results.empty()) out.insert(out.end(), results[best].begin(), results[best].end());
  }
  if (auto it = schema.find("oneOf"); it != schema.end() && it->is_array()) {
    std::vector<std::vector<Problem>> results;
    branches(*it, results);
    std::size_t valid = 0, best = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
      valid += results[i].empty() ? 1 : 0;
      if (results[i].size() < results[best].size()) best = i;
    }
    if (valid == 0 && !results.empty()) {
      add(n, where + ": matches none of the " + std::to_string(results.size()) + " allowed forms; closest:");
      out.insert(out.end(), results[best].begin(), results[best].end());
    } else if (valid > 1) {
      add(n, where + ": matches more than one of the allowed forms (ambiguous)");
    }
  }
  if (auto it = schema.find("not"); it != schema.end()) {
    std::vector<Problem> tmp;
    check(*it, n, path, file, tmp, depth + 1);
    if (tmp.empty()) add(n, where + ": has a form that is not allowed here" +
                                (it->contains("required") ? " (" + (*it)["required"].dump() + " must not be given)" : ""));
  }
  if (auto it = schema.find("if"); it != schema.end()) {
    std::vector<Problem> tmp;
    check(*it, n, path, file, tmp, depth + 1);
    if (tmp.empty()) {
      if (auto th = schema.find("then"); th != schema.end()) check(*th, n, path, file, out, depth + 1);
    } else if (auto el = schema.find("else"); el != schema.end()) {
      check(*el, n, path, file, out, depth + 1);
    }
  }
}

}  // namespace rivet::pack
