// http_bench: bench.steps runs started over HTTP by N keep-alive connections, against the
// server's /healthz rate on the same connections (the baseline: what the HTTP layer alone can do).
// The /healthz rate is measured before and after the start phases; the baseline is their mean.
// Two ways a client uses it, each with steps=1 and steps=5:
//   fire:  each connection starts its next run as soon as the 201 arrives (a service placing
//          orders); at the end the bench waits until the server has completed every run it
//          started. completions/s = runs / (first start .. last completion), from /metrics.
//   wait:  each connection starts a run and long-polls it to completion before the next (a
//          synchronous caller); completions/s equals starts/s.
// Starts let the server choose the run's id, except two more fire steps=1 phases: one with ids of
// the client's own, one with an Idempotency-Key header on each start (as a service retrying its
// starts safely sends; the server still chooses the id), and a last fire phase with steps=0 (a run
// that completes at its start: the floor of what a durable start costs). Prints starts/s, start
// latency p50/p99, completions/s, starts/healthz, and the CPU the load generator used: all
// connections share one client thread (bench/load_connection.h).
//
//   http_bench [--connections 64] [--seconds 5] [--server http://HOST:PORT] [--cairn PATH]
//              [--sync full|normal]
// Without --server it starts `cairn serve --listen 127.0.0.1:0` on a temporary database (the
// binary is found beside this one: ../cli/cairn) and stops it with SIGTERM at the end.
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <utility>  // before asio/awaitable.hpp: Boost 1.74's header misses it under g++ 12

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "api/http_client.h"
#include "load_connection.h"

namespace {

using Clock = std::chrono::steady_clock;
using cairn::api::HttpClient;
using cairn::bench::LoadConnection;

struct Options {
  int connections = 64;
  double seconds = 5;
  std::string server;
  std::string cairn;
  std::string sync = "full";
};

struct Phase {
  std::uint64_t ops = 0;          // healthz answers, or starts
  std::uint64_t completions = 0;  // runs seen completed
  std::uint64_t errors = 0;
  double elapsed = 0;       // the phase: first start .. deadline
  double done_elapsed = 0;  // first start .. last completion
  Clock::time_point began;
  std::vector<double> latencies_ms;  // start latency
  double client_cores = 0;           // the load generator's CPU time / elapsed
};

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "http_bench: %s\n", why.c_str());
  std::exit(1);
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// One connection's loop: `step` until the phase's time is up (or the connection fails).
template <class Step>
boost::asio::awaitable<void> drive(LoadConnection& c, int conn, Clock::time_point deadline, Step& step, Phase& mine) {
  for (std::uint64_t n = 0; Clock::now() < deadline && !c.failed(); ++n) co_await step(c, conn, n, mine);
}

// Every connection runs `step` until the phase's time is up, all on this thread; the figures are
// summed. Also measures what the load generator itself cost (this thread's CPU time).
template <class Step>
Phase run_phase(const Options& o, const std::string& host, std::uint16_t port, Step step) {
  boost::asio::io_context io(1);
  std::vector<std::unique_ptr<LoadConnection>> conns;
  for (int i = 0; i < o.connections; ++i) {
    conns.push_back(std::make_unique<LoadConnection>(io, host, port));
    if (conns.back()->failed()) fail("cannot connect to the server");
  }
  std::vector<Phase> per(conns.size());
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  const double cpu_before = thread_cpu_seconds();
  for (std::size_t i = 0; i < conns.size(); ++i)
    boost::asio::co_spawn(io, drive(*conns[i], static_cast<int>(i), deadline, step, per[i]), boost::asio::detached);
  io.run();
  Phase total;
  total.began = start;
  total.elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  total.done_elapsed = total.elapsed;
  total.client_cores = (thread_cpu_seconds() - cpu_before) / total.elapsed;
  for (auto& p : per) {
    total.ops += p.ops;
    total.completions += p.completions;
    total.errors += p.errors;
    total.latencies_ms.insert(total.latencies_ms.end(), p.latencies_ms.begin(), p.latencies_ms.end());
  }
  std::sort(total.latencies_ms.begin(), total.latencies_ms.end());
  return total;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

// The steps below are coroutines run by drive(); they answer when their request(s) did.
using StepTask = boost::asio::awaitable<void>;

Phase healthz_phase(const Options& o, const std::string& host, std::uint16_t port) {
  return run_phase(o, host, port, [](LoadConnection& c, int, std::uint64_t, Phase& mine) -> StepTask {
    auto r = co_await c.request("GET", "/healthz");
    r.status == 200 ? ++mine.ops : ++mine.errors;
  });
}

// A start's body: with the client's id, or none (the server generates it, as most clients let it).
std::string steps_body(const std::string& id, int steps) {
  const std::string input = R"("input":{"steps":)" + std::to_string(steps) + "}}";
  return id.empty() ? R"({"type":"bench.steps",)" + input : R"({"type":"bench.steps","id":")" + id + R"(",)" + input;
}

// What names a fire phase's starts: the server's ids alone, the client's own ids, or the server's
// ids with an Idempotency-Key of the client's.
enum class Naming { kServerIds, kClientIds, kIdempotencyKeys };

// The client's name for its start (`tag`-connection-n).
std::string client_name(const std::string& tag, int conn, std::uint64_t n) {
  return tag + "-" + std::to_string(conn) + "-" + std::to_string(n);
}

// Starts one run (with Idempotency-Key `key` unless it is empty); its id (read from the 201 when
// the server chose it) and its latency recorded on 201, "" otherwise. Arguments by value: the
// coroutine outlives the caller's expression.
boost::asio::awaitable<std::string> start_run(LoadConnection& c, std::string id, int steps, Phase& mine,
                                              std::string key = {}) {
  auto t0 = Clock::now();
  cairn::api::HttpHeaders headers;
  if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
  auto r = co_await c.request("POST", "/v1/workflows", steps_body(id, steps), headers);
  constexpr std::string_view kId = R"({"id":")";  // the answer's first member
  if (r.status != 201 || !r.body.starts_with(kId)) {
    ++mine.errors;
    co_return "";
  }
  mine.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  ++mine.ops;
  if (id.empty()) id = r.body.substr(kId.size(), r.body.find('"', kId.size()) - kId.size());
  co_return id;
}

