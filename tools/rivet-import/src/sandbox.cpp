// Child-process isolation for readers: fork, rlimits, RSS/time watchdog, result via temp file, progress via pipe.
#include "sandbox.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#if defined(__SANITIZE_ADDRESS__)
#define RIVET_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RIVET_ASAN 1
#endif
#endif

namespace rivet::import {
namespace {

// Virtual size and resident size of a process, in bytes (0 when it cannot be read).
std::pair<std::size_t, std::size_t> memoryOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
  std::size_t size_pages = 0, resident_pages = 0;
  in >> size_pages >> resident_pages;
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return {size_pages * page, resident_pages * page};
}

void writeFileRaw(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return;
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ::close(fd);
}

std::string readFileRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string lastLine(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  const auto nl = t.find_last_of('\n');
  t = nl == std::string::npos ? t : t.substr(nl + 1);
  if (t.size() > 200) t = t.substr(0, 200) + "...";
  return t;
}

}  // namespace

core::Result<ImportedScene> runSandboxed(const std::string& path, const std::string& format,
                                         const SandboxLimits& limits,
                                         const std::function<core::Result<ImportedScene>(const ProgressFn&)>& read,
                                         const ProgressFn& progress) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  std::string result_path = dir + "/rivet-import-XXXXXX";
  std::string log_path = dir + "/rivet-import-log-XXXXXX";
  int result_fd = ::mkstemp(result_path.data());
  int log_fd = ::mkstemp(log_path.data());
  int pipe_fds[2] = {-1, -1};
  if (result_fd < 0 || log_fd < 0 || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    if (result_fd >= 0) ::close(result_fd), ::unlink(result_path.c_str());
    if (log_fd >= 0) ::close(log_fd), ::unlink(log_path.c_str());
    return core::makeError(std::string("cannot create temporary files: ") + std::strerror(errno), dir,
                           "check that the temporary folder (TMPDIR) is writable");
  }
  ::close(result_fd);
  // The child starts as a copy of this process: limits apply to what it adds on top of that.
  const auto [base_virtual, base_resident] = memoryOf(::getpid());
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::unlink(result_path.c_str());
    ::unlink(log_path.c_str());
    return core::makeError(std::string("cannot start the reader process: ") + std::strerror(errno), path, "");
  }
  if (pid == 0) {
    // Child: quiet stdout (readers print), stderr to the log, limits, then read and hand the result over.
    ::close(pipe_fds[0]);
    const int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
#ifndef RIVET_ASAN
    // Address space: what the parent had plus twice the resident cap (allocators reserve more than they touch).
    const rlim_t bytes = static_cast<rlim_t>(base_virtual + limits.memory_mb * 1024 * 1024 * 2);
    struct rlimit as_limit {bytes, bytes};
    ::setrlimit(RLIMIT_AS, &as_limit);
#endif
    const rlim_t cpu = static_cast<rlim_t>(limits.time_s) + 2;
    struct rlimit cpu_limit {cpu, cpu + 1};
    ::setrlimit(RLIMIT_CPU, &cpu_limit);
    struct rlimit no_core {0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    const int progress_fd = pipe_fds[1];
    const ProgressFn child_progress = [progress_fd](double f, const std::string& what) {
      const std::string line = std::to_string(f) + " " + what + "\n";
      [[maybe_unused]] ssize_t n = ::write(progress_fd, line.data(), line.size());
    };
    std::string payload;
    try {
      auto r = read(child_progress);
      if (r.ok()) {
        payload = "S" + serializeScene(*r);
      } else {
        payload = "E" + r.error().message + '\x1f' + r.error().hint;
      }
    } catch (const std::bad_alloc&) {
      payload = std::string("E") + "the " + format + " reader ran out of memory" + '\x1f' +
                "the file is probably damaged or far too large; re-export it, or raise --max-memory-mb";
    } catch (const std::exception& e) {
      payload = std::string("E") + "the " + format + " reader failed: " + e.what() + '\x1f' +
                "re-export the file from the CAD tool";
    } catch (...) {
      payload = std::string("E") + "the " + format + " reader failed with an unknown exception" + '\x1f' +
                "re-export the file from the CAD tool";
    }
    writeFileRaw(result_path, payload);
    ::_exit(0);
  }

  // Parent: watch time and memory, relay progress lines.
  ::close(log_fd);
  ::close(pipe_fds[1]);
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  const auto start = std::chrono::steady_clock::now();
  std::string pending;
  int status = 0;
  std::string killed_for;
  std::size_t peak_rss = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0) pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      const auto sp = line.find(' ');
      if (progress && sp != std::string::npos) progress(std::atof(line.substr(0, sp).c_str()), line.substr(sp + 1));
    }
    if (w == pid) break;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::size_t rss = memoryOf(pid).second;
    const std::size_t grown = rss > base_resident ? rss - base_resident : 0;
    peak_rss = std::max(peak_rss, grown);
    if (killed_for.empty() && elapsed > limits.time_s) killed_for = "time";
    if (killed_for.empty() && grown > limits.memory_mb * 1024 * 1024) killed_for = "memory";
    if (!killed_for.empty()) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
  }
  ::close(pipe_fds[0]);
  const std::string payload = readFileRaw(result_path);
  const std::string log = readFileRaw(log_path);
  ::unlink(result_path.c_str());
  ::unlink(log_path.c_str());

  const std::string hint_damaged =
      "the file is probably damaged or uses a feature this reader mishandles; re-export it from the CAD tool "
      "(STEP AP214/AP242 or glTF/GLB work best)";
  if (killed_for == "time")
    return core::makeError("the " + format + " reader did not finish within " +
                               std::to_string(static_cast<int>(limits.time_s)) + " s and was stopped",
                           path, "the file may be damaged or very large; raise --timeout-s if it is just big");
  if (killed_for == "memory")
    return core::makeError("the " + format + " reader used more than " + std::to_string(limits.memory_mb) +
                               " MB and was stopped",
                           path, "the file may be damaged (e.g. absurd counts) or very large; raise --max-memory-mb "
                                 "if it is just big");
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    std::string what = sig == SIGXCPU ? "ran out of CPU time" : std::string("crashed (") + strsignal(sig) + ")";
    return core::makeError("the " + format + " reader " + what + " on this file", path, hint_damaged);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || payload.empty()) {
    std::string detail = lastLine(log);
    return core::makeError("the " + format + " reader crashed or aborted (exit status " +
                               std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")" +
                               (detail.empty() ? "" : ": " + detail),
                           path, hint_damaged);
  }
  if (payload[0] == 'E') {
    const auto sep = payload.find('\x1f');
    return core::makeError(payload.substr(1, sep == std::string::npos ? std::string::npos : sep - 1), path,
                           sep == std::string::npos ? std::string{} : payload.substr(sep + 1));
  }
  return deserializeScene(payload.substr(1), path);
}

}  // namespace rivet::import
