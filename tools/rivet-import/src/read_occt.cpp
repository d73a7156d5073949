// Open CASCADE XCAF reader for STEP/IGES: assembly tree, product names, instance transforms, colours, meshing.
#include <BRepBndLib.hxx>
#include <BRepMesh_IncrementalMesh.hxx>
#include <BRep_Tool.hxx>
#include <Bnd_Box.hxx>
#include <IGESCAFControl_Reader.hxx>
#include <IGESData_GlobalSection.hxx>
#include <IGESData_IGESModel.hxx>
#include <Message.hxx>
#include <Message_Messenger.hxx>
#include <Poly_Triangulation.hxx>
#include <Quantity_ColorRGBA.hxx>
#include <STEPCAFControl_Reader.hxx>
#include <STEPControl_Reader.hxx>
#include <TColStd_SequenceOfAsciiString.hxx>
#include <TDF_Label.hxx>
#include <TDF_LabelSequence.hxx>
#include <TDataStd_Name.hxx>
#include <TDocStd_Document.hxx>
#include <TopExp_Explorer.hxx>
#include <TopoDS.hxx>
#include <TopoDS_Face.hxx>
#include <TopTools_MapOfShape.hxx>
#include <XCAFApp_Application.hxx>
#include <XCAFDoc_ColorTool.hxx>
#include <XCAFDoc_DocumentTool.hxx>
#include <XCAFDoc_ShapeTool.hxx>

#include <cmath>
#include <map>

#include "readers.hpp"

namespace rivet::import {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::string labelName(const TDF_Label& label) {
  Handle(TDataStd_Name) attr;
  if (!label.FindAttribute(TDataStd_Name::GetID(), attr)) return {};
  const TCollection_ExtendedString& text = attr->Get();
  std::string out(static_cast<std::size_t>(text.LengthOfCString()) + 1, '\0');
  Standard_PCharacter p = out.data();
  const int n = text.ToUTF8CString(p);
  out.resize(static_cast<std::size_t>(std::max(0, n)));
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

struct Walker {
  Handle(XCAFDoc_ShapeTool) shapes;
  Handle(XCAFDoc_ColorTool) colors;
  ImportedScene* out;
  std::map<int, int> first_node_of_label;  // TDF_Label tag -> node
  std::size_t faces_without_mesh = 0;
  // IGES has no assembly structure: a part is a compound whose named pieces (solids, shells) are XCAF sub-shape
  // labels. When set, each named piece becomes a child node (STEP keeps its products and is not split).
  bool split_named_subshapes = false;

  bool colorOf(const TDF_Label& label, Quantity_ColorRGBA& c) const {
    return colors->GetColor(label, XCAFDoc_ColorSurf, c) || colors->GetColor(label, XCAFDoc_ColorGen, c);
  }

  void setColor(SceneNode& node, const Quantity_ColorRGBA& c) {
    const Quantity_Color& rgb = c.GetRGB();  // OCCT keeps linear RGB
    node.color = {static_cast<float>(rgb.Red()), static_cast<float>(rgb.Green()), static_cast<float>(rgb.Blue()),
                  c.Alpha()};
    node.has_color = true;
  }

  // Meshes the faces of `shape` into `node`, skipping faces in `skip` (already meshed into a child).
  void meshShape(SceneNode& node, const TopoDS_Shape& shape, const gp_Trsf& placement,
                 const TopTools_MapOfShape* skip = nullptr) {
    for (TopExp_Explorer ex(shape, TopAbs_FACE); ex.More(); ex.Next()) {
      const TopoDS_Face& face = TopoDS::Face(ex.Current());
      if (skip != nullptr && skip->Contains(face)) continue;
      TopLoc_Location floc;
      const Handle(Poly_Triangulation)& tri = BRep_Tool::Triangulation(face, floc);
      if (tri.IsNull() || tri->NbTriangles() == 0) {
        ++faces_without_mesh;
        continue;
      }
      gp_Trsf t = placement;
      t.Multiply(floc.Transformation());
      const bool flip = (face.Orientation() == TopAbs_REVERSED) != (t.IsNegative() != 0);
      const auto base = static_cast<std::uint32_t>(node.positions.size() / 3);
      for (int i = 1; i <= tri->NbNodes(); ++i) {
        gp_Pnt p = tri->Node(i);
        p.Transform(t);
        node.positions.insert(node.positions.end(),
                              {static_cast<float>(p.X()), static_cast<float>(p.Y()), static_cast<float>(p.Z())});
      }
      for (int i = 1; i <= tri->NbTriangles(); ++i) {
        int a = 0, b = 0, c = 0;
        tri->Triangle(i).Get(a, b, c);
        if (a < 1 || b < 1 || c < 1 || a > tri->NbNodes() || b > tri->NbNodes() || c > tri->NbNodes()) continue;
        if (flip) std::swap(b, c);
        node.indices.insert(node.indices.end(), {base + static_cast<std::uint32_t>(a - 1),
                                                 base + static_cast<std::uint32_t>(b - 1),
                                                 base + static_cast<std::uint32_t>(c - 1)});
      }
    }
  }

