// Journal benchmark: SqliteStore appends with 1, 16 and 64 concurrent appenders (append one event,
// wait for the ack, repeat: a workflow step), against two raw SQLite baselines measured in the
// same run, on the same disk, at the same synchronous setting: single-row autocommit inserts, and
// a hand-batched insert loop with as many rows per transaction as the store achieved (the ceiling).
//
// The disk is shared and noisy, so store(64) and both baselines run back to back in --rounds
// rounds and the medians are reported (each round's ratio compares neighbours in time).
//
//   journal_bench [--seconds N] [--rounds N] [--dir DIR] [--normal]
#include <fmt/format.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/vfs.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_db.h"
#include "store/store.h"

namespace {

using cairn::Status;
using cairn::store::Db;
using cairn::store::StmtRun;
using Clock = std::chrono::steady_clock;

constexpr const char* kPayload = R"({"name":"payment.authorize","result":{"ok":true,"id":"auth_0123456789"},"attempt":1})";

struct Config {
  double seconds = 3;
  int rounds = 3;
  std::string dir;  // empty: a fresh directory under $TMPDIR or /tmp, refused if tmpfs
  bool synchronous_full = true;
};

struct Figures {
  double rows_per_s = 0;
  double commits_per_s = 0;
  double rows_per_commit = 0;
};

[[noreturn]] void die(const std::string& why) {
  fmt::print(stderr, "journal_bench: {}\n", why);
  std::exit(1);
}

void check(const Status& st) {
  if (!st) die(st.to_string());
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// n appenders, each on its own run, each waiting for its ack before the next append.
Figures bench_store(const Config& cfg, int n, const std::string& name) {
  cairn::store::SqliteOptions opts;
  opts.path = fmt::format("{}/{}.db", cfg.dir, name);
  opts.synchronous_full = cfg.synchronous_full;
  auto opened = cairn::store::open_sqlite_store(opts);
  if (!opened) die(opened.status().to_string());
  cairn::store::Store& store = **opened;
  for (int i = 0; i < n; ++i) {
    cairn::store::JournalBatch b;
    b.create = cairn::store::CreateRun{fmt::format("run-{}", i), "bench", 1, "{}", "", "", 0};
    if (!store.commit(std::move(b)).applied) die("create failed");
  }
  const cairn::store::StoreStats before = store.stats();
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> rows{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      const std::string id = fmt::format("run-{}", i);
      std::int64_t seq = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        cairn::store::JournalBatch b;
        b.appends.push_back(cairn::store::Append{
            id, seq, {cairn::store::NewEvent{cairn::store::EventType::kActivityCompleted, seq + 1, 0, kPayload}}, {}});
        const cairn::store::BatchResult r = store.commit(std::move(b));
        if (!r.applied) die("append failed: " + r.status.to_string());
        ++seq;
      }
      rows += static_cast<std::uint64_t>(seq);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = seconds_since(start);
  const auto commits = store.stats().commits - before.commits;
  return {static_cast<double>(rows) / elapsed, static_cast<double>(commits) / elapsed,
          static_cast<double>(rows) / static_cast<double>(commits)};
}

// A raw connection with the store's PRAGMAs and its events table.
void open_baseline(Db& db, const Config& cfg, const std::string& name) {
  check(db.open(fmt::format("{}/{}.db", cfg.dir, name), true, 5000));
  auto mode = db.query_column("PRAGMA journal_mode = WAL", "baseline: journal_mode");
  if (!mode) die(mode.status().to_string());
  check(db.exec(cfg.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", "baseline"));
  check(db.exec("CREATE TABLE events(rk INTEGER NOT NULL, seq INTEGER NOT NULL, type INTEGER NOT NULL, "
                "cmd INTEGER NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY(rk, seq)) WITHOUT ROWID",
                "baseline: schema"));
}

// Inserts rows spread over 64 runs, `per_tx` rows per transaction (1 = autocommit).
Figures bench_raw(const Config& cfg, const std::string& name, int per_tx) {
  Db db;
  open_baseline(db, cfg, name);
  auto insert = db.cached("INSERT INTO events(rk, seq, type, cmd, at, data) VALUES(?1, ?2, 3, ?2, 0, ?3)");
  if (!insert) die(insert.status().to_string());
  std::uint64_t rows = 0;
  std::uint64_t commits = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(cfg.seconds);
  while (Clock::now() < deadline) {
    if (per_tx > 1) check(db.exec("BEGIN IMMEDIATE", "baseline: begin"));
    for (int i = 0; i < per_tx; ++i, ++rows) {
      StmtRun q(*insert);
      q.bind(1, static_cast<std::int64_t>(rows % 64)).bind(2, static_cast<std::int64_t>(rows / 64 + 1)).bind(3, kPayload);
      if (const int rc = q.step(); rc != SQLITE_DONE) check(db.status(rc, "baseline: insert"));
    }
    if (per_tx > 1) check(db.exec("COMMIT", "baseline: commit"));
    ++commits;
  }
  const double elapsed = seconds_since(start);
  return {static_cast<double>(rows) / elapsed, static_cast<double>(commits) / elapsed, static_cast<double>(per_tx)};
}

Config parse_args(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      cfg.seconds = std::stod(argv[++i]);
    } else if (arg == "--rounds" && i + 1 < argc) {
      cfg.rounds = std::max(1, std::stoi(argv[++i]));
    } else if (arg == "--dir" && i + 1 < argc) {
      cfg.dir = argv[++i];
    } else if (arg == "--normal") {
      cfg.synchronous_full = false;
    } else {
      die(fmt::format("unknown argument \"{}\"; usage: journal_bench [--seconds N] [--rounds N] [--dir DIR] [--normal]", arg));
    }
  }
  return cfg;
}

// A fresh directory on a real disk: the figures mean nothing on tmpfs (fsync is free there).
std::string make_dir(const std::string& parent) {
  struct statfs fs {};
  if (statfs(parent.c_str(), &fs) != 0) die(fmt::format("cannot stat {}: {}", parent, std::strerror(errno)));
  if (fs.f_type == TMPFS_MAGIC) die(fmt::format("{} is tmpfs; pass --dir on the disk under test", parent));
  std::string tmpl = parent + "/cairn-journal-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) die(fmt::format("cannot create a directory in {}", parent));
  return tmpl;
}

void row(const std::string& name, const Figures& f) {
  fmt::print("{:<34} {:>12.0f} {:>12.0f} {:>15.1f}\n", name, f.rows_per_s, f.commits_per_s, f.rows_per_commit);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg = parse_args(argc, argv);
  const std::string parent = cfg.dir.empty() ? std::filesystem::temp_directory_path().string() : cfg.dir;
  cfg.dir = make_dir(parent);
  fmt::print("journal_bench: {} s per case, {} rounds, synchronous={}, in {}\n", cfg.seconds, cfg.rounds,
             cfg.synchronous_full ? "FULL" : "NORMAL", cfg.dir);
  fmt::print("{:<34} {:>12} {:>12} {:>15}\n", "case", "rows/s", "commits/s", "rows/commit");

  row("store, 1 appender", bench_store(cfg, 1, "store-1"));
  row("store, 16 appenders", bench_store(cfg, 16, "store-16"));
  std::vector<double> store64;
  std::vector<double> vs_hand;
  std::vector<double> vs_autocommit;
  for (int r = 0; r < cfg.rounds; ++r) {
    const Figures store = bench_store(cfg, 64, fmt::format("store-64-{}", r));
    row(fmt::format("store, 64 appenders (round {})", r + 1), store);
    const int per_tx = std::max(1, static_cast<int>(std::lround(store.rows_per_commit)));
    const Figures hand = bench_raw(cfg, fmt::format("hand-batched-{}", r), per_tx);
    row(fmt::format("  hand-batched, {} rows/tx", per_tx), hand);
    const Figures autocommit = bench_raw(cfg, fmt::format("autocommit-{}", r), 1);
    row("  autocommit inserts", autocommit);
    store64.push_back(store.rows_per_s);
    vs_hand.push_back(store.rows_per_s / hand.rows_per_s);
    vs_autocommit.push_back(store.rows_per_s / autocommit.rows_per_s);
  }
  fmt::print("store(64), median rows/s:             {:.0f}\n", median(store64));
  fmt::print("store(64) / hand-batched, median:     {:.2f} (target >= 0.70)\n", median(vs_hand));
  fmt::print("store(64) / autocommit, median:       {:.1f}x (target >= 10x)\n", median(vs_autocommit));
  std::filesystem::remove_all(cfg.dir);
  return 0;
}
