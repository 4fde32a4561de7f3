// ProcessLock: exclusive advisory locks (flock), held while a store is open, so two processes
// never write one journal (invariant 8). Two locks: "<database>-lock", named from the database's
// path with its symlinks resolved, which holds the owner's pid for the refusal message; and the
// database file itself, so that another name for the same file (a hard link) or a lock file
// deleted under a running server is refused too (flock and SQLite's POSIX locks are independent
// on Linux). The kernel releases both when the process dies, even by SIGKILL. Closing any
// descriptor of the database file drops the POSIX locks this process holds on it, SQLite's
// included: a refused acquire() in a process that already has the database open does that, so
// keep one store per database per process (a server opens one).
#pragma once

#include <string>

#include "cairn/status.h"

namespace cairn::store {

class ProcessLock {
 public:
  ~ProcessLock();
  ProcessLock(ProcessLock&& other) noexcept;
  ProcessLock& operator=(ProcessLock&& other) noexcept;

  // Locks "<db_path>-lock" and the database file (created if missing) without waiting:
  // kUnavailable when another open store (in any process) holds either, naming the holder's pid
  // when it is known; kIoError when either file cannot be opened for writing.
  static Result<ProcessLock> acquire(const std::string& db_path);

 private:
  ProcessLock(int fd, int db_fd) : fd_(fd), db_fd_(db_fd) {}
  int fd_ = -1;     // "<database>-lock"
  int db_fd_ = -1;  // the database file
};

}  // namespace cairn::store
