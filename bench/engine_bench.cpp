// engine_bench: the in-process engine on the 5-step no-op saga (bench.steps) at synchronous=FULL.
// Prints completed runs/s, start-to-complete p50/p99, CPU per run at concurrency 1, 64 and 1024;
// memory per evicted waiting run; and, measured in the same run on the same disk, the journal's
// hand-batched ceiling expressed in runs/s (the same rows a 5-step run writes, batched by hand).
//
//   engine_bench [--seconds S] [--waiting N] [--dir DIR] [--concurrency C]   (C: only that level)
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "cairn/cairn.h"
#include "engine/engine.h"
#include "store/store.h"
#include "workflows/bench_steps.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long rss_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * sysconf(_SC_PAGESIZE);
}

struct Fixture {
  std::string path;
  std::unique_ptr<cairn::store::Store> store;
  cairn::Registry registry;
  std::unique_ptr<cairn::engine::Engine> engine;

  Fixture(const std::string& dir, const std::string& name, std::size_t cache_size) {
    path = dir + "/" + name + ".db";
    cairn::store::remove_database_files(path);
    auto opened = cairn::store::open_sqlite_store({.path = path, .synchronous_full = true});
    if (!opened) throw std::runtime_error(opened.status().to_string());
    store = std::move(opened).value();
    cairn::register_bench_steps(registry);
    registry.workflow("bench.sleep", [](cairn::WorkflowContext& ctx, cairn::Json) -> cairn::Task<cairn::Json> {
      co_await ctx.sleep(1h);
      co_return nullptr;
    });
    engine = std::make_unique<cairn::engine::Engine>(
        *store, registry, cairn::engine::EngineOptions{.activity_threads = 4, .cache_size = cache_size});
    engine->start();
    if (!engine->ready()) throw std::runtime_error("engine not ready: " + engine->health());
  }
  ~Fixture() {
    engine.reset();
    store->close();
    store.reset();
    cairn::store::remove_database_files(path);
  }
};

struct Load {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> latencies_ms;
  std::size_t active = 0;
  bool stop = false;
  std::string error;
};

// One closed-loop client: start a run, wait for it to complete, repeat until told to stop.
void client(cairn::engine::Engine& engine, Load& load) {
  auto started = Clock::now();
  engine.start_run({"bench.steps", "", cairn::Json{{"steps", 5}, {"payload_bytes", 100}}, ""},
                   [&engine, &load, started](cairn::Result<cairn::engine::StartReply> r) {
                     if (!r) {
                       std::lock_guard lock(load.mu);
                       load.error = r.status().to_string();
                       --load.active;
                       load.cv.notify_all();
                       return;
                     }
                     engine.watch(r->id, engine.now() + 60000, false,
                                  [&engine, &load, started](cairn::Result<cairn::store::RunRecord> rec) {
                                    double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
                                    bool again;
                                    {
                                      std::lock_guard lock(load.mu);
                                      if (!rec || rec->status != cairn::store::RunStatus::kCompleted)
                                        load.error = rec ? "run ended " + std::string(cairn::store::run_status_name(rec->status))
                                                         : rec.status().to_string();
                                      else
                                        load.latencies_ms.push_back(ms);
                                      again = !load.stop && load.error.empty();
                                      if (!again) {
                                        --load.active;
                                        load.cv.notify_all();
                                      }
                                    }
                                    if (again) client(engine, load);
                                  });
                   });
}

struct Figures {
  double runs_per_s, p50_ms, p99_ms, cpu_ms_per_run;
  double batches_per_commit, commit_ms, commit_share;  // journal: group size, time in COMMIT (fsync)
};

Figures run_load(const std::string& dir, int concurrency, double seconds) {
  Fixture fx(dir, "engine-bench", 4096);
  Load load;
  load.active = static_cast<std::size_t>(concurrency);
  double cpu0 = cpu_seconds();
  const auto journal0 = fx.store->stats();
  auto t0 = Clock::now();
  for (int i = 0; i < concurrency; ++i) client(*fx.engine, load);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  {
    std::unique_lock lock(load.mu);
    load.stop = true;
    load.cv.wait(lock, [&] { return load.active == 0; });
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = cpu_seconds() - cpu0;
  if (!load.error.empty()) throw std::runtime_error(load.error);
  auto& l = load.latencies_ms;
  std::sort(l.begin(), l.end());
  auto pct = [&](double p) { return l.empty() ? 0.0 : l[std::min(l.size() - 1, static_cast<std::size_t>(p * l.size()))]; };
  const auto journal = fx.store->stats();
  const double commits = static_cast<double>(journal.commits - journal0.commits);
  const double commit_s = static_cast<double>(journal.commit_micros_total - journal0.commit_micros_total) / 1e6;
  return {l.size() / elapsed, pct(0.50), pct(0.99), l.empty() ? 0 : cpu * 1000 / l.size(),
          commits ? static_cast<double>(journal.batches - journal0.batches) / commits : 0,
          commits ? commit_s * 1000 / commits : 0, commit_s / elapsed};
}

// Memory of runs waiting on a timer after they were evicted (cache of 1,024 live runs).
double bytes_per_waiting_run(const std::string& dir, int n) {
  Fixture fx(dir, "engine-bench-waiting", 1024);
  long before = rss_bytes();
  std::atomic<int> done{0};
  std::mutex mu;
  std::condition_variable cv;
  for (int i = 0; i < n; ++i) {
    while (i - done.load() > 2000) std::this_thread::sleep_for(1ms);  // bench only: bounded in-flight
    fx.engine->start_run({"bench.sleep", "", cairn::Json::object(), ""}, [&](cairn::Result<cairn::engine::StartReply> r) {
      if (!r) std::fprintf(stderr, "start failed: %s\n", r.status().to_string().c_str());
      if (++done == n) cv.notify_all();
    });
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done == n; });
  long after = rss_bytes();
  std::printf("  %d runs waiting on 1 h timers: live in memory %zu, RSS %+.1f MiB\n", n,
              fx.engine->metrics().live_runs, (after - before) / 1048576.0);
  return static_cast<double>(after - before) / n;
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error(m);
  }
}

