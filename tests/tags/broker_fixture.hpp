// Test helper: a real mosquitto broker on a free loopback port (plain or TLS) and a test PKI made with openssl.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace rivet::tags::livetest {

inline std::filesystem::path makeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

// A port the kernel just handed out on 127.0.0.1 (closed again, so the broker can take it).
inline int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool portAccepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// CA, server certificate for 127.0.0.1/localhost, a client certificate, and a second unrelated CA.
struct TestPki {
  std::filesystem::path dir;
  std::filesystem::path ca, server_cert, server_key, client_cert, client_key, other_ca;

  explicit TestPki(const std::filesystem::path& where) : dir(where) {
    ca = dir / "ca.pem";
    server_cert = dir / "server.pem";
    server_key = dir / "server.key";
    client_cert = dir / "client.pem";
    client_key = dir / "client.key";
    other_ca = dir / "other-ca.pem";
    const std::string d = dir.string();
    const std::string q = " 2>>" + d + "/openssl.log";
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=RivetTestCA -keyout " + d + "/ca.key -out " +
        ca.string() + q);
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=OtherCA -keyout " + d + "/other.key -out " +
        other_ca.string() + q);
    sign("server", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost", q);
    sign("client", "/CN=rivet-headset-1", "extendedKeyUsage=clientAuth", q);
  }

 private:
  static void run(const std::string& cmd) {
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("command failed: " + cmd);
  }
  void sign(const std::string& name, const std::string& subject, const std::string& ext, const std::string& q) {
    const std::string d = dir.string();
    std::ofstream(dir / (name + ".ext")) << ext << "\n";
    run("openssl req -newkey rsa:2048 -nodes -subj " + subject + " -keyout " + d + "/" + name + ".key -out " + d +
        "/" + name + ".csr" + q);
    run("openssl x509 -req -days 2 -in " + d + "/" + name + ".csr -CA " + ca.string() + " -CAkey " + d +
        "/ca.key -CAcreateserial -extfile " + d + "/" + name + ".ext -out " + d + "/" + name + ".pem" + q);
  }
};

// mosquitto on 127.0.0.1:<free port>; `extra` is appended to the listener's configuration.
class Broker {
 public:
  explicit Broker(std::filesystem::path dir, std::string extra = {}, int port = 0)
      : dir_(std::move(dir)), extra_(std::move(extra)), port_(port == 0 ? freePort() : port) {
    start();
  }
  ~Broker() { stop(); }
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url(bool tls = false) const {
    return std::string(tls ? "mqtts" : "mqtt") + "://127.0.0.1:" + std::to_string(port_);
  }
  [[nodiscard]] std::string tlsUrl() const { return "mqtts://localhost:" + std::to_string(port_); }

  void start() {
    const auto conf = dir_ / ("mosquitto-" + std::to_string(port_) + ".conf");
    std::ofstream out(conf);
    if (::geteuid() == 0) out << "user root\n";  // keep access to the test's files
    out << "persistence false\nlog_dest file " << (dir_ / "mosquitto.log").string()
        << "\nlog_type error\nlog_type warning\nlog_type notice\nper_listener_settings true\n"
        << "listener " << port_ << " 127.0.0.1\n"
        << (extra_.find("allow_anonymous") == std::string::npos ? "allow_anonymous true\n" : "") << extra_ << "\n";
    out.close();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl("/usr/sbin/mosquitto", "mosquitto", "-c", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (portAccepts(port_)) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("mosquitto exited at start; see " + (dir_ / "mosquitto.log").string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    throw std::runtime_error("mosquitto did not open port " + std::to_string(port_));
  }

  // A broker crash or a cut cable: SIGKILL, so no will message (Sparkplug NDEATH) goes out and values only age.
  void crash() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // A clean shutdown: mosquitto sends the clients' wills (the node's NDEATH marks its tags Bad) before it exits.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  std::filesystem::path dir_;
  std::string extra_;
  int port_;
  pid_t pid_ = -1;
};

// Polls `pred` every 5 ms until true or timeout.
template <class Pred>
bool eventually(Pred pred, int timeout_ms = 5000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

}  // namespace rivet::tags::livetest