// The long poll that answers when run `id` has ended, and whether its answer says completed.
std::string wait_target(const std::string& id) { return "/v1/workflows/" + id + "?wait=60s"; }
bool says_completed(int status, const std::string& body) {
  return status == 200 && body.find("\"status\":\"completed\"") != std::string::npos;
}

bool completed(HttpClient& c, const std::string& id) {
  auto done = c.request("GET", wait_target(id));
  return done && says_completed(done->status, done->body);
}

Phase wait_phase(const Options& o, const std::string& host, std::uint16_t port, int steps) {
  return run_phase(o, host, port, [&](LoadConnection& c, int, std::uint64_t, Phase& mine) -> StepTask {
    std::string id = co_await start_run(c, "", steps, mine);
    if (id.empty()) co_return;
    auto done = co_await c.request("GET", wait_target(id));
    says_completed(done.status, done.body) ? ++mine.completions : ++mine.errors;
  });
}

// The server's count of runs ended with `status` (cairn_workflow_completions_total), -1 if unknown.
long long completions_total(HttpClient& c, const std::string& status) {
  auto r = c.request("GET", "/metrics");
  if (!r || r->status != 200) return -1;
  const std::string key = "cairn_workflow_completions_total{status=\"" + status + "\"} ";
  auto at = r->body.find(key);
  return at == std::string::npos ? -1 : std::atoll(r->body.c_str() + at + key.size());
}

