// FaultyVfs: a SQLite VFS shim over the default one that fails the Nth write or fsync, once or
// persistently until cleared (STYLE.md 11; after SQLite's src/test_vfs.c). Installed as the
// default VFS, so a store opened afterwards goes through it without knowing.
//
// Thread-safe: the counters are atomics; arm() and clear() may be called while the store's writer
// thread is inside SQLite.
#pragma once

#include <cstdint>

namespace cairn::test {

enum class FaultOp { kWrite, kSync };

class FaultyVfs {
 public:
  // Registers the shim as SQLite's default VFS (once per process; later calls do nothing).
  static void install();
  // From now on, the `nth` (1-based) call of `op` fails with SQLITE_IOERR_WRITE / _FSYNC, and so
  // does every later one when `persistent`. Replaces any previous arming.
  static void arm(FaultOp op, std::int64_t nth, bool persistent);
  // Disarms: every call goes through again.
  static void clear();
  // Holds the next xSync (a commit's) until release_sync(): wait_for_held_sync() returns once it
  // is held; release_sync(fail) lets it go, failing it with SQLITE_IOERR_FSYNC when `fail`.
  static void hold_next_sync();
  static void wait_for_held_sync();
  static void release_sync(bool fail);
  // How many calls were failed since install().
  static std::int64_t injected();
};

}  // namespace cairn::test
