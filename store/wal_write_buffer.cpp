// The WAL write buffer (wal_write_buffer.h): a shim file that holds contiguous writes of a -wal
// file and writes them before any sync, read, size query, truncate or close of that file.
#include "store/wal_write_buffer.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "store/vfs_shim.h"

namespace cairn::store {

namespace {

// A commit of the engine's largest batches is ~100 pages (~400 KiB); bigger writes (a huge
// transaction) go through in pieces of this size.
constexpr sqlite3_int64 kCapacity = 1 << 20;

struct WalFile {
  ShimFile shim;
  char* data;           // kCapacity bytes (sqlite3_malloc64)
  sqlite3_int64 start;  // the file offset of data[0]
  sqlite3_int64 size;   // bytes held, not yet written
};
static_assert(sizeof(WalFile) % 8 == 0);

WalFile* wal_of(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }

// The unix VFS writes at most 0x1ffff bytes per call (it masks the length: SQLite's own writes
// are a page at most), so the held bytes go in pieces of whole 4 KiB pages under that.
constexpr sqlite3_int64 kMaxWrite = 0x1ffff & ~0xfff;

// Writes `n` bytes from `src` at `offset` in pieces of at most kMaxWrite.
int write_through(sqlite3_file* real, const char* src, sqlite3_int64 n, sqlite3_int64 offset) {
  for (sqlite3_int64 done = 0; done < n;) {
    const sqlite3_int64 piece = std::min(n - done, kMaxWrite);
    if (const int rc = real->pMethods->xWrite(real, src + done, static_cast<int>(piece), offset + done); rc != SQLITE_OK)
      return rc;
    done += piece;
  }
  return SQLITE_OK;
}

// Writes what is held. Held or failed, the bytes are let go: a failed write fails its commit, and
// SQLite writes those frames again in the next one.
int flush(WalFile* f) {
  const sqlite3_int64 n = f->size;
  f->size = 0;
  return write_through(f->shim.real, f->data, n, f->start);
}

int x_write(sqlite3_file* file, const void* src, int n, sqlite3_int64 offset) {
  WalFile* f = wal_of(file);
  const sqlite3_int64 end = offset + n;
  // Appended to the held bytes, or rewriting some of them (a frame its own transaction wrote
  // again): kept, in file order.
  if (f->size > 0 && offset >= f->start && offset <= f->start + f->size && end - f->start <= kCapacity) {
    std::memcpy(f->data + (offset - f->start), src, static_cast<std::size_t>(n));
    f->size = std::max(f->size, end - f->start);
    return SQLITE_OK;
  }
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  if (n > kCapacity) return write_through(f->shim.real, static_cast<const char*>(src), n, offset);
  std::memcpy(f->data, src, static_cast<std::size_t>(n));
  f->start = offset;
  f->size = n;
  return SQLITE_OK;
}

int x_read(sqlite3_file* file, void* dst, int n, sqlite3_int64 offset) {
  if (const int rc = flush(wal_of(file)); rc != SQLITE_OK) return rc;
  return real_file(file)->pMethods->xRead(real_file(file), dst, n, offset);
}

int x_sync(sqlite3_file* file, int flags) {
  if (const int rc = flush(wal_of(file)); rc != SQLITE_OK) return rc;
  return real_file(file)->pMethods->xSync(real_file(file), flags);
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (const int rc = flush(wal_of(file)); rc != SQLITE_OK) return rc;
  return real_file(file)->pMethods->xTruncate(real_file(file), size);
}

int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  if (const int rc = flush(wal_of(file)); rc != SQLITE_OK) return rc;
  return real_file(file)->pMethods->xFileSize(real_file(file), size);
}

int x_close(sqlite3_file* file) {
  WalFile* f = wal_of(file);
  const int flushed = flush(f);
  sqlite3_free(f->data);
  const int closed = f->shim.real->pMethods->xClose(f->shim.real);
  return flushed != SQLITE_OK ? flushed : closed;
}

const sqlite3_io_methods kWalMethods = [] {
  sqlite3_io_methods m = forwarding_io_methods();
  m.xWrite = x_write;
  m.xRead = x_read;
  m.xSync = x_sync;
  m.xTruncate = x_truncate;
  m.xFileSize = x_file_size;
  m.xClose = x_close;
  return m;
}();

// One buffering VFS per default VFS it was asked over (the tests install a fault-injecting one).
struct Registered {
  std::string name;
  sqlite3_vfs vfs;
};
std::mutex registry_mu;
std::map<sqlite3_vfs*, std::unique_ptr<Registered>> registry;

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* real_vfs = static_cast<sqlite3_vfs*>(vfs->pAppData);
  if (!(flags & SQLITE_OPEN_WAL)) return real_vfs->xOpen(real_vfs, name, file, flags, out_flags);
  auto* data = static_cast<char*>(sqlite3_malloc64(kCapacity));
  if (!data) return SQLITE_NOMEM;
  const int rc = open_real_file(real_vfs, name, file, sizeof(WalFile), flags, out_flags, &kWalMethods);
  if (!file->pMethods) {
    sqlite3_free(data);
    return rc;
  }
  WalFile* f = wal_of(file);
  f->data = data;
  f->start = 0;
  f->size = 0;
  return rc;
}

}  // namespace

const char* wal_write_buffer_vfs() {
  sqlite3_vfs* real_vfs = sqlite3_vfs_find(nullptr);
  std::lock_guard lock(registry_mu);
  auto& slot = registry[real_vfs];
  if (!slot) {
    slot = std::make_unique<Registered>();
    slot->name = std::string("cairn-wal-buffer-") + real_vfs->zName;
    slot->vfs = shim_vfs(*real_vfs, slot->name.c_str(), sizeof(WalFile), x_open);
    slot->vfs.pAppData = real_vfs;
    sqlite3_vfs_register(&slot->vfs, /*makeDflt=*/0);
  }
  return slot->name.c_str();
}

}  // namespace cairn::store