Phase fire_phase(const Options& o, const std::string& host, std::uint16_t port, int steps, Naming naming) {
  const std::string tag = "hb" + std::to_string(getpid());
  HttpClient watch(host, port);
  const long long before = completions_total(watch, "completed");
  const long long failed_before = completions_total(watch, "failed");
  std::vector<std::string> last_ids(static_cast<std::size_t>(o.connections));
  Phase p = run_phase(o, host, port, [&](LoadConnection& c, int conn, std::uint64_t n, Phase& mine) -> StepTask {
    // Named before the co_await: g++ 12 destroys a `?:` temporary in a co_await's operands twice.
    std::string asked_id = naming == Naming::kClientIds ? client_name(tag, conn, n) : "";
    std::string key = naming == Naming::kIdempotencyKeys ? client_name(tag, conn, n) : "";
    std::string id = co_await start_run(c, std::move(asked_id), steps, mine, std::move(key));
    if (!id.empty()) last_ids[static_cast<std::size_t>(conn)] = id;
  });
  // Wait until the server completed every run started (polling its counter: no id list to walk).
  const auto give_up = Clock::now() + std::chrono::seconds(120);
  long long now_done = 0;
  while ((now_done = completions_total(watch, "completed") - before) < static_cast<long long>(p.ops) &&
         Clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  p.completions = static_cast<std::uint64_t>(std::max(0LL, now_done));
  p.done_elapsed = std::chrono::duration<double>(Clock::now() - p.began).count();
  p.errors += static_cast<std::uint64_t>(std::max(0LL, completions_total(watch, "failed") - failed_before));
  for (const auto& id : last_ids)  // spot check: each connection's last run, by id
    if (!id.empty() && !completed(watch, id)) ++p.errors;
  return p;
}

void report(const std::string& name, const Phase& p, double health_rate) {
  double starts = static_cast<double>(p.ops) / p.elapsed;
  std::printf("  %-24s %9.0f starts/s  p50 %.2f ms  p99 %.2f ms  %9.0f completions/s  "
              "starts/healthz %.1f %%  (client %.2f core, errors %llu)\n",
              name.c_str(), starts, percentile(p.latencies_ms, 0.50), percentile(p.latencies_ms, 0.99),
              static_cast<double>(p.completions) / p.done_elapsed, 100.0 * starts / health_rate, p.client_cores,
              static_cast<unsigned long long>(p.errors));
}

// The server under test: ours (a child process) or one given with --server.
class Target {
 public:
  explicit Target(const Options& o) {
    if (!o.server.empty()) {
      auto c = HttpClient::from_url(o.server);
      if (!c) fail(c.status().message());
      host_ = c->host();
      port_ = c->port();
      return;
    }
    dir_ = std::filesystem::temp_directory_path() / ("cairn-http-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    std::string cairn = o.cairn.empty()
                            ? (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "../cli/cairn").string()
                            : o.cairn;
    std::string db = (dir_ / "bench.db").string(), log = (dir_ / "serve.log").string();
    int out[2];
    if (pipe(out) != 0) fail("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      if (std::FILE* f = std::fopen(log.c_str(), "w")) dup2(fileno(f), 2);
      execl(cairn.c_str(), cairn.c_str(), "serve", "--listen", "127.0.0.1:0", "--db", db.c_str(), "--no-demo",
            "--sync", o.sync.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    ::close(out[1]);
    std::FILE* in = fdopen(out[0], "r");
    char line[256];
    while (std::fgets(line, sizeof line, in)) {
      std::string s = line;
      if (s.rfind("listening on ", 0) == 0) {
        port_ = static_cast<std::uint16_t>(std::stoi(s.substr(s.rfind(':') + 1)));
        break;
      }
    }
    std::fclose(in);
    if (!port_) fail("`" + cairn + " serve` did not start; see " + log);
    host_ = "127.0.0.1";
  }
  ~Target() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::fprintf(stderr, "http_bench: server exit status %d\n", status);
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  std::string describe() const {
    return pid_ > 0 ? "own `cairn serve` (temp db)" : "http://" + host_ + ":" + std::to_string(port_);
  }
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::string host_;
  std::uint16_t port_ = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail(a + " needs a value");
      return argv[++i];
    };
    if (a == "--connections") o.connections = std::max(1, std::atoi(value().c_str()));
    else if (a == "--seconds") o.seconds = std::max(0.5, std::atof(value().c_str()));
    else if (a == "--server") o.server = value();
    else if (a == "--cairn") o.cairn = value();
    else if (a == "--sync") o.sync = value();
    else fail("unknown option " + a + " (see the top of bench/http_bench.cpp)");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  Target target(o);
  // Wait for recovery to finish (own server: an empty database, so at once).
  for (HttpClient c(target.host(), target.port());;) {
    auto r = c.request("GET", "/readyz");
    if (r && r->status == 200) break;
    if (!r) fail("cannot reach the server: " + r.status().message());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::printf("http_bench: %d keep-alive connections, %.1f s per phase, server %s, sync=%s\n", o.connections,
              o.seconds, target.describe().c_str(), o.sync.c_str());
  // The baseline is measured before and after the start phases and averaged: on a shared VM the
  // /healthz rate alone moves by a third between minutes, and the ratio should compare like with like.
  auto healthz_rate = [&](const char* when) {
    Phase health = healthz_phase(o, target.host(), target.port());
    const double rate = static_cast<double>(health.ops) / health.elapsed;
    std::printf("  healthz %-16s %9.0f req/s  (client %.2f core, errors %llu)\n", when, rate,
                health.client_cores, static_cast<unsigned long long>(health.errors));
    return rate;
  };
  const double before = healthz_rate("before");
  // The server chooses the ids, except in one phase: with the client's own ids (64 interleaved
  // sequences here), each start also looks its id up and writes a leaf of the id index of its own.
  // With idempotency keys, it looks its key up and writes a leaf of the key index instead.
  std::vector<std::pair<std::string, Phase>> phases;
  for (int steps : {1, 5}) {
    const std::string s = std::to_string(steps);
    phases.emplace_back("fire steps=" + s, fire_phase(o, target.host(), target.port(), steps, Naming::kServerIds));
    if (steps == 1) {
      phases.emplace_back("fire steps=1, client ids",
                          fire_phase(o, target.host(), target.port(), steps, Naming::kClientIds));
      phases.emplace_back("fire steps=1, idem. keys",
                          fire_phase(o, target.host(), target.port(), steps, Naming::kIdempotencyKeys));
    }
    phases.emplace_back("wait steps=" + s, wait_phase(o, target.host(), target.port(), steps));
  }
  // The floor under the start phases: a run with no step, durable in one commit (no activity, no
  // second commit). Last, so that the phases above are measured as in earlier runs.
  phases.emplace_back("fire steps=0", fire_phase(o, target.host(), target.port(), 0, Naming::kServerIds));
  const double baseline = (before + healthz_rate("after")) / 2;
  std::printf("  healthz baseline         %9.0f req/s  (the mean of before and after)\n", baseline);
  for (const auto& [name, phase] : phases) report(name, phase, baseline);
  return 0;
}
