// libFuzzer target: plain JSON tag payloads ({"v","t","q"} or a bare scalar).
#include <string_view>

#include "fuzz_entry.hpp"
#include "rivet/tags/json_payload.hpp"

extern "C" int RIVET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = rivet::tags::decodeJsonPayload(text);
  if (r.ok() && r->source_time_ns < 0) __builtin_trap();  // decoder promised a non-negative time
  return 0;
}