  // label: a shape definition (assembly or part); loc: its placement in the root frame.
  void add(const TDF_Label& label, const TopLoc_Location& loc, int parent, const Quantity_ColorRGBA* instance_color,
           int depth) {
    if (depth > 64) {
      out->warnings.push_back("assembly deeper than 64 levels: deeper levels ignored");
      return;
    }
    const int index = static_cast<int>(out->nodes.size());
    out->nodes.emplace_back();
    out->nodes.back().name = labelName(label);
    out->nodes.back().parent = parent;
    Quantity_ColorRGBA c;
    if (colorOf(label, c)) setColor(out->nodes.back(), c);
    else if (instance_color != nullptr) setColor(out->nodes.back(), *instance_color);

    if (XCAFDoc_ShapeTool::IsAssembly(label)) {
      TDF_LabelSequence comps;
      XCAFDoc_ShapeTool::GetComponents(label, comps, false);
      for (int i = 1; i <= comps.Length(); ++i) {
        const TDF_Label& comp = comps.Value(i);
        TDF_Label ref;
        if (!XCAFDoc_ShapeTool::GetReferredShape(comp, ref)) continue;
        Quantity_ColorRGBA ic;
        const bool has_ic = colorOf(comp, ic);
        add(ref, loc * XCAFDoc_ShapeTool::GetLocation(comp), index, has_ic ? &ic : instance_color, depth + 1);
      }
      return;
    }
    const TopoDS_Shape shape = XCAFDoc_ShapeTool::GetShape(label);
    if (shape.IsNull()) return;
    const int tag = label.Tag() + 1000003 * label.Father().Tag();
    if (auto it = first_node_of_label.find(tag); it != first_node_of_label.end())
      out->nodes[static_cast<std::size_t>(index)].instance_of = it->second;
    else
      first_node_of_label[tag] = index;
    if (split_named_subshapes && splitSubshapes(label, shape, loc, index)) return;
    meshShape(out->nodes[static_cast<std::size_t>(index)], shape, loc.Transformation());
  }

