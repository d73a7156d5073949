// Plain JSON tag payloads: {"v": value, "t": ms since epoch, "q": "good"|"uncertain"|"bad"|OPC UA status} or a bare scalar.
#pragma once

#include <string>
#include <string_view>

#include "rivet/core/result.hpp"
#include "rivet/tags/router.hpp"

namespace rivet::tags {

// Decodes one payload. Integer "q" is an OPC UA StatusCode (top two bits: 00 good, 01 uncertain, 1x bad).
core::Result<RawSample> decodeJsonPayload(std::string_view text);
// The inverse, for publishers and tests: {"v":...,"t":...,"q":"..."}.
std::string encodeJsonPayload(const Value& value, std::int64_t time_ms, Quality quality);

}  // namespace rivet::tags
