// Result<T> and Error: how every module boundary reports failure (no exceptions cross a boundary).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace rivet::core {

// One failure: what failed, where (file:line or component), and what the user can do about it.
struct Error {
  std::string message;  // what failed, in plain words
  std::string where;    // file path, "file:line", or component name; may be empty
  std::string hint;     // what to try; may be empty

  // "where: message (hint)" — the one line shown to users.
  [[nodiscard]] std::string describe() const;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}      // NOLINT: implicit by design

  [[nodiscard]] bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(data_); }
  const T& value() const& { assert(ok()); return std::get<0>(data_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  [[nodiscard]] const Error& error() const { assert(!ok()); return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design
  [[nodiscard]] bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const Error& error() const { assert(failed_); return error_; }

 private:
  Error error_{};
  bool failed_ = false;
};

using Status = Result<void>;

inline Error makeError(std::string message, std::string where = {}, std::string hint = {}) {
  return Error{std::move(message), std::move(where), std::move(hint)};
}

}  // namespace rivet::core