  // One child node per named solid/shell/compound sub-shape of `label`; the faces no named piece holds stay on the
  // parent. False (nothing done) when fewer than two pieces are named.
  bool splitSubshapes(const TDF_Label& label, const TopoDS_Shape& shape, const TopLoc_Location& loc, int index) {
    TDF_LabelSequence subs;
    if (!XCAFDoc_ShapeTool::GetSubShapes(label, subs)) return false;
    std::vector<TDF_Label> pieces;
    for (int i = 1; i <= subs.Length(); ++i) {
      const TopoDS_Shape piece = XCAFDoc_ShapeTool::GetShape(subs.Value(i));
      const TopAbs_ShapeEnum type = piece.IsNull() ? TopAbs_SHAPE : piece.ShapeType();
      if ((type == TopAbs_SOLID || type == TopAbs_SHELL || type == TopAbs_COMPOUND || type == TopAbs_COMPSOLID) &&
          !labelName(subs.Value(i)).empty())
        pieces.push_back(subs.Value(i));
    }
    if (pieces.size() < 2) return false;
    TopTools_MapOfShape done;
    for (const TDF_Label& sub : pieces) {
      const TopoDS_Shape piece = XCAFDoc_ShapeTool::GetShape(sub);
      out->nodes.emplace_back();
      SceneNode& child = out->nodes.back();
      child.name = labelName(sub);
      child.parent = index;
      Quantity_ColorRGBA c;
      if (colorOf(sub, c)) setColor(child, c);
      else if (out->nodes[static_cast<std::size_t>(index)].has_color)
        child.color = out->nodes[static_cast<std::size_t>(index)].color, child.has_color = true;
      meshShape(child, piece, loc.Transformation(), &done);  // a face shared with an earlier piece stays there
      for (TopExp_Explorer ex(piece, TopAbs_FACE); ex.More(); ex.Next()) done.Add(ex.Current());
    }
    meshShape(out->nodes[static_cast<std::size_t>(index)], shape, loc.Transformation(), &done);
    return true;
  }
};

}  // namespace

core::Result<ImportedScene> readWithOcct(const std::string& path, const ReadOptions& options, bool iges) {
  Message::DefaultMessenger()->RemovePrinters(STANDARD_TYPE(Message_Printer));
  const std::string fmt = iges ? "IGES" : "STEP";
  Handle(TDocStd_Document) doc;
  XCAFApp_Application::GetApplication()->NewDocument("MDTV-XCAF", doc);
  XCAFDoc_DocumentTool::SetLengthUnit(doc, 0.001);  // ask for millimetres; read back what was used below
  if (options.progress) options.progress(0.02, "parsing " + fmt);
  ImportedScene out;
  TColStd_SequenceOfAsciiString length_units, angle_units, solid_units;
  if (iges) {
    IGESCAFControl_Reader reader;
    reader.SetColorMode(true);
    reader.SetNameMode(true);
    if (reader.ReadFile(path.c_str()) != IFSelect_RetDone)
      return core::makeError("the IGES reader could not parse the file", path,
                             "check that it is a complete IGES file; re-export it from the CAD tool");
    if (options.progress) options.progress(0.3, "building IGES shapes");
    if (!reader.Transfer(doc))
      return core::makeError("the IGES file has no transferable geometry", path, "re-export it with surfaces/solids");
    out.format = "IGES";
    if (const Handle(IGESData_IGESModel) model = reader.IGESModel(); !model.IsNull()) {
      const Handle(TCollection_HAsciiString) unit = model->GlobalSection().UnitName();
      if (!unit.IsNull() && unit->Length() > 0) length_units.Append(TCollection_AsciiString(unit->ToCString()));
    }
  } else {
    STEPCAFControl_Reader reader;
    reader.SetColorMode(true);
    reader.SetNameMode(true);
    if (reader.ReadFile(path.c_str()) != IFSelect_RetDone)
      return core::makeError("the STEP reader could not parse the file", path,
                             "check that it is a complete ISO-10303-21 file; re-export it as STEP AP214 or AP242");
    reader.ChangeReader().FileUnits(length_units, angle_units, solid_units);
    if (options.progress) options.progress(0.3, "building STEP shapes");
    if (!reader.Transfer(doc))
      return core::makeError("the STEP file has no transferable product geometry", path,
                             "re-export it with solids/surfaces (not only a drawing or PMI)");
    out.format = "STEP";
  }
  double unit_m = 0.001;
  XCAFDoc_DocumentTool::GetLengthUnit(doc, unit_m);
  out.metres_per_unit = unit_m;
  out.unit_note = fmt + " file unit ";
  if (length_units.IsEmpty()) out.unit_note += "not stated";
  for (int i = 1; i <= length_units.Length(); ++i)
    out.unit_note += (i > 1 ? "," : "") + std::string(length_units.Value(i).ToCString());
  out.unit_note += " (converted by Open CASCADE)";

  Handle(XCAFDoc_ShapeTool) shape_tool = XCAFDoc_DocumentTool::ShapeTool(doc->Main());
  Handle(XCAFDoc_ColorTool) color_tool = XCAFDoc_DocumentTool::ColorTool(doc->Main());
  TDF_LabelSequence roots;
  shape_tool->GetFreeShapes(roots);
  if (roots.IsEmpty())
    return core::makeError("the " + fmt + " file holds no shapes", path, "re-export it with its 3D geometry");

  Bnd_Box box;
  for (int i = 1; i <= roots.Length(); ++i) BRepBndLib::Add(XCAFDoc_ShapeTool::GetShape(roots.Value(i)), box);
  if (box.IsVoid())
    return core::makeError("the " + fmt + " file holds no geometry with an extent", path,
                           "re-export it with solids/surfaces");
  const double diag = std::sqrt(box.SquareExtent());
  const double deflection = options.tolerance_mm > 0 ? options.tolerance_mm * 0.001 / unit_m
                                                     : std::max(diag * 0.001, 1e-6);
  for (int i = 1; i <= roots.Length(); ++i) {
    if (options.progress)
      options.progress(0.35 + 0.55 * (i - 1) / roots.Length(),
                       "meshing " + std::to_string(i) + "/" + std::to_string(roots.Length()));
    BRepMesh_IncrementalMesh mesher(XCAFDoc_ShapeTool::GetShape(roots.Value(i)), deflection, false,
                                    options.angular_deg * kPi / 180.0, false);
  }
  if (options.progress) options.progress(0.92, "collecting triangles");
  Walker w{shape_tool, color_tool, &out, {}, 0, iges};
  for (int i = 1; i <= roots.Length(); ++i) w.add(roots.Value(i), TopLoc_Location(), -1, nullptr, 0);
  if (w.faces_without_mesh > 0)
    out.warnings.push_back(std::to_string(w.faces_without_mesh) + " faces could not be meshed and are missing");
  std::size_t tris = 0;
  for (const auto& n : out.nodes) tris += n.indices.size() / 3;
  if (tris == 0)
    return core::makeError("the " + fmt + " file yields no surface geometry (no solids or faces could be meshed)",
                           path, "re-export solids/surfaces; a wireframe or an empty product cannot be shown");
  out.notes.push_back("chordal tolerance " + std::to_string(deflection * unit_m * 1000.0) + " mm, angular " +
                         std::to_string(options.angular_deg) + " deg");
  return out;
}

}  // namespace rivet::import
