// Writes seed corpora for the content fuzzers: small valid .rmdl files and the sample pack's YAML files.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "rivet/content/model_file.hpp"

namespace fs = std::filesystem;
using namespace rivet::content;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: make_seeds MODEL_CORPUS_DIR PACK_CORPUS_DIR SAMPLE_PACK_SRC_DIR\n";
    return 2;
  }
  fs::create_directories(argv[1]);
  fs::create_directories(argv[2]);
  std::vector<Vertex> v = {{{0, 0, 0}, {0, 0, 1}}, {{1, 0, 0}, {0, 0, 1}}, {{0, 1, 0}, {0, 0, 1}}, {{1, 1, 0}, {0, 0, 1}}};
  std::vector<Part> parts(2);
  parts[0].id = "a";
  parts[0].name = "A";
  parts[0].index_count = 6;
  parts[0].lods.push_back({6, 3, 0.001f});
  parts[1].id = "a/b";
  parts[1].name = "B";
  parts[1].parent = 0;
  if (!saveModel((fs::path(argv[1]) / "two_parts.rmdl").string(), makeModel(v, {0, 1, 2, 1, 3, 2, 0, 1, 2}, parts)) ||
      !saveModel((fs::path(argv[1]) / "empty.rmdl").string(), makeModel({}, {}, {})))
    return 1;
  for (const char* f : {"pack.yaml", "markers.yaml"})
    if (fs::exists(fs::path(argv[3]) / f))
      fs::copy_file(fs::path(argv[3]) / f, fs::path(argv[2]) / f, fs::copy_options::overwrite_existing);
  return 0;
}
