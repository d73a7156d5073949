// Test harness for the rivet app end to end: child processes with logged output, shell commands, run-log polling.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rivet::apptest {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::string sh(const std::string& cmd, int* code = nullptr) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  if (code != nullptr) *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

// A child process with its stdout+stderr in a file and, optionally, a pipe to its stdin.
struct Child {
  pid_t pid = -1;
  int stdin_fd = -1;
  fs::path log;
  static Child spawn(const std::vector<std::string>& args, const fs::path& log, bool with_stdin = false) {
    Child c;
    c.log = log;
    int pipefd[2] = {-1, -1};
    if (with_stdin && ::pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
    c.pid = ::fork();
    if (c.pid == 0) {
      if (with_stdin) {
        ::dup2(pipefd[0], 0);
        ::close(pipefd[1]);
      }
      FILE* f = std::fopen(log.c_str(), "w");
      ::dup2(fileno(f), 1);
      ::dup2(fileno(f), 2);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    if (with_stdin) {
      ::close(pipefd[0]);
      c.stdin_fd = pipefd[1];
    }
    return c;
  }
  void say(const std::string& line) const {
    const std::string l = line + "\n";
    (void)!::write(stdin_fd, l.data(), l.size());
  }
  // Exit status, or -1 if it was still running after `timeout_s` (then killed).
  int wait(double timeout_s) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    while (std::chrono::steady_clock::now() < end) {
      int st = 0;
      if (::waitpid(pid, &st, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(SIGKILL);
    return -1;
  }
  void kill(int sig) {
    if (pid <= 0) return;
    ::kill(pid, sig);
    int st = 0;
    ::waitpid(pid, &st, 0);
    pid = -1;
  }
  [[nodiscard]] std::string output() const {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  ~Child() {
    if (stdin_fd >= 0) ::close(stdin_fd);
    kill(SIGKILL);
  }
};

inline std::vector<json> readLog(const fs::path& path) {
  std::vector<json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_discarded()) lines.push_back(std::move(j));
  }
  return lines;
}

// Polls the run log until a line satisfies `pred`.
inline bool waitLog(const fs::path& path, const std::function<bool(const json&)>& pred, double timeout_s, Child* app) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < end) {
    for (const auto& l : readLog(path)) {
      if (pred(l)) return true;
    }
    if (app != nullptr && app->pid > 0) {
      int st = 0;
      if (::waitpid(app->pid, &st, WNOHANG) == app->pid) {
        app->pid = -1;
        return false;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

inline void writeFile(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

}  // namespace rivet::apptest
