// Parses marker id lists ("0-5,9") for rivet-markers.
#include "ids.hpp"

#include <charconv>
#include <set>
#include <string>
#include <utility>

namespace rivet::markers {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Message pieces are appended one by one (GCC 12's -O3 -Wrestrict misfires on chained string operator+).
std::string quoted(std::string_view item, std::string_view after) {
  std::string s = "'";
  s.append(item);
  s.append("'");
  s.append(after);
  return s;
}

core::Error syntax(std::string_view text, std::string_view what) {
  std::string message = "bad id list ";
  message.append(quoted(text, ": "));
  message.append(what);
  return core::makeError(std::move(message), "--ids", "write ids and ranges separated by commas, e.g. 0-5,9");
}

// A whole number >= 0 (no sign, digits only).
bool parseId(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  const auto* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, out);
  return r.ec == std::errc() && r.ptr == end;
}

}  // namespace

core::Result<std::vector<int>> parseIdList(std::string_view text) {
  std::vector<int> ids;
  std::set<int> seen;
  if (trim(text).empty()) return syntax(text, "no ids");
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) return syntax(text, "empty item between commas");
    int first = 0, last = 0;
    const std::size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      if (!parseId(item, first)) return syntax(text, quoted(item, " is not a whole number >= 0"));
      last = first;
    } else {
      const std::string_view a = trim(item.substr(0, dash)), b = trim(item.substr(dash + 1));
      if (!parseId(a, first) || !parseId(b, last))
        return syntax(text, quoted(item, " is not a range A-B of whole numbers >= 0"));
      if (last < first) return syntax(text, "range " + quoted(item, " goes backwards"));
    }
    if (static_cast<long long>(last) - first + 1 + static_cast<long long>(ids.size()) > kMaxIdsPerList) {
      std::string what = "more than ";
      what.append(std::to_string(kMaxIdsPerList)).append(" ids");
      return syntax(text, what);
    }
    for (int id = first; id <= last; ++id) {
      if (!seen.insert(id).second) {
        std::string message = "marker id ";
        message.append(std::to_string(id)).append(" is listed twice in ").append(quoted(text, ""));
        return core::makeError(std::move(message), "--ids", "every printed marker needs its own id");
      }
      ids.push_back(id);
    }
  }
  return ids;
}

}  // namespace rivet::markers
