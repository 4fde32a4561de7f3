// The write connection's WAL writes, gathered: SQLite writes a commit's frames to the -wal file
// in two write() calls per page (a 24-byte frame header, then the page), and each call costs a
// system call and a pass through the file system. This VFS shim holds a WAL file's writes in one
// buffer and hands them over in a single write when SQLite syncs the file, which it does at every
// COMMIT at synchronous=FULL before it publishes the commit to other connections (the wal-index).
// So nothing another connection can read, and nothing a commit's durability depends on, is ever
// held: the file sees the same bytes in the same order, in fewer calls (docs/BENCHMARKS.md).
//
// Only for a connection at synchronous=FULL or EXTRA: at NORMAL a commit is published without a
// sync, and a reader would find frames the buffer still holds.
#pragma once

namespace cairn::store {

// The name of the buffering VFS over SQLite's default VFS of this moment (registered on first
// use, once per default VFS, never as the default). Files other than WAL files pass through it
// untouched.
const char* wal_write_buffer_vfs();

}  // namespace cairn::store
