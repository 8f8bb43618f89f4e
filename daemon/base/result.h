// Errors as values at the shell's boundaries: a failed store write or broker call becomes a
// Result the caller must look at, never an exception on the data path.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace approvald {

struct Error {
  std::string message;
  // The data itself is damaged (a checksum mismatch, bytes that do not decode): retrying cannot
  // help, and writing over it would destroy the evidence.
  bool corrupt = false;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error e) : v_(std::move(e)) {}      // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T&& take() { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For operations with nothing to return.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

// A lookup's three answers: found (a value), not found (an empty optional) or failed (an Error).
// A failed read is never taken for absence: a case read as "new" after an I/O error would be
// overwritten and its timer cleared.
template <typename T>
using Lookup = Result<std::optional<T>>;

}  // namespace approvald
