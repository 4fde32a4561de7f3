// ProcessLock: flock() on the database's lock file.
#include "store/process_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace cairn::store {

ProcessLock::~ProcessLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

ProcessLock::ProcessLock(ProcessLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ProcessLock& ProcessLock::operator=(ProcessLock&& other) noexcept {
  std::swap(fd_, other.fd_);
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

}  // namespace

Result<ProcessLock> ProcessLock::acquire(const std::string& db_path) {
  const std::string path = resolved(db_path) + "-lock";
  ProcessLock lock(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock.fd_ < 0) {
    return Status(Errc::kIoError, fmt::format("store: cannot open lock file {}: {}", path, std::strerror(errno)));
  }
  if (::flock(lock.fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      return Status(Errc::kIoError, fmt::format("store: cannot lock {}: {}", path, std::strerror(errno)));
    }
    char owner[32] = {};
    const ssize_t n = ::pread(lock.fd_, owner, sizeof owner - 1, 0);
    return Status(Errc::kUnavailable,
                  fmt::format("store: {} is in use by another process (pid {}); one server per database",
                              db_path, n > 0 ? std::string(owner, static_cast<std::size_t>(n)) : "unknown"));
  }
  // Best effort: the pid only improves the message another opener gets.
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(lock.fd_, 0) == 0) (void)!::pwrite(lock.fd_, pid.data(), pid.size(), 0);
  return lock;
}

}  // namespace cairn::store
