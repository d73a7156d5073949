// libFuzzer target: tags.yaml text through the bindings parser (errors must come back as Result, never a crash).
#include <string_view>

#include "fuzz_entry.hpp"
#include "rivet/tags/bindings.hpp"

extern "C" int RIVET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // yaml-cpp recursion depth grows with input; keep inputs document-sized
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = rivet::tags::parseBindings(text, "fuzz.yaml");
  if (!r.ok() && r.error().where.rfind("fuzz.yaml", 0) != 0) __builtin_trap();  // every error names the file
  return 0;
}
