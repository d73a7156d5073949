// Assimp reader: node tree with transforms baked, triangles only, material colours, unit/up metadata where known.
#include <assimp/Importer.hpp>
#include <assimp/postprocess.h>
#include <assimp/scene.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "readers.hpp"

namespace rivet::import {
namespace {

std::string lowerExt(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

// Open CASCADE's glTF writer names nodes "product [instance]"; SolidWorks instance ids (NAUO12) mean nothing to
// people, so keep the product name only.
std::string productName(std::string name) {
  const auto open = name.rfind(" [NAUO");
  if (open != std::string::npos && name.back() == ']') name.erase(open);
  return name;
}

bool finite3(const aiVector3D& v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

struct Walker {
  const aiScene* scene;
  ImportedScene* out;
  std::size_t dropped_nonfinite = 0;
  std::size_t dropped_bad_faces = 0;
  std::vector<int> first_node_of_mesh;

  // Appends the mesh's triangles; normals only when every mesh of the node has them (else all are generated).
  void meshInto(SceneNode& node, const aiMesh& mesh, const aiMatrix4x4& world, bool with_normals) {
    if (!(mesh.mPrimitiveTypes & aiPrimitiveType_TRIANGLE) || mesh.mVertices == nullptr) return;
    aiMatrix3x3 normal_m(world);
    normal_m.Inverse().Transpose();
    const bool mirrored = aiMatrix3x3(world).Determinant() < 0;
    const auto base = static_cast<std::uint32_t>(node.positions.size() / 3);
    const bool has_normals = with_normals && mesh.mNormals != nullptr;
    for (unsigned v = 0; v < mesh.mNumVertices; ++v) {
      const aiVector3D p = world * mesh.mVertices[v];
      node.positions.insert(node.positions.end(), {p.x, p.y, p.z});
      if (has_normals) {
        aiVector3D n = normal_m * mesh.mNormals[v];
        const float len = n.Length();
        if (std::isfinite(len) && len > 0) n /= len; else n = aiVector3D(0, 0, 0);
        node.normals.insert(node.normals.end(), {n.x, n.y, n.z});
      }
    }
    for (unsigned f = 0; f < mesh.mNumFaces; ++f) {
      const aiFace& face = mesh.mFaces[f];
      if (face.mNumIndices != 3) continue;
      const unsigned a = face.mIndices[0], b = face.mIndices[1], c = face.mIndices[2];
      if (a >= mesh.mNumVertices || b >= mesh.mNumVertices || c >= mesh.mNumVertices) {
        ++dropped_bad_faces;
        continue;
      }
      if (!finite3(mesh.mVertices[a]) || !finite3(mesh.mVertices[b]) || !finite3(mesh.mVertices[c])) {
        ++dropped_nonfinite;
        continue;
      }
      node.indices.insert(node.indices.end(), {base + a, base + (mirrored ? c : b), base + (mirrored ? b : c)});
    }
    if (!node.has_color && mesh.mMaterialIndex < scene->mNumMaterials) {
      const aiMaterial* mat = scene->mMaterials[mesh.mMaterialIndex];
      aiColor4D c;
      if (mat->Get(AI_MATKEY_BASE_COLOR, c) == AI_SUCCESS || mat->Get(AI_MATKEY_COLOR_DIFFUSE, c) == AI_SUCCESS) {
        node.color = {std::clamp(c.r, 0.f, 1.f), std::clamp(c.g, 0.f, 1.f), std::clamp(c.b, 0.f, 1.f),
                      std::clamp(c.a, 0.f, 1.f)};
        node.has_color = true;
      }
    }
  }

  void walk(const aiNode* n, const aiMatrix4x4& parent_world, int parent, int depth) {
    if (depth > 256) {
      out->warnings.push_back("node tree deeper than 256 levels (recursive nodes?): deeper nodes ignored");
      return;
    }
    const aiMatrix4x4 world = parent_world * n->mTransformation;
    const int index = static_cast<int>(out->nodes.size());
    out->nodes.emplace_back();
    out->nodes.back().name = productName(n->mName.C_Str());
    out->nodes.back().parent = parent;
    bool all_normals = true;
    for (unsigned i = 0; i < n->mNumMeshes; ++i)
      if (n->mMeshes[i] < scene->mNumMeshes && scene->mMeshes[n->mMeshes[i]]->mNormals == nullptr) all_normals = false;
    for (unsigned i = 0; i < n->mNumMeshes; ++i) {
      const unsigned mi = n->mMeshes[i];
      if (mi >= scene->mNumMeshes) continue;
      SceneNode& node = out->nodes[static_cast<std::size_t>(index)];
      meshInto(node, *scene->mMeshes[mi], world, all_normals);
      if (first_node_of_mesh[mi] < 0) first_node_of_mesh[mi] = index;
      else if (n->mNumMeshes == 1) node.instance_of = first_node_of_mesh[mi];
    }
    for (unsigned c = 0; c < n->mNumChildren; ++c) walk(n->mChildren[c], world, index, depth + 1);
  }
};

}  // namespace

core::Result<ImportedScene> readWithAssimp(const std::string& path, const ReadOptions& options) {
  Assimp::Importer importer;
  importer.SetPropertyInteger(AI_CONFIG_PP_SBP_REMOVE, aiPrimitiveType_POINT | aiPrimitiveType_LINE);
  importer.SetPropertyBool(AI_CONFIG_IMPORT_NO_SKELETON_MESHES, true);
  if (options.progress) options.progress(0.05, "parsing " + formatNameOf(path));
  const unsigned flags = aiProcess_Triangulate | aiProcess_SortByPType | aiProcess_ValidateDataStructure |
                         aiProcess_FindDegenerates;
  const aiScene* scene = importer.ReadFile(path, flags);
  if (scene == nullptr)
    return core::makeError(std::string("the ") + formatNameOf(path) + " reader failed: " + importer.GetErrorString(),
                           path, "check that the file is complete and really in this format; re-export it from the "
                                 "CAD tool (glTF/GLB or STEP import best)");
  if (scene->mRootNode == nullptr)
    return core::makeError("the file has no node tree", path, "re-export it with its scene hierarchy");
  if (options.progress) options.progress(0.6, "collecting meshes");

  ImportedScene out;
  const std::string ext = lowerExt(path);
  out.format = formatNameOf(path);
  if (ext == ".gltf" || ext == ".glb") {
    out.metres_per_unit = 1.0;
    out.unit_note = "glTF: metres by specification";
    out.up = 'y';
  } else if (ext == ".dae") {
    out.metres_per_unit = 1.0;
    out.unit_note = "COLLADA <unit> and <up_axis> applied by the reader";
    out.up = 'y';
  } else if (ext == ".fbx") {
    double scale_cm = 0;
    if (scene->mMetaData != nullptr && scene->mMetaData->Get("UnitScaleFactor", scale_cm) && scale_cm > 0) {
      out.metres_per_unit = scale_cm * 0.01;
      out.unit_note = "FBX UnitScaleFactor " + std::to_string(scale_cm) + " cm";
    } else {
      float scale_f = 0;
      if (scene->mMetaData != nullptr && scene->mMetaData->Get("UnitScaleFactor", scale_f) && scale_f > 0) {
        out.metres_per_unit = scale_f * 0.01;
        out.unit_note = "FBX UnitScaleFactor " + std::to_string(scale_f) + " cm";
      }
    }
    int up_axis = -1;
    if (scene->mMetaData != nullptr && scene->mMetaData->Get("UpAxis", up_axis)) out.up = up_axis == 2 ? 'z' : 'y';
  } else if (ext == ".3mf") {
    std::string unit_name;
    out.metres_per_unit = threeMfMetresPerUnit(path, unit_name);
    out.unit_note = out.metres_per_unit > 0 ? "3MF model unit \"" + unit_name + "\""
                                            : "3MF unit \"" + unit_name + "\" not understood";
    if (out.metres_per_unit <= 0)
      out.warnings.push_back("the 3MF unit attribute could not be read; give the unit with --unit");
    out.up = 'z';
  }

  Walker w{scene, &out, 0, 0, std::vector<int>(scene->mNumMeshes, -1)};
  w.walk(scene->mRootNode, aiMatrix4x4(), -1, 0);
  if (w.dropped_nonfinite > 0)
    out.warnings.push_back(std::to_string(w.dropped_nonfinite) + " triangles with infinite/NaN coordinates dropped");
  if (w.dropped_bad_faces > 0)
    out.warnings.push_back(std::to_string(w.dropped_bad_faces) + " triangles with out-of-range indices dropped");
  std::size_t tris = 0;
  for (const auto& n : out.nodes) tris += n.indices.size() / 3;
  if (tris == 0)
    return core::makeError("the " + out.format + " file holds no triangles (empty, points or lines only)", path,
                           "export surfaces/meshes, not points, curves or an empty scene");
  return out;
}

}  // namespace rivet::import
