// rivet-import: CAD/mesh files or an assembly YAML -> optimised runtime model (.rmdl), with a summary.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "rivet/content/model_file.hpp"
#include "rivet/import/importer.hpp"

namespace {

const char* kUsage =
    "usage: rivet-import INPUT... -o OUT.rmdl [options]\n"
    "  INPUT              STEP/IGES (Open CASCADE), glTF/GLB, FBX, OBJ, STL, PLY, 3MF, COLLADA... (Assimp),\n"
    "                     or an assembly .yaml listing files with part ids, names and placements\n"
    "  -o, --output FILE  runtime model to write (.rmdl)\n"
    "  --unit m|mm|cm|in|ft  unit for files that do not state one (STL, OBJ, PLY...)\n"
    "  --force-unit       apply --unit even where the file states a unit\n"
    "  --up y|z           up axis of the inputs (default: from the format; STEP/STL/PLY/3MF are Z-up)\n"
    "  --name-prefix P    prefix every part id with P/\n"
    "  --tolerance-mm X   STEP/IGES chordal tolerance (default 0.1% of the model's diagonal)\n"
    "  --angular-deg X    STEP/IGES angular tolerance (default 20)\n"
    "  --lod-mm A,B,...   LOD error bounds in millimetres (default 0.5,2,8; 'none' for no LODs)\n"
    "  --no-optimize      keep the source triangle order\n"
    "  --data-root DIR    base folder for relative file paths in assembly files\n"
    "  --max-memory-mb N  memory limit of each reader process (default 4096)\n"
    "  --timeout-s N      time limit of each reader process (default 300)\n"
    "  --json             print a machine-readable summary on stdout\n"
    "  -q, --quiet        no progress output\n";

int usageError(const std::string& msg) {
  std::cerr << "rivet-import: " << msg << "\n" << kUsage;
  return 2;
}

bool parseNumber(const std::string& s, double& out) {
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0' && std::isfinite(out);
}

// Progress on stderr: a redrawn bar on a terminal, plain lines (at most one per phase change) otherwise.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {}
  void operator()(double f, const std::string& what) {
    if (quiet_) return;
    const int pct = static_cast<int>(f * 100.0 + 0.5);
    if (tty_) {
      const int filled = pct * 30 / 100;
      std::string label = what.size() > 45 ? what.substr(0, 42) + "..." : what;
      std::fprintf(stderr, "\r[%s%s] %3d%% %-45s", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(30 - filled), '.').c_str(), pct, label.c_str());
      if (f >= 1.0) std::fprintf(stderr, "\n");
      std::fflush(stderr);
    } else {
      const std::string phase = what.substr(0, what.find(' '));
      if (pct >= last_pct_ + 10 || phase != last_phase_ || f >= 1.0) {
        std::fprintf(stderr, "rivet-import: %3d%% %s\n", pct, what.c_str());
        last_pct_ = pct;
        last_phase_ = phase;
      }
    }
  }

 private:
  bool quiet_, tty_;
  int last_pct_ = -100;
  std::string last_phase_;
};

}  // namespace

int main(int argc, char** argv) {
  rivet::import::ImportOptions o;
  std::string output;
  bool json = false, quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&](std::string& v) {
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    std::string v;
    double d = 0;
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "-o" || a == "--output") {
      if (!next(output)) return usageError("-o needs a file name");
    } else if (a == "--unit") {
      if (!next(o.unit) || rivet::import::metresPerUnit(o.unit) == 0) return usageError("--unit needs m, mm, cm, in or ft");
    } else if (a == "--force-unit") {
      o.force_unit = true;
    } else if (a == "--up") {
      if (!next(v) || (v != "y" && v != "z")) return usageError("--up needs y or z");
      o.up = v[0];
    } else if (a == "--name-prefix") {
      if (!next(o.name_prefix)) return usageError("--name-prefix needs a value");
    } else if (a == "--tolerance-mm") {
      if (!next(v) || !parseNumber(v, d) || d <= 0) return usageError("--tolerance-mm needs a positive number");
      o.tolerance_mm = d;
    } else if (a == "--angular-deg") {
      if (!next(v) || !parseNumber(v, d) || d <= 0 || d > 90) return usageError("--angular-deg needs 0 < X <= 90");
      o.angular_deg = d;
    } else if (a == "--lod-mm") {
      if (!next(v)) return usageError("--lod-mm needs a list such as 0.5,2,8");
      o.lod_errors_mm.clear();
      if (v != "none") {
        std::stringstream ss(v);
        std::string item;
        while (std::getline(ss, item, ',')) {
          if (!parseNumber(item, d) || d <= 0) return usageError("--lod-mm: '" + item + "' is not a positive number");
          o.lod_errors_mm.push_back(d);
        }
      }
    } else if (a == "--no-optimize") {
      o.optimize = false;
    } else if (a == "--data-root") {
      if (!next(o.data_root)) return usageError("--data-root needs a folder");
    } else if (a == "--max-memory-mb") {
      if (!next(v) || !parseNumber(v, d) || d < 64) return usageError("--max-memory-mb needs a number >= 64");
      o.max_memory_mb = static_cast<std::size_t>(d);
    } else if (a == "--timeout-s") {
      if (!next(v) || !parseNumber(v, d) || d <= 0) return usageError("--timeout-s needs a positive number");
      o.timeout_s = d;
    } else if (a == "--json") {
      json = true;
    } else if (a == "-q" || a == "--quiet") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      return usageError("unknown option " + a);
    } else {
      o.inputs.push_back(a);
    }
  }
  if (o.inputs.empty()) return usageError("no input file");
  if (output.empty()) return usageError("no output file (-o OUT.rmdl)");

  ProgressPrinter printer(quiet);
  o.progress = [&printer](double f, const std::string& what) { printer(f, what); };
  auto r = rivet::import::importModel(o);
  if (!r) {
    std::cerr << "rivet-import: error: " << r.error().describe() << "\n";
    return 1;
  }
  if (auto st = rivet::content::saveModel(output, r->model); !st) {
    std::cerr << "rivet-import: error: " << st.error().describe() << "\n";
    return 1;
  }
  if (json) {
    std::cout << rivet::import::summaryJson(r->summary, r->model) << "\n";
  } else if (!quiet) {
    std::cerr << rivet::import::summaryText(r->summary) << "wrote  " << output << "\n";
  }
  return 0;
}
