// ProcessLock: an exclusive advisory lock (flock) on "<database>-lock", held while a store is
// open, so two processes never write one journal (invariant 8). The name is taken from the
// database's path with its symlinks resolved, so a symlink to the file finds the same lock (a
// hard link does not: it is another name for the file). The file holds the owner's pid
// for the refusal message; the kernel releases the lock when the process dies, even by SIGKILL.
#pragma once

#include <string>

#include "cairn/status.h"

namespace cairn::store {

class ProcessLock {
 public:
  ~ProcessLock();
  ProcessLock(ProcessLock&& other) noexcept;
  ProcessLock& operator=(ProcessLock&& other) noexcept;

  // Locks "<db_path>-lock" without waiting: kUnavailable, naming the holder's pid, when another
  // open store (in any process) holds it; kIoError when the file cannot be created.
  static Result<ProcessLock> acquire(const std::string& db_path);

 private:
  explicit ProcessLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace cairn::store
