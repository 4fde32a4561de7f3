// Checkpointer: background WAL checkpoints, with the writer's own checkpoint as the bound.
#include "store/checkpointer.h"

#include <pthread.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>

#include "store/schema.h"

namespace cairn::store {

Result<std::unique_ptr<Checkpointer>> Checkpointer::open(const std::string& path, int pages) {
  auto db = std::make_unique<Db>();
  if (Status st = db->open(path, /*create=*/false, kBusyTimeoutMs); !st) return st;
  // A connection learns that the database is in WAL mode when it first reads it; until then
  // sqlite3_wal_checkpoint_v2() on it returns SQLITE_OK having done nothing (its frame counts -1).
  if (auto read = db->query_column("SELECT count(*) FROM sqlite_master", "store: open checkpointer"); !read)
    return read.status();
  return std::unique_ptr<Checkpointer>(new Checkpointer(std::move(db), pages));
}

Checkpointer::Checkpointer(std::unique_ptr<Db> db, int pages) : db_(std::move(db)), pages_(pages) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "cairn-checkpt");  // shown by top -H, perf, gdb (15 bytes at most)
    loop();
  });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  passed_.notify_all();
  thread_.join();
}

void Checkpointer::watch(Db& writer) { sqlite3_wal_hook(writer.get(), &Checkpointer::on_commit, this); }
void Checkpointer::unwatch(Db& writer) { sqlite3_wal_hook(writer.get(), nullptr, nullptr); }

// Called by SQLite on the writer thread after each commit, with the WAL's frame count.
int Checkpointer::on_commit(void* self, sqlite3* writer, const char* schema, int frames) {
  auto* c = static_cast<Checkpointer*>(self);
  if (frames >= 4 * c->pages_) {
    const int rc = sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    report_failure(rc, "writer", writer);
  } else if (frames >= c->pages_) {
    c->request();
  }
  return SQLITE_OK;  // a failed checkpoint never fails the commit that triggered it
}

void Checkpointer::request() {
  {
    std::lock_guard lock(mu_);
    if (requested_) return;
    requested_ = true;
  }
  wake_.notify_one();
}

void Checkpointer::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    lock.unlock();
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_->get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, &copied);
    report_failure(rc, "background", db_->get());
    lock.lock();
    if (copied > 0) ++passes_;
    passed_.notify_all();
  }
}

void Checkpointer::report_failure(int rc, const char* who, sqlite3* db) {
  // SQLITE_BUSY: the other side holds the checkpoint lock and does the work. Anything else (an I/O
  // error, a full disk) leaves the frames in the WAL, where they stay durable; the next pass retries.
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    std::fprintf(stderr, "cairn store: %s WAL checkpoint failed: %s\n", who, sqlite3_errmsg(db));
}

std::uint64_t Checkpointer::wait_for_passes(std::uint64_t n) {
  std::unique_lock lock(mu_);
  passed_.wait_for(lock, std::chrono::seconds(60), [&] { return passes_ >= n || stopping_; });
  return passes_;
}

}  // namespace cairn::store
