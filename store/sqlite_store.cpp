// SqliteStore's write side: the queue, the writer thread and group commit, close and stats.
#include "store/sqlite_store.h"

#include <fmt/format.h>
#include <pthread.h>

#include <bit>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <span>
#include <string>
#include <utility>

#include "store/schema.h"

namespace cairn::store {

namespace {

constexpr std::size_t kHistogramBuckets = 10;  // 1, 2-3, 4-7, ..., 256-511, >=512

Status closed_status() { return Status(Errc::kUnavailable, "store: closed"); }

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  auto store = SqliteStore::open(options);
  if (!store) return store.status();
  return std::unique_ptr<Store>(std::move(store).value());
}

void remove_database_files(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-lock"}) std::filesystem::remove(path + suffix, ignored);
}

namespace {

// Every stored run id and idempotency key, in a filter with room for as many again. Each is read
// from its own index (the key's is partial: runs that have one).
Result<std::unique_ptr<IdFilter>> load_run_names(Db& db) {
  auto count = db.query_column("SELECT (SELECT count(*) FROM runs) + "
                               "(SELECT count(*) FROM runs WHERE idempotency_key <> '')",
                               "store: count run ids and idempotency keys");
  if (!count) return count.status();
  auto filter = std::make_unique<IdFilter>(2 * std::stoull(count->front()));
  for (const auto& [kind, sql] : {std::pair{IdFilter::Kind::kRunId, "SELECT id FROM runs"},
                                  std::pair{IdFilter::Kind::kIdempotencyKey,
                                            "SELECT idempotency_key FROM runs WHERE idempotency_key <> ''"}}) {
    const Status st = for_each_row_of(db, sql, "read run ids and idempotency keys",
                                      [&, kind = kind](const StmtRun& q) { filter->add(kind, q.view(0)); });
    if (!st) return st;
  }
  return filter;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  if (options.path.empty()) return Status(Errc::kInvalidArgument, "store: empty database path");
  if (options.max_batches_per_commit == 0 || options.read_connections == 0 ||
      options.max_page_count < 0) {
    return Status(Errc::kInvalidArgument,
                  "store: max_batches_per_commit and read_connections must be at least 1, "
                  "max_page_count not negative");
  }
  auto lock = ProcessLock::acquire(options.path);
  if (!lock) return lock.status();
  auto db = std::make_unique<Db>();
  if (Status st = open_writer(*db, options.path, options.synchronous_full, options.max_page_count); !st) {
    return st;
  }
  auto version = user_version(*db);
  if (!version) return version.status();
  auto checksummed_from = checksummed_from_rk(*db, *version);
  if (!checksummed_from) return checksummed_from.status();
  auto ids = load_run_names(*db);
  if (!ids) return ids.status();
  auto writer = BatchWriter::create(*db, **ids);
  if (!writer) return writer.status();
  auto readers = ReadPool::open(options.path, options.read_connections);
  if (!readers) return readers.status();
  auto checkpointer = Checkpointer::open(
      options.path, options.wal_checkpoint_pages > 0 ? options.wal_checkpoint_pages : kWalCheckpointPages);
  if (!checkpointer) return checkpointer.status();
  return std::unique_ptr<SqliteStore>(new SqliteStore(options, std::move(lock).value(), std::move(db),
                                                      std::move(ids).value(), std::move(writer).value(), std::move(readers).value(),
                                                      std::move(checkpointer).value(), *checksummed_from));
}

SqliteStore::SqliteStore(const SqliteOptions& options, ProcessLock lock, std::unique_ptr<Db> db,
                         std::unique_ptr<IdFilter> ids, std::unique_ptr<BatchWriter> writer,
                         std::unique_ptr<ReadPool> readers, std::unique_ptr<Checkpointer> checkpointer,
                         std::int64_t checksummed_from_rk)
    : options_(options), lock_(std::move(lock)), db_(std::move(db)), ids_(std::move(ids)), writer_(std::move(writer)),
      readers_(std::move(readers)), checkpointer_(std::move(checkpointer)),
      checksummed_from_rk_(checksummed_from_rk) {
  checkpointer_->watch(*db_);
  db_->report_corruption_to(&corruption_seen_);
  readers_->report_corruption_to(&corruption_seen_);
  stats_.batches_per_commit_histogram.assign(kHistogramBuckets, 0);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "cairn-writer");  // shown by top -H, perf, gdb
    writer_loop();
  });
  writer_id_ = thread_.get_id();
}

SqliteStore::~SqliteStore() { close(); }

