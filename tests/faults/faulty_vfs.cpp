// The shim: every file opened through it is wrapped; xWrite and xSync consult the armed fault,
// everything else forwards to the real file (store/vfs_shim.h).
#include "faults/faulty_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "store/vfs_shim.h"

namespace cairn::test {

namespace {

sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs faulty_vfs;
std::atomic<int> armed_op{-1};  // -1: disarmed, else a FaultOp
std::atomic<std::int64_t> countdown{0};  // calls of the armed op left before the first failure
std::atomic<bool> persistent_fault{false};
std::atomic<std::int64_t> failures{0};

// True when this call of `op` must fail.
bool should_fail(FaultOp op) {
  if (armed_op.load() != static_cast<int>(op)) return false;
  const std::int64_t left = countdown.fetch_sub(1) - 1;
  const bool fail = left == 0 || (left < 0 && persistent_fault.load());
  if (fail) failures.fetch_add(1);
  return fail;
}

int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  if (should_fail(FaultOp::kWrite)) return SQLITE_IOERR_WRITE;
  return store::real_file(f)->pMethods->xWrite(store::real_file(f), p, n, off);
}
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
  return store::real_file(f)->pMethods->xSync(store::real_file(f), flags);
}

const sqlite3_io_methods kMethods = [] {
  sqlite3_io_methods m = store::forwarding_io_methods();
  m.xWrite = x_write;
  m.xSync = x_sync;
  return m;
}();

int x_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  return store::open_real_file(real_vfs, name, file, sizeof(store::ShimFile), flags, out_flags, &kMethods);
}

}  // namespace

void FaultyVfs::install() {
  static std::once_flag once;
  std::call_once(once, [] {
    real_vfs = sqlite3_vfs_find(nullptr);
    faulty_vfs = store::shim_vfs(*real_vfs, "cairn-faulty", sizeof(store::ShimFile), x_open);
    sqlite3_vfs_register(&faulty_vfs, /*makeDflt=*/1);
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
