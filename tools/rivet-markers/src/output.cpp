// Writes output files through temporary names and renames, so a failed run leaves no partial file.
#include "output.hpp"

#include <fstream>
#include <unistd.h>

namespace rivet::markers {

namespace fs = std::filesystem;

core::Status writeFilesAtomically(const std::vector<OutputFile>& files, bool overwrite) {
  std::vector<fs::path> temps;
  const auto cleanup = [&] {
    std::error_code ec;
    for (const auto& t : temps) fs::remove(t, ec);
  };
  for (const OutputFile& f : files) {
    std::error_code ec;
    const fs::path dir = f.path.parent_path().empty() ? fs::path(".") : f.path.parent_path();
    if (!fs::is_directory(dir, ec)) {
      cleanup();
      return core::makeError("folder '" + dir.string() + "' does not exist", f.path.string(),
                             "create it first or write somewhere else with -o");
    }
    if (fs::is_directory(f.path, ec)) {
      cleanup();
      return core::makeError("is a folder", f.path.string(), "give a file name with -o");
    }
    if (!overwrite && fs::exists(f.path, ec)) {
      cleanup();
      return core::makeError("file exists; not overwriting it", f.path.string(),
                             "give another -o name, or add --force to replace it");
    }
    fs::path tmp = f.path;
    tmp += ".tmp-" + std::to_string(::getpid());
    temps.push_back(tmp);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (out) out.write(f.bytes.data(), static_cast<std::streamsize>(f.bytes.size()));
    if (out) out.close();
    if (!out) {
      cleanup();
      return core::makeError("cannot write file", f.path.string(), "check the folder's permissions and free space");
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    std::error_code ec;
    fs::rename(temps[i], files[i].path, ec);
    if (ec) {
      cleanup();
      return core::makeError("cannot rename the finished file into place: " + ec.message(), files[i].path.string(),
                             "check the folder's permissions");
    }
  }
  return {};
}

}  // namespace rivet::markers