void SqliteStore::enqueue(std::span<Item> items) {
  bool queued = false;
  std::vector<Item> spent;  // freed on this thread, which allocated most of it, after unlocking
  {
    std::lock_guard lk(mu_);
    spent.swap(spent_);
    if (!stopping_ || !writer_done_) {
      // After close() the writer still drains: queue the refusals so their callbacks keep their
      // place after every earlier batch's (invariant 4).
      for (Item& item : items) {
        item.rejected = stopping_;
        queue_.push_back(std::move(item));
      }
      queued = true;
    }
  }
  if (queued) {
    work_.notify_one();
    return;
  }
  for (Item& item : items)  // the writer is gone: every earlier callback ran
    if (item.done) item.done(BatchResult{closed_status()});
}

void SqliteStore::submit(JournalBatch batch, BatchCallback done) {
  Item item{std::move(batch), nullptr, std::move(done), nullptr};
  enqueue(std::span(&item, 1));
}

void SqliteStore::submit_all(std::vector<Submission> batches) {
  std::vector<Item> items;
  items.reserve(batches.size());
  for (Submission& s : batches) items.push_back(Item{std::move(s.batch), nullptr, std::move(s.done), nullptr});
  enqueue(items);
}

BatchResult SqliteStore::enqueue_and_wait(Item item) {
  if (on_writer_thread()) {
    return BatchResult{Status(Errc::kInternal, "store: a blocking store call from a store callback would deadlock")};
  }
  std::promise<BatchResult> done;
  auto result = done.get_future();
  item.done = [&done](BatchResult r) { done.set_value(std::move(r)); };
  enqueue(std::span(&item, 1));
  return result.get();
}

BatchResult SqliteStore::commit(JournalBatch batch) {
  // The batch stays in this frame: its memory is freed by the thread that allocated it.
  return enqueue_and_wait(Item{{}, &batch, nullptr, nullptr});
}

Status SqliteStore::transact(const std::function<Status(TableTx&)>& fn) {
  return enqueue_and_wait(Item{{}, nullptr, nullptr, [&fn](BatchWriter& w, BatchResult& out) {
                                 return w.transact(fn, out.status);
                               }}).status;
}

Status SqliteStore::TEST_set_max_page_count(std::int64_t pages) {
  return enqueue_and_wait(Item{{}, nullptr, nullptr, [pages](BatchWriter& w, BatchResult& out) {
                                 out.status = set_max_page_count(w.db(), pages);
                                 return Status::ok();
                               }}).status;
}

void SqliteStore::writer_loop() {
  std::vector<Item> items;
  std::vector<BatchResult> results;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      work_.wait(lk, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) {
        writer_done_ = true;
        return;
      }
      items.swap(queue_);
    }
    for (std::size_t first = 0; first < items.size(); first += options_.max_batches_per_commit) {
      const std::span<Item> group =
          std::span(items).subspan(first, std::min(options_.max_batches_per_commit, items.size() - first));
      results.assign(group.size(), BatchResult{});
      commit_group(group, results);
      // Callbacks in submission order, after COMMIT returned (invariants 1 and 4).
      for (std::size_t i = 0; i < group.size(); ++i)
        if (group[i].done) group[i].done(std::move(results[i]));
    }
    {
      std::lock_guard lk(mu_);
      if (spent_.empty()) spent_.swap(items);  // the next enqueue() frees them
    }
    items.clear();
  }
}

