// Test helper: a real PostgreSQL server of the test's own (initdb + postgres in a temporary folder, loopback port).
#pragma once

#include <arpa/inet.h>
#include <glob.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rivet::fleet::pgtest {

namespace fs = std::filesystem;

inline fs::path makeTempDir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

inline int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Debian's server binaries: /usr/lib/postgresql/<major>/bin (the newest), or RIVET_PG_BIN.
inline fs::path pgBinDir() {
  if (const char* e = std::getenv("RIVET_PG_BIN"); e != nullptr && *e != '\0') return e;
  glob_t g{};
  fs::path best;
  if (::glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      const fs::path p = fs::path(g.gl_pathv[i]).parent_path();
      if (best.empty() || std::stoi(p.parent_path().filename().string()) > std::stoi(best.parent_path().filename().string())) best = p;
    }
  }
  ::globfree(&g);
  if (best.empty()) throw std::runtime_error("PostgreSQL server binaries not found (apt-get install postgresql)");
  return best;
}

// libpq result holder that throws on error.
struct PgResult {
  std::shared_ptr<PGresult> r;
  [[nodiscard]] int rows() const { return PQntuples(r.get()); }
  [[nodiscard]] std::string at(int row, int col) const { return PQgetvalue(r.get(), row, col); }
  [[nodiscard]] bool null(int row, int col) const { return PQgetisnull(r.get(), row, col) != 0; }
};

// One libpq connection (the test's admin or a device role speaking SQL directly).
class PgClient {
 public:
  explicit PgClient(const std::string& url) : c_(PQconnectdb(url.c_str()), &PQfinish) {
    if (PQstatus(c_.get()) != CONNECTION_OK) throw std::runtime_error("connect " + url + ": " + PQerrorMessage(c_.get()));
  }
  // Runs SQL with text parameters; throws with the server's message on error.
  PgResult exec(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::string error;
    auto r = tryExec(sql, params, &error);
    if (!r) throw std::runtime_error(error + " in: " + sql.substr(0, 200));
    return *r;
  }
  // Runs SQL; on error returns nothing and the server's message (primary text) in *error.
  std::optional<PgResult> tryExec(const std::string& sql, const std::vector<std::string>& params, std::string* error) {
    std::vector<const char*> v;
    for (const auto& p : params) v.push_back(p.c_str());
    PGresult* r = PQexecParams(c_.get(), sql.c_str(), static_cast<int>(v.size()), nullptr, v.data(), nullptr, nullptr, 0);
    const auto st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      const char* m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
      if (error) *error = m ? m : PQerrorMessage(c_.get());
      PQclear(r);
      return std::nullopt;
    }
    return PgResult{std::shared_ptr<PGresult>(r, &PQclear)};
  }
  std::string one(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto r = exec(sql, params);
    return r.rows() > 0 ? r.at(0, 0) : std::string();
  }

 private:
  std::unique_ptr<PGconn, void (*)(PGconn*)> c_;
};

