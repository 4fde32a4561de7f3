// Checkpointer: copies the WAL back into the database on its own thread and connection, so the
// writer's COMMIT never waits for a checkpoint (which copies up to kWalCheckpointPages pages and
// fsyncs the database: tens of milliseconds, the p99 of every commit it lands on).
//
// The writer's WAL hook asks for a pass once the WAL holds `pages` frames. A pass is PASSIVE: it
// copies the frames committed when it began, alongside new commits. The WAL is reused from its
// start by the first write after a pass that caught up with every frame; should the writer keep
// ahead of the passes until the WAL holds 4 x `pages` frames, the hook checkpoints on the writer
// itself, as SQLite's automatic checkpoint would, so the WAL stays bounded.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cairn/status.h"
#include "store/sqlite_db.h"

namespace cairn::store {

class Checkpointer {
 public:
  // Opens its connection on the database at `path` (prepared by open_writer) and starts its thread.
  static Result<std::unique_ptr<Checkpointer>> open(const std::string& path, int pages);
  ~Checkpointer();  // stops the thread after the pass under way
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Installs the WAL hook on the write connection `writer`; unwatch() removes it, before this is
  // destroyed, once no commit can run on `writer`.
  void watch(Db& writer);
  void unwatch(Db& writer);
  // Background passes that worked on the WAL (its frames checkpointed after them, not a no-op) so
  // far; waits (up to a minute) until there are at least `n`.
  std::uint64_t wait_for_passes(std::uint64_t n);

 private:
  Checkpointer(std::unique_ptr<Db> db, int pages);
  static int on_commit(void* self, sqlite3* writer, const char* schema, int frames);
  void request();
  void loop();
  static void report_failure(int rc, const char* who, sqlite3* db);

  std::unique_ptr<Db> db_;
  const int pages_;
  std::mutex mu_;
  std::condition_variable wake_;    // the thread: a pass is requested, or stop
  std::condition_variable passed_;  // wait_for_passes()
  bool requested_ = false;   // guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  std::uint64_t passes_ = 0;  // guarded by mu_: background passes that worked on the WAL
  std::thread thread_;
};

}  // namespace cairn::store
