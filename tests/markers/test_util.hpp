// Helpers of the rivet-markers tests: running commands, temporary folders, file text.
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../common/run_command.hpp"

namespace rivet::core {
struct Image;
}

namespace rivet::markers::test {

// The ruler band of a rasterised 300 dpi page (test_sheets.cpp): end ticks 100 mm apart, check square 20 x 20 mm,
// each within 1 px (gtest failures otherwise).
void checkRulerOnPage(const core::Image& page, const std::string& what);

using rivet::test::CommandResult;

inline CommandResult run(const std::string& cmd) { return rivet::test::runCommand(cmd); }

inline bool haveCommand(const std::string& name) { return run("command -v " + name).code == 0; }

inline std::string markersExe() { return RIVET_MARKERS_EXE; }

// A fresh, empty folder under the build tree for one test.
inline std::filesystem::path freshDir(const std::string& name) {
  const auto dir = std::filesystem::path(RIVET_BINARY_DIR) / "test-tmp" / "markers" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeFile(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// Shell-quoted path (appended piece by piece: GCC 12's -O3 -Wrestrict misfires on "'" + string).
inline std::string quote(const std::filesystem::path& p) {
  std::string s = "'";
  s += p.string();
  s += '\'';
  return s;
}

}  // namespace rivet::markers::test
