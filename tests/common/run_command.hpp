// Test helper shared by the tool tests: runs a shell command as a user would and captures its output and exit status.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace rivet::test {

struct CommandResult {
  int code = -1;    // exit status; -1 when the command could not be started or did not exit normally
  std::string out;  // stdout, and stderr too unless `with_stderr` was false
};

// Runs `cmd` with /bin/sh. With `with_stderr`, stderr is captured with stdout (" 2>&1" appended); without it, the
// command's own redirections apply.
inline CommandResult runCommand(const std::string& cmd, bool with_stderr = true) {
  CommandResult r;
  FILE* p = popen((with_stderr ? cmd + " 2>&1" : cmd).c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace rivet::test
