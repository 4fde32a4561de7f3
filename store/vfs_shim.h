// The common part of a SQLite VFS shim (STYLE.md 11; after SQLite's src/test_vfs.c): a file the
// shim opens is its own header followed by the real file, and every method the shim does not
// change forwards to the real one. Used by the WAL write buffer (wal_write_buffer.h) and by the
// fault-injecting VFS of the tests.
#pragma once

#include <sqlite3.h>

#include <cstddef>

namespace cairn::store {

// The header of a file opened through a shim. A shim's own header starts with it.
struct ShimFile {
  sqlite3_file base;   // pMethods: the shim's methods
  sqlite3_file* real;  // the file opened by the real VFS, in the same allocation after the header
};

inline sqlite3_file* real_file(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real; }

// Version-3 io methods that forward every call to ShimFile::real: a shim copies them and replaces
// the ones it changes.
sqlite3_io_methods forwarding_io_methods();

// Opens `name` through `real_vfs` into the memory after the first `header_bytes` of `file`, and
// gives `file` the `methods` when that open set any (SQLite calls no method of a file whose open
// left pMethods null). `header_bytes` must keep the real file 8-byte aligned.
int open_real_file(sqlite3_vfs* real_vfs, const char* name, sqlite3_file* file, std::size_t header_bytes,
                   int flags, int* out_flags, const sqlite3_io_methods* methods);

// A copy of `real_vfs` named `name` whose files are opened by `open` and hold `header_bytes` more.
sqlite3_vfs shim_vfs(const sqlite3_vfs& real_vfs, const char* name, std::size_t header_bytes,
                     int (*open)(sqlite3_vfs*, const char*, sqlite3_file*, int, int*));

}  // namespace cairn::store
