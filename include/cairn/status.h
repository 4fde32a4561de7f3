// Status and Result<T>: how store and engine internals report errors without exceptions.
// Codes are stable numbers (append-only); messages name the code: "[CAIRN-CONFLICT] run 7: ...".
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cairn {

enum class Errc : int {
  kOk = 0,
  kNotFound = 1,         // the run, event, table row or route does not exist
  kConflict = 2,         // an id reused with other input, a stale expected seq, wrong run status
  kInvalidArgument = 3,  // the caller's input is malformed or out of range
  kIoError = 4,          // the disk failed a read, write or fsync (SQLITE_IOERR)
  kDiskFull = 5,         // no space left (SQLITE_FULL, max_page_count reached)
  kCorruption = 6,       // the database file failed its integrity check
  kNondeterminism = 7,   // workflow code issued other commands than its journal holds
  kUnavailable = 8,      // recovering, shutting down, or the store is not writable
  kOverloaded = 9,       // bounded queues are full; retry later
  kInternal = 10,        // a bug: an invariant was broken
  kTimeout = 11,         // a deadline passed
  kCancelled = 12,       // the operation was abandoned (shutdown, cancellation)
};

// Upper-case short name used in messages and logs: kConflict -> "CONFLICT".
constexpr std::string_view errc_name(Errc c) {
  switch (c) {
    case Errc::kOk: return "OK";
    case Errc::kNotFound: return "NOTFOUND";
    case Errc::kConflict: return "CONFLICT";
    case Errc::kInvalidArgument: return "INVALID";
    case Errc::kIoError: return "IOERR";
    case Errc::kDiskFull: return "FULL";
    case Errc::kCorruption: return "CORRUPT";
    case Errc::kNondeterminism: return "NONDET";
    case Errc::kUnavailable: return "UNAVAILABLE";
    case Errc::kOverloaded: return "OVERLOADED";
    case Errc::kInternal: return "INTERNAL";
    case Errc::kTimeout: return "TIMEOUT";
    case Errc::kCancelled: return "CANCELLED";
  }
  return "UNKNOWN";
}

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == Errc::kOk; }
  explicit operator bool() const { return is_ok(); }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  // "[CAIRN-CONFLICT] run 7: expected seq 4, found 5"
  std::string to_string() const {
    if (is_ok()) return "OK";
    return "[CAIRN-" + std::string(errc_name(code_)) + "] " + message_;
  }

 private:
  Errc code_ = Errc::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none. Never holds an ok Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).is_ok()); }

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // The error; an ok Status when a value is held.
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cairn
