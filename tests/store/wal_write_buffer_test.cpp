// The write connection's WAL writes are gathered (store/wal_write_buffer.h): a commit reaches the
// file system in a few large writes rather than two per page, its events read back intact, and
// at synchronous=NORMAL, where gathering would be unsafe, the writes go through as SQLite makes them.
#include <doctest/doctest.h>

#include <atomic>

#include "store/store_test_util.h"
#include "store/vfs_shim.h"

namespace cairn::store {
namespace {

// A VFS installed as the default for its lifetime that counts the writes to -wal files.
class CountingVfs {
 public:
  CountingVfs() {
    previous_ = sqlite3_vfs_find(nullptr);
    vfs_ = shim_vfs(*previous_, "cairn-test-counting", sizeof(File), x_open);
    vfs_.pAppData = previous_;
    sqlite3_vfs_register(&vfs_, /*makeDflt=*/1);
  }
  ~CountingVfs() {
    sqlite3_vfs_register(previous_, /*makeDflt=*/1);
    sqlite3_vfs_unregister(&vfs_);
  }
  CountingVfs(const CountingVfs&) = delete;
  CountingVfs& operator=(const CountingVfs&) = delete;

  static void reset() { writes = bytes = 0; }
  static inline std::atomic<std::int64_t> writes{0};
  static inline std::atomic<std::int64_t> bytes{0};

 private:
  struct File {
    ShimFile shim;
    bool wal;
  };
  static int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
    if (reinterpret_cast<File*>(f)->wal) {
      ++writes;
      bytes += n;
    }
    return real_file(f)->pMethods->xWrite(real_file(f), p, n, off);
  }
  static inline const sqlite3_io_methods kMethods = [] {
    sqlite3_io_methods m = forwarding_io_methods();
    m.xWrite = x_write;
    return m;
  }();
  static int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    auto* real = static_cast<sqlite3_vfs*>(vfs->pAppData);
    const int rc = open_real_file(real, name, file, sizeof(File), flags, out_flags, &kMethods);
    reinterpret_cast<File*>(file)->wal = (flags & SQLITE_OPEN_WAL) != 0;
    return rc;
  }

  sqlite3_vfs* previous_;
  sqlite3_vfs vfs_;
};

// A WAL frame: its 24-byte header and a page (SQLite's default 4 KiB pages).
constexpr std::int64_t kFrameBytes = 24 + 4096;

// 200 SideEffect events of ~1 KiB each after seq 1: some 50 pages of WAL.
JournalBatch wide_append(const std::string& id) {
  JournalBatch b;
  b.now = 2000;
  Append a{id, 1, {}, {}};
  for (int i = 0; i < 200; ++i) a.events.push_back(test::event(EventType::kSideEffect, "\"" + std::string(1000, 'a' + i % 26) + "\"", i + 2));
  b.appends.push_back(std::move(a));
  return b;
}

TEST_SUITE("store") {

TEST_CASE("at synchronous=FULL a commit reaches the WAL in a few large writes, and reads back whole") {
  CountingVfs counting;
  test::TempDir dir;
  auto opts = test::options_in(dir);
  {
    auto s = test::open_store(opts);
    test::commit_ok(*s, test::create_batch("r"));
    CountingVfs::reset();
    test::commit_ok(*s, wide_append("r"));
    const std::int64_t frames = CountingVfs::bytes / kFrameBytes;
    CHECK(frames >= 50);
    // Two writes per frame without the buffer; here one per 124 KiB (the unix VFS's largest write).
    CHECK_MESSAGE(CountingVfs::writes <= CountingVfs::bytes / (124 * 1024) + 1, CountingVfs::writes.load(),
                  " writes for ", frames, " frames");
  }
  auto s = test::open_store(opts);
  auto history = s->load_history("r", 0, 0);
  REQUIRE(history);
  REQUIRE(history->size() == 201);
  for (int i = 0; i < 200; ++i) CHECK(history->at(i + 1).data == "\"" + std::string(1000, 'a' + i % 26) + "\"");
}

TEST_CASE("at synchronous=NORMAL the WAL is written as SQLite writes it: a commit is published without a sync") {
  CountingVfs counting;
  test::TempDir dir;
  auto opts = test::options_in(dir);
  opts.synchronous_full = false;
  auto s = test::open_store(opts);
  test::commit_ok(*s, test::create_batch("r"));
  CountingVfs::reset();
  test::commit_ok(*s, wide_append("r"));
  CHECK(CountingVfs::bytes / kFrameBytes >= 50);
  CHECK(CountingVfs::writes == 2 * (CountingVfs::bytes / kFrameBytes));
  CHECK(s->load_history("r", 0, 0)->size() == 201);
}

}  // TEST_SUITE

}  // namespace
}  // namespace cairn::store