void SqliteStore::commit_group(std::span<Item> items, std::span<BatchResult> results) {
  bool any_work = false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].rejected) results[i].status = closed_status();
    any_work |= !items[i].rejected;
  }
  if (!any_work) return;

  Status failure = fault();
  if (failure.is_ok()) failure = writer_->begin();
  std::size_t failed_item = items.size();  // whose own write failed, if one did
  for (std::size_t i = 0; failure.is_ok() && i < items.size(); ++i) {
    Item& it = items[i];
    if (it.rejected) continue;
    failure = it.op ? it.op(*writer_, results[i]) : writer_->apply(it.journal(), results[i]);
    if (!failure.is_ok()) failed_item = i;
  }
  const auto start = std::chrono::steady_clock::now();
  if (failure.is_ok()) failure = writer_->commit();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start).count();

  std::uint64_t applied = 0;
  std::uint64_t events = 0;
  if (failure.is_ok()) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      results[i].failed_alone = !items[i].rejected && !results[i].status.is_ok();  // refused; the rest committed
      if (!results[i].applied || items[i].op) continue;
      ++applied;
      for (const Append& a : items[i].journal().appends) events += a.events.size();
    }
  } else {
    writer_->rollback();
    if (failed_item < items.size() && fails_alone(failure)) {
      // A write of that batch alone (a row a change outside Cairn put in its way): it fails, and
      // the batches before and after it are committed again without it.
      fmt::print(stderr, "cairn store: a batch failed on its own; the {} other(s) of its transaction are committed "
                 "again without it: {}\n",
                 items.size() - 1, failure.to_string());
      record(1, 0, 0, 0, failure);
      results[failed_item] = BatchResult{failure};
      results[failed_item].failed_alone = true;
      for (std::size_t i = 0; i < items.size(); ++i)
        if (i != failed_item && !items[i].rejected) results[i] = BatchResult{};
      commit_group(items.first(failed_item), results.first(failed_item));
      commit_group(items.subspan(failed_item + 1), results.subspan(failed_item + 1));
      return;
    }
    // Invariant 5: the whole transaction is gone; every batch in it fails with the error.
    if (const auto now = std::chrono::steady_clock::now(); now - rollback_logged_at_ >= std::chrono::seconds(1)) {
      fmt::print(stderr, "cairn store: a transaction of {} batches failed and was rolled back: {}{}\n", items.size(),
                 failure.to_string(),
                 unlogged_rollbacks_ ? fmt::format(" (and {} more since the last line)", unlogged_rollbacks_) : "");
      rollback_logged_at_ = now;
      unlogged_rollbacks_ = 0;
    } else {
      ++unlogged_rollbacks_;
    }
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!items[i].rejected) results[i] = BatchResult{failure};
  }
  record(items.size(), applied, events, static_cast<std::uint64_t>(micros), failure);
}

bool SqliteStore::fails_alone(const Status& failure) const {
  // Not the disk, the file or a lock: those would fail every batch the same way.
  const Errc code = failure.code();
  return fault().is_ok() && code != Errc::kIoError && code != Errc::kDiskFull && code != Errc::kUnavailable;
}

void SqliteStore::record(std::size_t group_size, std::uint64_t applied, std::uint64_t events,
                         std::uint64_t commit_micros, const Status& failure) {
  std::lock_guard lk(stats_mu_);
  if (!failure.is_ok()) {
    ++stats_.failed_commits;
    stats_.last_error = failure;
    return;
  }
  ++stats_.commits;
  stats_.batches += applied;
  stats_.batches_grouped += group_size;
  stats_.events += events;
  stats_.commit_micros_total += commit_micros;
  const std::size_t bucket = std::bit_width(group_size) - 1;  // 1 -> 0, 2-3 -> 1, 4-7 -> 2, ...
  ++stats_.batches_per_commit_histogram[std::min(bucket, kHistogramBuckets - 1)];
}

Status SqliteStore::fault() const {
  if (!corruption_seen_.load(std::memory_order_relaxed)) return Status::ok();
  return Status(Errc::kCorruption,
                fmt::format("store: {} is damaged (SQLite reported corruption while it was open); every write is "
                            "refused from now on: stop the server, keep the file, restore from a backup "
                            "(docs/operations.md)",
                            options_.path));
}

Status SqliteStore::free_space() const {
  std::error_code ec;
  const auto space = std::filesystem::space(options_.path, ec);
  if (ec || static_cast<std::int64_t>(space.available) >= options_.min_free_bytes) return Status::ok();
  return Status(Errc::kDiskFull, fmt::format("store: {} MiB free on the volume of {}, less than the {} MiB kept in "
                                             "reserve for the journal (docs/operations.md)",
                                             space.available >> 20, options_.path, options_.min_free_bytes >> 20));
}

Status SqliteStore::health() {
  if (Status damaged = fault(); !damaged.is_ok()) return damaged;
  return free_space();
}

StoreStats SqliteStore::stats() {
  StoreStats s;
  {
    std::lock_guard lk(stats_mu_);
    s = stats_;
  }
  std::lock_guard lk(mu_);
  s.queue_depth = queue_.size();
  return s;
}

void SqliteStore::close() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  // From a callback the writer cannot join itself; it exits once this group is done and the
  // destructor joins it.
  if (on_writer_thread()) return;
  std::call_once(joined_, [this] {
    thread_.join();
    checkpointer_->unwatch(*db_);  // no commit can call it now; it stops before db_ closes
  });
}

std::uint64_t SqliteStore::TEST_wait_checkpoints(std::uint64_t n) { return checkpointer_->wait_for_passes(n); }

}  // namespace cairn::store
