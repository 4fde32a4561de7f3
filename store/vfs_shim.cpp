// Forwarding io methods and the open of a real file behind a shim's header (vfs_shim.h).
#include "store/vfs_shim.h"

namespace cairn::store {

namespace {

int x_close(sqlite3_file* f) { return real_file(f)->pMethods->xClose(real_file(f)); }
int x_read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) { return real_file(f)->pMethods->xRead(real_file(f), p, n, off); }
int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  return real_file(f)->pMethods->xWrite(real_file(f), p, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return real_file(f)->pMethods->xTruncate(real_file(f), size); }
int x_sync(sqlite3_file* f, int flags) { return real_file(f)->pMethods->xSync(real_file(f), flags); }
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return real_file(f)->pMethods->xFileSize(real_file(f), size); }
int x_lock(sqlite3_file* f, int level) { return real_file(f)->pMethods->xLock(real_file(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real_file(f)->pMethods->xUnlock(real_file(f), level); }
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_file(f)->pMethods->xCheckReservedLock(real_file(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) { return real_file(f)->pMethods->xFileControl(real_file(f), op, arg); }
int x_sector_size(sqlite3_file* f) { return real_file(f)->pMethods->xSectorSize(real_file(f)); }
int x_device_characteristics(sqlite3_file* f) { return real_file(f)->pMethods->xDeviceCharacteristics(real_file(f)); }
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real_file(f)->pMethods->xShmMap(real_file(f), region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_file(f)->pMethods->xShmLock(real_file(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real_file(f)->pMethods->xShmBarrier(real_file(f)); }
int x_shm_unmap(sqlite3_file* f, int del) { return real_file(f)->pMethods->xShmUnmap(real_file(f), del); }
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return real_file(f)->pMethods->xFetch(real_file(f), off, n, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) { return real_file(f)->pMethods->xUnfetch(real_file(f), off, p); }

}  // namespace

sqlite3_io_methods forwarding_io_methods() {
  return {3,           x_close,       x_read,    x_write,   x_truncate,
          x_sync,      x_file_size,   x_lock,    x_unlock,  x_check_reserved_lock,
          x_file_control, x_sector_size, x_device_characteristics,
          x_shm_map,   x_shm_lock,    x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch};
}

int open_real_file(sqlite3_vfs* real_vfs, const char* name, sqlite3_file* file, std::size_t header_bytes,
                   int flags, int* out_flags, const sqlite3_io_methods* methods) {
  auto* shim = reinterpret_cast<ShimFile*>(file);
  shim->base.pMethods = nullptr;
  shim->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + header_bytes);
  const int rc = real_vfs->xOpen(real_vfs, name, shim->real, flags, out_flags);
  // The unix VFS's methods are version 3, and a shim forwards every one of them.
  if (shim->real->pMethods) shim->base.pMethods = methods;
  return rc;
}

sqlite3_vfs shim_vfs(const sqlite3_vfs& real_vfs, const char* name, std::size_t header_bytes,
                     int (*open)(sqlite3_vfs*, const char*, sqlite3_file*, int, int*)) {
  sqlite3_vfs vfs = real_vfs;
  vfs.zName = name;
  vfs.szOsFile = static_cast<int>(header_bytes) + real_vfs.szOsFile;
  vfs.xOpen = open;
  vfs.pNext = nullptr;
  return vfs;
}

}  // namespace cairn::store
