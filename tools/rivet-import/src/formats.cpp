// Which reader handles a file (by extension) and the format's human name.
#include <assimp/Importer.hpp>

#include <filesystem>
#include <map>

#include "readers.hpp"

namespace rivet::import {
namespace {
std::string lowerExt(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}
}  // namespace

SourceKind sourceKindOf(const std::string& path) {
  const std::string e = lowerExt(path);
  if (e == ".step" || e == ".stp") return SourceKind::Step;
  if (e == ".iges" || e == ".igs") return SourceKind::Iges;
  if (e.empty()) return SourceKind::Unknown;
  Assimp::Importer probe;
  return probe.IsExtensionSupported(e.c_str()) ? SourceKind::Assimp : SourceKind::Unknown;
}

std::string formatNameOf(const std::string& path) {
  static const std::map<std::string, std::string> kNames = {
      {".step", "STEP"}, {".stp", "STEP"}, {".iges", "IGES"}, {".igs", "IGES"}, {".gltf", "glTF 2.0"},
      {".glb", "glTF 2.0 binary"}, {".fbx", "FBX"}, {".obj", "OBJ"}, {".stl", "STL"}, {".ply", "PLY"},
      {".3mf", "3MF"}, {".dae", "COLLADA"}, {".off", "OFF"}, {".3ds", "3DS"}, {".x3d", "X3D"}};
  const auto it = kNames.find(lowerExt(path));
  return it != kNames.end() ? it->second : lowerExt(path).substr(lowerExt(path).empty() ? 0 : 1) + " (Assimp)";
}

}  // namespace rivet::import
