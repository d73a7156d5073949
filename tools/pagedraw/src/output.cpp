// Writes output files through fsync'd temporary names and renames, so a failed run leaves no partial file.
#include "rivet/pagedraw/output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rivet::pagedraw {

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
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0;
    std::size_t done = 0;
    while (ok && done < f.bytes.size()) {
      const ssize_t n = ::write(fd, f.bytes.data() + done, f.bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0;
      if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    const std::string why = std::strerror(errno);
    if (fd >= 0) ok = ::close(fd) == 0 && ok;
    if (!ok) {
      cleanup();
      return core::makeError("cannot write file: " + why, f.path.string(), "check the folder's permissions and free space");
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
  // The renames themselves reach the disk with their folders.
  for (const OutputFile& f : files) {
    const fs::path dir = f.path.parent_path().empty() ? fs::path(".") : f.path.parent_path();
    if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
      (void)::fsync(fd);
      ::close(fd);
    }
  }
  return {};
}

}  // namespace rivet::pagedraw