// PostgreSQL 15 in <dir>/data on 127.0.0.1:<free port>, superuser rivet_admin (scram password in <dir>/pgpass, which
// PGPASSFILE names for this process and its children), database "rivet". As root, initdb and the server run as the
// postgres system user (initdb refuses root); the folder is handed to that user.
class PgServer {
 public:
  explicit PgServer(fs::path dir, std::vector<std::string> extra_args = {})
      : dir_(std::move(dir)), extra_(std::move(extra_args)), port_(freePort()), bin_(pgBinDir()) {
    fs::create_directories(dir_);
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) pw = ::getpwnam("nobody");
      if (pw == nullptr) throw std::runtime_error("no unprivileged user (postgres or nobody) to run PostgreSQL as");
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      chownAll(dir_);
      // The folders above it (a test's mkdtemp folder is 0700) must let that user through.
      const fs::path tmp = fs::weakly_canonical(fs::temp_directory_path());
      for (fs::path p = fs::weakly_canonical(dir_).parent_path(); p.string().rfind(tmp.string(), 0) == 0 && p != tmp;
           p = p.parent_path()) {
        fs::permissions(p, fs::perms::others_exec, fs::perm_options::add);
      }
    }
    writeOwned(dir_ / "pw", "admin-secret-pw\n", 0600);
    // The password file the clients use; libpq requires mode 0600.
    pgpass_ = dir_ / "pgpass";
    addPassword("rivet_admin", "admin-secret-pw");
    ::setenv("PGPASSFILE", pgpass_.c_str(), 1);
    run({(bin_ / "initdb").string(), "-D", (dir_ / "data").string(), "-U", "rivet_admin", "--auth=scram-sha-256",
         "--pwfile=" + (dir_ / "pw").string(), "-E", "UTF8", "--no-locale", "--no-sync"},
        dir_ / "initdb.log");
    start();
    PgClient(url("rivet_admin", "postgres")).exec("CREATE DATABASE rivet");
  }
  ~PgServer() { stop(); }
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const fs::path& dir() const { return dir_; }
  [[nodiscard]] std::string url(const std::string& user, const std::string& db = "rivet",
                                const std::string& host = "127.0.0.1") const {
    return "postgresql://" + user + "@" + host + ":" + std::to_string(port_) + "/" + db;
  }
  [[nodiscard]] std::string adminUrl() const { return url("rivet_admin"); }
  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] const fs::path& binDir() const { return bin_; }

  // A password line for both 127.0.0.1 and localhost (TLS tests connect by name).
  void addPassword(const std::string& user, const std::string& password) {
    std::ofstream out(pgpass_, std::ios::app);
    out << "127.0.0.1:" << port_ << ":*:" << user << ":" << password << "\n";
    out << "localhost:" << port_ << ":*:" << user << ":" << password << "\n";
    out.close();
    fs::permissions(pgpass_, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  }
  // A login role that is a member of rivet_device (the fleet schema must exist).
  void addDeviceRole(const std::string& role, const std::string& password) {
    PgClient(adminUrl()).exec("CREATE ROLE \"" + role + "\" LOGIN PASSWORD '" + password + "' IN ROLE rivet_device");
    addPassword(role, password);
  }

  void start() {
    std::vector<std::string> args = {(bin_ / "postgres").string(), "-D", (dir_ / "data").string(),
                                     "-c", "listen_addresses=127.0.0.1", "-c", "port=" + std::to_string(port_),
                                     "-c", "unix_socket_directories=", "-c", "max_connections=80",
                                     "-c", "fsync=off", "-c", "log_min_messages=warning"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres connect_timeout=2";
    // After a crash the old server's children may still hold its shared memory for a moment: try again.
    for (int attempt = 0; attempt < 50; ++attempt) {
      pid_ = spawn(args, dir_ / "postgres.log");
      for (int i = 0; i < 300; ++i) {
        if (PQping(conninfo.c_str()) == PQPING_OK) return;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (pid_ > 0) throw std::runtime_error("postgres did not become ready; see " + (dir_ / "postgres.log").string());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw std::runtime_error("postgres would not start; see " + (dir_ / "postgres.log").string());
  }
  // A crash: SIGKILL to the postmaster only (its backends notice and exit); no shutdown checkpoint.
  void kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // Fast shutdown (SIGINT): active transactions roll back, then a checkpoint.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGINT);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  void chownAll(const fs::path& p) {
    if (::chown(p.c_str(), uid_, gid_) != 0) throw std::runtime_error("chown " + p.string() + " failed");
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p)) {
        if (::chown(e.path().c_str(), uid_, gid_) != 0) throw std::runtime_error("chown failed");
      }
    }
  }
  void writeOwned(const fs::path& p, const std::string& text, int mode) {
    std::ofstream(p, std::ios::trunc) << text;
    ::chmod(p.c_str(), static_cast<mode_t>(mode));
    if (uid_ != static_cast<uid_t>(-1) && ::chown(p.c_str(), uid_, gid_) != 0) throw std::runtime_error("chown failed");
  }
  // fork + exec with output to `log`, as the unprivileged user when we are root.
  pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
    // Everything the child needs is made before fork(): the test may have other threads (malloc is not safe after).
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string log_path = log.string();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      if (uid_ != static_cast<uid_t>(-1)) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0) ::_exit(126);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    return pid;
  }
  void run(const std::vector<std::string>& args, const fs::path& log) {
    const pid_t pid = spawn(args, log);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::ifstream in(log);
      std::stringstream ss;
      ss << in.rdbuf();
      throw std::runtime_error(args[0] + " failed: " + ss.str());
    }
  }

  fs::path dir_;
  std::vector<std::string> extra_;
  int port_;
  fs::path bin_;
  fs::path pgpass_;
  uid_t uid_ = static_cast<uid_t>(-1);
  gid_t gid_ = static_cast<gid_t>(-1);
  pid_t pid_ = -1;
};

}  // namespace rivet::fleet::pgtest
