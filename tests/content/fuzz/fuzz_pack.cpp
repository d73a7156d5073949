// libFuzzer target: pack.yaml and markers.yaml parsers must turn any text into a value or one clear error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rivet/content/pack.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto manifest = rivet::content::parsePackManifest(text, "pack.yaml");
  if (!manifest.ok() && manifest.error().where.empty()) __builtin_trap();  // every error names its file
  auto markers = rivet::content::parseMarkerMap(text, "markers.yaml");
  if (markers.ok()) {
    for (const auto& m : markers->markers)
      if (!(m.size_m > 0) || m.id < 0) __builtin_trap();  // the parser's promises
  } else if (markers.error().where.empty()) {
    __builtin_trap();
  }
  return 0;
}
