// Minimal RAII wrappers over libpq (private to app/fleet): connection from ServerOptions, parameterised queries.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/fleet/server.hpp"

namespace rivet::fleet::pg {

// A query's rows (text format).
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* r) : r_(r, &PQclear) {}
  [[nodiscard]] int size() const { return r_ ? PQntuples(r_.get()) : 0; }
  [[nodiscard]] bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  [[nodiscard]] std::string text(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
  }
  [[nodiscard]] std::optional<std::string> optText(int row, int col) const {
    if (null(row, col)) return std::nullopt;
    return text(row, col);
  }
  [[nodiscard]] std::int64_t i64(int row, int col) const;

 private:
  std::shared_ptr<PGresult> r_;
};

using Param = std::optional<std::string>;

class Connection {
 public:
  // Connects (TCP keepalives, a user timeout and a connect timeout are added unless the URL sets them). The error
  // names the server and says what to do; `transient` is set when trying again later may help (server down,
  // network gone) rather than a fix being needed first (password, certificate, unknown database).
  static core::Result<Connection> open(const ServerOptions& server, bool* transient = nullptr);

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  // Runs one statement with text parameters ($1, $2...). On failure `lastTransient()` says whether the failure is
  // the network's or the server's availability (try again) rather than the request's (fix something first).
  core::Result<Rows> exec(const std::string& sql, const std::vector<Param>& params = {});
  // Runs several statements without parameters (schema scripts).
  core::Status execScript(const std::string& sql);

  [[nodiscard]] bool lastTransient() const { return last_transient_; }
  [[nodiscard]] bool broken() const { return !c_ || PQstatus(c_.get()) != CONNECTION_OK; }
  [[nodiscard]] const std::string& where() const { return where_; }
  [[nodiscard]] std::string role() const;

 private:
  Connection() = default;
  core::Error failure(PGresult* r, const std::string& what);

  std::unique_ptr<PGconn, void (*)(PGconn*)> c_{nullptr, &PQfinish};
  std::string where_;
  bool last_transient_ = false;
};

}  // namespace rivet::fleet::pg
