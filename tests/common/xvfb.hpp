// Test helper: a private Xvfb X server on a free display number, DISPLAY pointed at it, stopped at teardown.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace rivet::test {

class Xvfb {
 public:
  // Starts `Xvfb -displayfd ... -screen 0 WxHx24 -nolisten tcp` (the server picks a free display number and
  // reports it once it accepts connections) and sets DISPLAY to it. nullptr with `*error` set when it cannot.
  static std::unique_ptr<Xvfb> start(std::string* error, const std::string& screen = "1280x800x24") {
    int fds[2];
    if (pipe(fds) != 0) {
      *error = "pipe() failed";
      return nullptr;
    }
    const pid_t pid = fork();
    if (pid < 0) {
      *error = "fork() failed";
      close(fds[0]);
      close(fds[1]);
      return nullptr;
    }
    if (pid == 0) {  // child: becomes Xvfb; the write end stays open across exec for -displayfd
      close(fds[0]);
      const std::string fd = std::to_string(fds[1]);
      setpgid(0, 0);  // its own process group: a test's Ctrl-C does not kill it before teardown
      execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", screen.c_str(), "-nolisten", "tcp",
             "-noreset", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    std::unique_ptr<Xvfb> server(new Xvfb(pid));
    std::string number;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (number.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[32];
      const ssize_t n = read(fds[0], buf, sizeof(buf));
      if (n <= 0) break;  // Xvfb exited (not installed, or failed)
      number.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    if (number.find('\n') == std::string::npos) {
      *error = "Xvfb did not start (install the xvfb package; tools/setup/install-deps.sh does)";
      return nullptr;
    }
    number.resize(number.find('\n'));
    server->display_ = ":" + number;
    const char* previous = std::getenv("DISPLAY");
    if (previous != nullptr) server->previous_display_ = previous;
    setenv("DISPLAY", server->display_.c_str(), 1);
    server->display_set_ = true;
    return server;
  }

  ~Xvfb() {
    if (display_set_ && previous_display_) {
      setenv("DISPLAY", previous_display_->c_str(), 1);
    } else if (display_set_) {
      unsetenv("DISPLAY");
    }
    kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  Xvfb(const Xvfb&) = delete;
  Xvfb& operator=(const Xvfb&) = delete;

  [[nodiscard]] const std::string& display() const { return display_; }  // ":N"

 private:
  explicit Xvfb(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  std::string display_;
  std::optional<std::string> previous_display_;
  bool display_set_ = false;
};

}  // namespace rivet::test
