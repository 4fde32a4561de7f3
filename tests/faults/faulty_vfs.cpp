// The shim: every file opened through it is wrapped; xWrite and xSync consult the armed fault,
// everything else forwards to the real file.
#include "faults/faulty_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace cairn::test {

namespace {

sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs shim_vfs;
std::atomic<int> armed_op{-1};  // -1: disarmed, else a FaultOp
std::atomic<std::int64_t> countdown{0};  // calls of the armed op left before the first failure
std::atomic<bool> persistent_fault{false};
std::atomic<std::int64_t> failures{0};

// A wrapped file: our sqlite3_file header, then (szOsFile bytes later) the real file.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

// True when this call of `op` must fail.
bool should_fail(FaultOp op) {
  if (armed_op.load() != static_cast<int>(op)) return false;
  const std::int64_t left = countdown.fetch_sub(1) - 1;
  const bool fail = left == 0 || (left < 0 && persistent_fault.load());
  if (fail) failures.fetch_add(1);
  return fail;
}

int x_close(sqlite3_file* f) { return real_of(f)->pMethods->xClose(real_of(f)); }
int x_read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) { return real_of(f)->pMethods->xRead(real_of(f), p, n, off); }
int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  if (should_fail(FaultOp::kWrite)) return SQLITE_IOERR_WRITE;
  return real_of(f)->pMethods->xWrite(real_of(f), p, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return real_of(f)->pMethods->xTruncate(real_of(f), size); }
// The sync gate: kAsked by hold_next_sync(), kHeld while an xSync waits in it, then kPass/kFail.
enum class Gate { kOpen, kAsked, kHeld, kPass, kFail };
std::mutex gate_mu;
std::condition_variable gate_cv;
Gate gate = Gate::kOpen;

// False when the held call must fail.
bool pass_gate() {
  std::unique_lock lock(gate_mu);
  if (gate != Gate::kAsked) return true;
  gate = Gate::kHeld;
  gate_cv.notify_all();
  gate_cv.wait(lock, [] { return gate == Gate::kPass || gate == Gate::kFail; });
  const bool pass = gate == Gate::kPass;
  gate = Gate::kOpen;
  if (!pass) failures.fetch_add(1);
  return pass;
}

int x_sync(sqlite3_file* f, int flags) {
  if (!pass_gate() || should_fail(FaultOp::kSync)) return SQLITE_IOERR_FSYNC;
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return real_of(f)->pMethods->xFileSize(real_of(f), size); }
int x_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xUnlock(real_of(f), level); }
int x_check_reserved_lock(sqlite3_file* f, int* out) { return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out); }
int x_file_control(sqlite3_file* f, int op, void* arg) { return real_of(f)->pMethods->xFileControl(real_of(f), op, arg); }
int x_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int x_device_characteristics(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) { return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags); }
void x_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int x_shm_unmap(sqlite3_file* f, int del) { return real_of(f)->pMethods->xShmUnmap(real_of(f), del); }
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) { return real_of(f)->pMethods->xFetch(real_of(f), off, n, out); }
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) { return real_of(f)->pMethods->xUnfetch(real_of(f), off, p); }

const sqlite3_io_methods kMethods = {3,          x_close,       x_read,
                                     x_write,    x_truncate,    x_sync,
                                     x_file_size, x_lock,       x_unlock,
                                     x_check_reserved_lock,     x_file_control,
                                     x_sector_size, x_device_characteristics,
                                     x_shm_map,  x_shm_lock,    x_shm_barrier,
                                     x_shm_unmap, x_fetch,      x_unfetch};

int x_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = reinterpret_cast<File*>(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  const int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  // The unix VFS's methods are version 3; the shim forwards every one of them.
  if (f->real->pMethods) f->base.pMethods = &kMethods;
  return rc;
}

}  // namespace

void FaultyVfs::install() {
  static std::once_flag once;
  std::call_once(once, [] {
    real_vfs = sqlite3_vfs_find(nullptr);
    shim_vfs = *real_vfs;
    shim_vfs.zName = "cairn-faulty";
    shim_vfs.szOsFile = static_cast<int>(sizeof(File)) + real_vfs->szOsFile;
    shim_vfs.xOpen = x_open;
    sqlite3_vfs_register(&shim_vfs, /*makeDflt=*/1);
  });
}

void FaultyVfs::arm(FaultOp op, std::int64_t nth, bool persistent) {
  armed_op.store(-1);
  countdown.store(nth);
  persistent_fault.store(persistent);
  armed_op.store(static_cast<int>(op));
}

void FaultyVfs::clear() { armed_op.store(-1); }

void FaultyVfs::hold_next_sync() {
  std::lock_guard lock(gate_mu);
  gate = Gate::kAsked;
}

void FaultyVfs::wait_for_held_sync() {
  std::unique_lock lock(gate_mu);
  gate_cv.wait(lock, [] { return gate == Gate::kHeld; });
}

void FaultyVfs::release_sync(bool fail) {
  std::lock_guard lock(gate_mu);
  gate = fail ? Gate::kFail : Gate::kPass;
  gate_cv.notify_all();
}

std::int64_t FaultyVfs::injected() { return failures.load(); }

}  // namespace cairn::test
