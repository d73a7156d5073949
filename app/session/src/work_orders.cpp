// Parses CMMS work-order exports (JSON or CSV) into WorkOrder rows with file:line errors.
#include "rivet/session/work_orders.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace rivet::session {
namespace {

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

core::Status checkOrder(const WorkOrder& o, const std::string& where) {
  if (o.number.empty()) return core::makeError("work order without a number", where, "fill the 'number' field");
  if (o.procedure_id.empty()) {
    return core::makeError("work order " + o.number + " names no procedure", where,
                           "fill the 'procedure' field with a procedure id of the pack");
  }
  return {};
}

core::Result<std::vector<WorkOrder>> parseJson(const std::string& text, const std::string& where) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return core::makeError(std::string("not valid JSON: ") + e.what(), where, "export the work orders as JSON or CSV");
  }
  if (doc.is_object() && doc.contains("work_orders")) doc = doc["work_orders"];
  if (!doc.is_array()) {
    return core::makeError("expected an array of work orders (or {\"work_orders\": [...]})", where,
                           "check the CMMS export format");
  }
  std::vector<WorkOrder> out;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const auto& j = doc[i];
    const std::string here = where + ": work_orders[" + std::to_string(i) + "]";
    if (!j.is_object()) return core::makeError("a work order must be an object", here, "see docs for the fields");
    auto field = [&](const char* name) -> std::string {
      if (!j.contains(name) || j[name].is_null()) return {};
      if (j[name].is_string()) return j[name].get<std::string>();
      return j[name].dump();
    };
    WorkOrder o{field("number"), field("asset"), field("procedure"), field("title"), field("priority"), field("due")};
    if (auto st = checkOrder(o, here); !st.ok()) return st.error();
    out.push_back(std::move(o));
  }
  return out;
}

// One CSV record (RFC 4180 quoting) split on `sep`.
std::vector<std::string> splitCsv(const std::string& line, char sep, bool* ok) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  *ok = true;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == sep) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) *ok = false;
  for (auto& f : fields) f = trim(f);
  return fields;
}

core::Result<std::vector<WorkOrder>> parseCsv(const std::string& text, const std::string& where) {
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  std::map<std::string, std::size_t> column;
  char sep = ',';
  std::vector<WorkOrder> out;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;
    const std::string here = where + ":" + std::to_string(line_no);
    if (column.empty()) {
      const auto commas = std::count(line.begin(), line.end(), ',');
      const auto semis = std::count(line.begin(), line.end(), ';');
      sep = semis > commas ? ';' : ',';
      bool ok = true;
      const auto names = splitCsv(line, sep, &ok);
      for (std::size_t i = 0; i < names.size(); ++i) {
        std::string n;
        for (char c : names[i]) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        column[n] = i;
      }
      for (const char* required : {"number", "procedure"}) {
        if (!column.count(required)) {
          return core::makeError(std::string("the header line has no '") + required + "' column", here,
                                 "start the file with a header such as: number,asset,procedure,title,priority,due");
        }
      }
      continue;
    }
    bool ok = true;
    const auto f = splitCsv(line, sep, &ok);
    if (!ok) return core::makeError("unterminated quoted field", here, "close the double quote");
    auto get = [&](const char* name) -> std::string {
      auto it = column.find(name);
      return it != column.end() && it->second < f.size() ? f[it->second] : std::string();
    };
    WorkOrder o{get("number"), get("asset"), get("procedure"), get("title"), get("priority"), get("due")};
    if (auto st = checkOrder(o, here); !st.ok()) return st.error();
    out.push_back(std::move(o));
  }
  if (column.empty()) return core::makeError("the file is empty", where, "export at least a header line");
  return out;
}

}  // namespace

core::Result<std::vector<WorkOrder>> parseWorkOrders(const std::string& text, const std::string& where) {
  const std::string t = trim(text);
  auto parsed = (!t.empty() && (t[0] == '[' || t[0] == '{')) ? parseJson(text, where) : parseCsv(text, where);
  if (!parsed.ok()) return parsed;
  std::set<std::string> seen;
  for (const auto& o : *parsed) {
    if (!seen.insert(o.number).second) {
      return core::makeError("work order " + o.number + " appears twice", where, "keep one line per work order");
    }
  }
  return parsed;
}

core::Result<std::vector<WorkOrder>> loadWorkOrders(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return core::makeError("cannot read the work order file", file.string(), "check the path given to --work-orders");
  std::stringstream ss;
  ss << in.rdbuf();
  return parseWorkOrders(ss.str(), file.string());
}

}  // namespace rivet::session
