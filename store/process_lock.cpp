// ProcessLock: flock() on the database's lock file and on the database file itself.
#include "store/process_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <utility>

namespace cairn::store {

ProcessLock::~ProcessLock() {
  // Closed after the store's connections: closing a descriptor of the database file drops every
  // POSIX lock this process holds on it, SQLite's included (SqliteStore releases its lock last).
  if (db_fd_ >= 0) ::close(db_fd_);
  if (fd_ >= 0) ::close(fd_);
}

ProcessLock::ProcessLock(ProcessLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), db_fd_(std::exchange(other.db_fd_, -1)) {}

ProcessLock& ProcessLock::operator=(ProcessLock&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(db_fd_, other.db_fd_);
  return *this;
}

namespace {

// The database's path with every symlink resolved (the directory's, when the file does not exist
// yet), so that a link to the file names the same lock; the path as given when neither resolves.
std::string resolved(const std::string& db_path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::canonical(db_path, ec);
  if (!ec) return p.string();
  const std::filesystem::path given(db_path);
  p = std::filesystem::canonical(given.has_parent_path() ? given.parent_path() : ".", ec);
  return ec ? db_path : (p / given.filename()).string();
}

// The pid another holder wrote into the lock file, or "unknown".
std::string holder(int fd) {
  char owner[32] = {};
  const ssize_t n = ::pread(fd, owner, sizeof owner - 1, 0);
  return n > 0 ? std::string(owner, static_cast<std::size_t>(n)) : "unknown";
}

// flock(LOCK_EX | LOCK_NB) on `fd`, the open `file`: ok; kUnavailable when another open store holds
// it (`who` says how, asked only then); kIoError when it cannot be locked at all.
Status lock_now(int fd, const std::string& file, const std::string& db_path,
                const std::function<std::string()>& who) {
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return Status::ok();
  if (errno != EWOULDBLOCK) return Status(Errc::kIoError, fmt::format("store: cannot lock {}: {}", file, std::strerror(errno)));
  return Status(Errc::kUnavailable,
                fmt::format("store: {} is in use by another process ({}); one server per database", db_path, who()));
}

}  // namespace

Result<ProcessLock> ProcessLock::acquire(const std::string& db_path) {
  const std::string path = resolved(db_path) + "-lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  const bool created = fd >= 0;
  if (!created && errno == EEXIST) fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  ProcessLock lock(fd, -1);
  if (lock.fd_ < 0) {
    return Status(Errc::kIoError, fmt::format("store: cannot open lock file {}: {}", path, std::strerror(errno)));
  }
  if (Status st = lock_now(lock.fd_, path, db_path, [&] { return "pid " + holder(lock.fd_); }); !st) return st;
  // The file itself, whatever its name: a hard link, or a lock file deleted under a running
  // server, gives another lock file but the same inode.
  // Refused from here on, a lock file this call created is removed: it would be left for no server.
  const auto refuse = [&](Status st) {
    if (created) ::unlink(path.c_str());
    return st;
  };
  lock.db_fd_ = ::open(db_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock.db_fd_ < 0) {
    return refuse(Status(Errc::kIoError, fmt::format("store: cannot open database file {} for writing: {}", db_path,
                                                     std::strerror(errno))));
  }
  if (Status st = lock_now(lock.db_fd_, db_path, db_path, [&] {
        return "through another name for the same file, a hard link, or after its lock file " + path + " was deleted";
      });
      !st)
    return refuse(st);
  // Best effort: the pid only improves the message another opener gets.
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(lock.fd_, 0) == 0) (void)!::pwrite(lock.fd_, pid.data(), pid.size(), 0);
  return lock;
}

}  // namespace cairn::store