// The rows one 5-step run writes (1 run row, 7 events, 6 index updates), written by hand in
// transactions of 256 runs at synchronous=FULL: the ceiling no engine on this disk can pass.
double hand_batched_runs_per_s(const std::string& dir, double seconds) {
  std::string path = dir + "/hand-batched.db";
  cairn::store::remove_database_files(path);
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  exec(db, "CREATE TABLE runs(rk INTEGER PRIMARY KEY, id TEXT UNIQUE, status INT, last_seq INT, updated_at INT);"
           "CREATE TABLE events(rk INT, seq INT, type INT, cmd INT, at INT, data TEXT, PRIMARY KEY(rk, seq)) WITHOUT ROWID;");
  sqlite3_stmt *ins_run, *ins_ev, *upd;
  sqlite3_prepare_v2(db, "INSERT INTO runs(id, status, last_seq, updated_at) VALUES(?, 0, 0, 0)", -1, &ins_run, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO events(rk, seq, type, cmd, at, data) VALUES(?, ?, 3, ?, 0, ?)", -1, &ins_ev, nullptr);
  sqlite3_prepare_v2(db, "UPDATE runs SET last_seq = ?, updated_at = ? WHERE rk = ?", -1, &upd, nullptr);
  std::string payload = R"({"name":"bench.noop","result":")" + std::string(100, 'x') + R"(","attempt":1})";
  auto t0 = Clock::now();
  long runs = 0;
  while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds) {
    exec(db, "BEGIN");
    for (int r = 0; r < 256; ++r, ++runs) {
      std::string id = "run-" + std::to_string(runs);
      sqlite3_bind_text(ins_run, 1, id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_step(ins_run);
      sqlite3_reset(ins_run);
      sqlite3_int64 rk = sqlite3_last_insert_rowid(db);
      for (int seq = 1; seq <= 7; ++seq) {
        sqlite3_bind_int64(ins_ev, 1, rk);
        sqlite3_bind_int(ins_ev, 2, seq);
        sqlite3_bind_int(ins_ev, 3, seq);
        sqlite3_bind_text(ins_ev, 4, payload.c_str(), -1, SQLITE_STATIC);
        sqlite3_step(ins_ev);
        sqlite3_reset(ins_ev);
        if (seq > 1) {
          sqlite3_bind_int(upd, 1, seq);
          sqlite3_bind_int(upd, 2, seq);
          sqlite3_bind_int64(upd, 3, rk);
          sqlite3_step(upd);
          sqlite3_reset(upd);
        }
      }
    }
    exec(db, "COMMIT");
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  sqlite3_finalize(ins_run);
  sqlite3_finalize(ins_ev);
  sqlite3_finalize(upd);
  sqlite3_close(db);
  cairn::store::remove_database_files(path);
  return runs / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  int waiting = 100000;
  std::vector<int> levels = {1, 64, 1024};
  std::string dir = std::filesystem::current_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds") seconds = std::stod(argv[i + 1]);
    if (a == "--waiting") waiting = std::stoi(argv[i + 1]);
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--concurrency") levels = {std::stoi(argv[i + 1])};
  }
  try {
    std::printf("engine_bench: bench.steps (5 no-op steps, 100 B each), synchronous=FULL, %s\n", dir.c_str());
    double ceiling = hand_batched_runs_per_s(dir, seconds);
    std::printf("  hand-batched ceiling (same rows, 256 runs/txn): %.0f runs/s\n", ceiling);
    for (int c : levels) {
      auto f = run_load(dir, c, seconds);
      std::printf("  concurrency %4d: %7.0f runs/s (%.0f%% of ceiling)  p50 %6.2f ms  p99 %7.2f ms  CPU %.3f ms/run\n"
                  "                    journal: %.1f batches/commit, COMMIT %.2f ms each, %.0f%% of the time\n",
                  c, f.runs_per_s, 100 * f.runs_per_s / ceiling, f.p50_ms, f.p99_ms, f.cpu_ms_per_run,
                  f.batches_per_commit, f.commit_ms, 100 * f.commit_share);
    }
    if (waiting > 0) {
      double per_run = bytes_per_waiting_run(dir, waiting);
      std::printf("  memory per waiting run: %.0f bytes (target <= 2048)\n", per_run);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engine_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
