// libFuzzer target: the .rmdl runtime model loader must reject any byte string cleanly (never crash or over-read).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "rivet/content/model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/dev/shm/rivet_fuzz_model_" + std::to_string(::getpid()) + ".rmdl";
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    if (size > 0) std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  using rivet::content::ModelVerify;
  for (ModelVerify mode : {ModelVerify::Structure, ModelVerify::Full}) {
    auto r = rivet::content::loadModel(path, rivet::content::ModelLoadOptions{mode});
    if (!r.ok()) continue;
    // Structure mode promises ranges; Full mode also promises every index is a valid vertex: use them.
    volatile float sink = 0;
    for (const auto& p : r->parts) {
      if (p.index_count > 0) sink = sink + static_cast<float>(r->indices[p.first_index + p.index_count - 1]);
      for (const auto& l : p.lods)
        if (l.index_count > 0) sink = sink + static_cast<float>(r->indices[l.first_index]);
    }
    if (mode == ModelVerify::Full)
      for (auto i : r->indices) sink = sink + rivet::content::decodePosition(*r, i)[0];
  }
  return 0;
}
