// rivet-markers: marker sheets and ChArUco calibration boards (PDF/SVG at exact size), markers.yaml templates.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <yaml-cpp/yaml.h>

#include "board.hpp"
#include "ids.hpp"
#include "map_template.hpp"
#include "rivet/pagedraw/output.hpp"
#include "rivet/content/pack.hpp"
#include "sheet.hpp"
#include "writers.hpp"

namespace {

using namespace rivet;
namespace fs = std::filesystem;

int fail(const core::Error& e) {
  std::cerr << "rivet-markers: " << e.describe() << "\n";
  return 2;
}

struct Selection {
  std::string dictionary;
  std::vector<markers::SheetMarker> markers;
  std::string source;  // for headers and titles
};

// Notes per id from markers.yaml (optional "note:" keys; the map itself was already validated).
std::map<int, std::string> readNotes(const std::string& text) {
  std::map<int, std::string> notes;
  try {
    const YAML::Node root = YAML::Load(text);
    for (const auto& m : root["markers"]) {
      if (m["id"] && m["note"] && m["note"].IsScalar()) notes[m["id"].as<int>()] = m["note"].Scalar();
    }
  } catch (const YAML::Exception&) {
    // Notes are captions only; a map that parseMarkerMap accepted but yaml-cpp's conversion does not is printed without.
  }
  return notes;
}

// Markers from --map / --pack (optionally only --ids of it), or from --dict + --ids + --size-mm.
core::Result<Selection> select(const std::string& dict, const std::string& ids_text, double size_mm,
                               const std::string& map_file, const std::string& pack_dir, bool ids_given,
                               bool size_given) {
  Selection sel;
  if (!map_file.empty() || !pack_dir.empty()) {
    if (!map_file.empty() && !pack_dir.empty())
      return core::makeError("give either --map or --pack, not both", "rivet-markers sheet", "");
    if (size_given)
      return core::makeError("--size-mm cannot be combined with --map/--pack", "--size-mm",
                             "each marker is printed at the size_mm its marker map gives");
    const fs::path file = !map_file.empty() ? fs::path(map_file) : fs::path(pack_dir) / "markers.yaml";
    auto text = content::readTextFile(file);
    if (!text) return text.error();
    auto map = content::parseMarkerMap(*text, file.string());
    if (!map) return map.error();
    if (!dict.empty() && dict != map->dictionary)
      return core::makeError("--dict " + dict + " differs from the map's dictionary " + map->dictionary,
                             file.string(), "leave out --dict: the map's dictionary is used");
    const auto printable = markers::printableDictionaries();
    if (std::find(printable.begin(), printable.end(), map->dictionary) == printable.end()) {
      std::string list;
      for (const auto& n : printable) list += (list.empty() ? "" : ", ") + n;
      return core::makeError("dictionary '" + map->dictionary + "' is valid in markers.yaml but Rivet's tracker "
                             "cannot detect it, so it is not printed", file.string(), "use one of: " + list);
    }
    sel.dictionary = map->dictionary;
    const auto notes = readNotes(*text);
    std::vector<int> only;
    if (ids_given) {
      auto parsed = markers::parseIdList(ids_text);
      if (!parsed) return parsed.error();
      only = *parsed;
      for (int id : only) {
        if (map->find(id) == nullptr)
          return core::makeError("marker id " + std::to_string(id) + " is not in the marker map", file.string(),
                                 "give --ids that the map lists, or leave out --ids to print all of them");
      }
    } else {
      for (const auto& m : map->markers) only.push_back(m.id);
    }
    for (int id : only) {
      const auto* m = map->find(id);
      const auto note = notes.find(id);
      sel.markers.push_back({id, m->size_m * 1000.0, note != notes.end() ? note->second : std::string()});
    }
    // Header text: the pack folder's name ("pack robot-cell"), or the map file's name.
    std::error_code ec;
    const fs::path folder = fs::absolute(file, ec).lexically_normal().parent_path();
    sel.source = !pack_dir.empty() ? "pack " + folder.filename().string() : file.filename().string();
    return sel;
  }
  if (dict.empty()) return core::makeError("no dictionary given", "--dict", "e.g. --dict DICT_6X6_250, or use --map/--pack");
  if (!ids_given) return core::makeError("no marker ids given", "--ids", "e.g. --ids 0-5,9");
  if (!size_given) return core::makeError("no marker size given", "--size-mm", "side of the black square, e.g. --size-mm 100");
  auto ids = markers::parseIdList(ids_text);
  if (!ids) return ids.error();
  sel.dictionary = dict;
  for (int id : *ids) sel.markers.push_back({id, size_mm, {}});
  sel.source = "ids " + ids_text + ", " + markers::formatNumber(size_mm, 2) + " mm";
  return sel;
}

// rivet-markers board: one page, PDF or SVG (written as -o with its extension made .svg).
int printBoard(markers::BoardOptions options, const std::string& size_text, const std::string& paper,
               double margin_mm, std::string format, const std::string& out) {
  auto size = markers::parseBoardSize(size_text);
  if (!size) return fail(size.error());
  options.squares_x = size->first;
  options.squares_y = size->second;
  auto paper_spec = markers::paperByName(paper);
  if (!paper_spec) return fail(paper_spec.error());
  options.paper = *paper_spec;
  options.margin_mm = margin_mm;
  if (format.empty()) format = fs::path(out).extension() == ".svg" ? "svg" : "pdf";
  if (format != "pdf" && format != "svg")
    return fail(core::makeError("unknown format '" + format + "'", "--format", "use pdf or svg"));
  auto laid = markers::layoutBoard(options);
  if (!laid) return fail(laid.error());
  std::string title = "Rivet ChArUco calibration board ";
  title.append(laid->calibrate_options);
  markers::OutputFile file;
  if (format == "pdf") {
    file = {out, markers::writePdf({laid->page}, title)};
  } else {
    fs::path svg = out;
    svg.replace_extension(".svg");
    file = {svg, markers::writeSvg(laid->page, title)};
  }
  if (auto st = markers::writeFilesAtomically({file}); !st) return fail(st.error());
  std::cout << "rivet-markers: wrote " << file.path.string() << " (ChArUco board " << options.squares_x << "x"
            << options.squares_y << ", " << laid->markers.size() << " markers, " << options.dictionary << ", "
            << paper_spec->name
            << "); print at 100 %, then: rivet-calibrate PHOTOS... -o camera.yaml " << laid->calibrate_options << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rivet-markers: printable marker sheets at exact physical size, and marker-map templates"};
  app.require_subcommand(1);
  // Command-line mistakes get the same one-line form as every other error.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("rivet-markers: ") + e.what() + " (see rivet-markers sheet|board|template --help)\n";
  });

  std::string dict, ids, map_file, pack_dir, paper = "A4", format, out;
  double size_mm = 0, margin_mm = 10;
  bool force = false;

  CLI::App* sheet = app.add_subcommand("sheet", "PDF (all pages) or SVG (one file per page) marker sheet");
  sheet->add_option("--dict", dict, "dictionary: DICT_6X6_250, DICT_4X4_50, tag36h11, tagStandard41h12, ...");
  sheet->add_option("--ids", ids, "ids and ranges, e.g. 0-5,9 (with --map/--pack: only these of the map)");
  sheet->add_option("--size-mm", size_mm, "side of the black square in millimetres");
  sheet->add_option("--map", map_file, "print the markers of this markers.yaml, each at its own size");
  sheet->add_option("--pack", pack_dir, "print the markers of this content pack's markers.yaml");
  sheet->add_option("--paper", paper, "A4 (default), A3 or Letter");
  sheet->add_option("--margin-mm", margin_mm, "page margin in millimetres (default 10)");
  sheet->add_option("--format", format, "pdf or svg (default: from the -o extension, else pdf)");
  sheet->add_option("-o,--output", out, "output file; SVG pages are written as NAME-01.svg, NAME-02.svg, ...")
      ->required();

  CLI::App* tmpl = app.add_subcommand("template", "markers.yaml template for rivet-pack (placeholder poses)");
  tmpl->add_option("--dict", dict, "dictionary, e.g. DICT_6X6_250")->required();
  tmpl->add_option("--ids", ids, "ids and ranges, e.g. 0-5,9")->required();
  tmpl->add_option("--size-mm", size_mm, "side of the black square in millimetres")->required();
  tmpl->add_option("-o,--output", out, "markers.yaml to write (an existing file is kept unless --force)")->required();
  tmpl->add_flag("--force", force, "replace an existing output file");

  markers::BoardOptions board_options;
  std::string board_size = "5x7";
  CLI::App* board = app.add_subcommand("board", "ChArUco calibration board for rivet-calibrate (one PDF or SVG page)");
  board->add_option("--board", board_size, "squares across x squares down; the number down must be odd")
      ->capture_default_str();
  board->add_option("--square-mm", board_options.square_mm, "side of a chessboard square in millimetres")
      ->capture_default_str();
  board->add_option("--marker-mm", board_options.marker_mm, "side of a black marker in millimetres (< square)")
      ->capture_default_str();
  board->add_option("--dict", board_options.dictionary, "marker dictionary (DICT_*)")->capture_default_str();
  board->add_option("--paper", paper, "A4 (default), A3 or Letter");
  board->add_option("--margin-mm", margin_mm, "page margin in millimetres (default 10)");
  board->add_option("--format", format, "pdf or svg (default: from the -o extension, else pdf)");
  board->add_option("-o,--output", out, "output file (SVG: NAME.svg)")->required();

  CLI11_PARSE(app, argc, argv);

  if (board->parsed()) return printBoard(board_options, board_size, paper, margin_mm, format, out);

  const bool ids_given = (sheet->parsed() ? sheet : tmpl)->count("--ids") > 0;
  const bool size_given = (sheet->parsed() ? sheet : tmpl)->count("--size-mm") > 0;

  if (tmpl->parsed()) {
    auto sel = select(dict, ids, size_mm, "", "", ids_given, size_given);
    if (!sel) return fail(sel.error());
    // Validate exactly as a sheet would (dictionary, id range, size), so the template matches printable markers.
    markers::SheetOptions check;
    check.dictionary = sel->dictionary;
    check.markers = sel->markers;
    check.paper = {"unbounded", 1e6, 1e6};
    if (auto laid = markers::layoutSheet(check); !laid) return fail(laid.error());
    const std::string text = markers::markerMapTemplate(sel->dictionary, sel->markers, sel->source);
    // The template must load as written (same parser as the app and rivet-pack lint).
    if (auto parsed = content::parseMarkerMap(text, out); !parsed) return fail(parsed.error());
    if (auto st = markers::writeFilesAtomically({{out, text}}, force); !st) return fail(st.error());
    std::cout << "rivet-markers: wrote " << out << " (" << sel->markers.size()
              << (sel->markers.size() == 1 ? " marker, " : " markers, ") << sel->dictionary
              << "; placeholder poses: measure and fill them in)\n";
    return 0;
  }

  auto paper_spec = markers::paperByName(paper);
  if (!paper_spec) return fail(paper_spec.error());
  if (format.empty()) format = fs::path(out).extension() == ".svg" ? "svg" : "pdf";
  if (format != "pdf" && format != "svg")
    return fail(core::makeError("unknown format '" + format + "'", "--format", "use pdf or svg"));
  auto sel = select(dict, ids, size_mm, map_file, pack_dir, ids_given, size_given);
  if (!sel) return fail(sel.error());
  markers::SheetOptions options;
  options.dictionary = sel->dictionary;
  options.markers = sel->markers;
  options.paper = *paper_spec;
  options.margin_mm = margin_mm;
  options.source = sel->source;
  auto laid = markers::layoutSheet(options);
  if (!laid) return fail(laid.error());
  const std::string title = "Rivet markers " + sel->dictionary + " (" + sel->source + ")";

  std::vector<markers::OutputFile> files;
  if (format == "pdf") {
    files.push_back({out, markers::writePdf(laid->pages, title)});
  } else {
    fs::path base = out;
    base.replace_extension();  // NAME.svg (or NAME.anything) -> NAME-01.svg, NAME-02.svg, ...
    const size_t n = laid->pages.size();
    const int digits = std::max(2, static_cast<int>(std::to_string(n).size()));
    for (size_t i = 0; i < n; ++i) {
      std::string number = std::to_string(i + 1);
      number.insert(0, static_cast<size_t>(digits) - number.size(), '0');
      fs::path page_file = base;
      page_file += "-" + number + ".svg";
      files.push_back({page_file, markers::writeSvg(laid->pages[i], title + " page " + std::to_string(i + 1))});
    }
  }
  if (auto st = markers::writeFilesAtomically(files); !st) return fail(st.error());
  for (const auto& f : files) {
    std::cout << "rivet-markers: wrote " << f.path.string() << " (" << sel->markers.size()
              << (sel->markers.size() == 1 ? " marker, " : " markers, ")
              << sel->dictionary << ", " << laid->pages.size() << (laid->pages.size() == 1 ? " page " : " pages ")
              << paper_spec->name << ")\n";
  }
  return 0;
}
