// http_bench: bench.steps runs started over HTTP by N keep-alive connections, against the
// server's /healthz rate on the same connections (the baseline: what the HTTP layer alone can do).
// The /healthz rate is measured before and after the start phases; the baseline is their mean.
// Two ways a client uses it, each with steps=1 and steps=5:
//   fire:  each connection starts its next run as soon as the 201 arrives (a service placing
//          orders); at the end the bench waits until the server has completed every run it
//          started. completions/s = runs / (first start .. last completion), from /metrics.
//   wait:  each connection starts a run and long-polls it to completion before the next (a
//          synchronous caller); completions/s equals starts/s.
// Prints starts/s, start latency p50/p99, completions/s and the ratio starts/healthz.
//
//   http_bench [--connections 64] [--seconds 5] [--server http://HOST:PORT] [--cairn PATH]
//              [--sync full|normal]
// Without --server it starts `cairn serve --listen 127.0.0.1:0` on a temporary database (the
// binary is found beside this one: ../cli/cairn) and stops it with SIGTERM at the end.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using cairn::api::HttpClient;

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
};

// Each connection runs `step` until the phase's time is up; the figures are summed.
template <class Step>
Phase run_phase(const Options& o, const std::string& host, std::uint16_t port, Step step) {
  std::vector<Phase> per(static_cast<std::size_t>(o.connections));
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  auto deadline = std::make_shared<Clock::time_point>();
  for (int i = 0; i < o.connections; ++i)
    threads.emplace_back([&, i] {
      HttpClient c(host, port);
      Phase& mine = per[static_cast<std::size_t>(i)];
      ++ready;
      while (!go.load()) std::this_thread::yield();
      for (std::uint64_t n = 0; Clock::now() < *deadline; ++n) step(c, i, n, mine);
    });
  while (ready.load() < o.connections) std::this_thread::yield();
  auto start = Clock::now();
  *deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  go = true;
  for (auto& t : threads) t.join();
  Phase total;
  total.began = start;
  total.elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  total.done_elapsed = total.elapsed;
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

Phase healthz_phase(const Options& o, const std::string& host, std::uint16_t port) {
  return run_phase(o, host, port, [](HttpClient& c, int, std::uint64_t, Phase& mine) {
    auto r = c.request("GET", "/healthz");
    r && r->status == 200 ? ++mine.ops : ++mine.errors;
  });
}

std::string steps_body(const std::string& id, int steps) {
  return R"({"type":"bench.steps","id":")" + id + R"(","input":{"steps":)" + std::to_string(steps) + "}}";
}

// Starts one run; true (and its latency recorded) on 201.
bool start_run(HttpClient& c, const std::string& id, int steps, Phase& mine) {
  auto t0 = Clock::now();
  auto r = c.request("POST", "/v1/workflows", steps_body(id, steps));
  if (!r || r->status != 201) {
    ++mine.errors;
    return false;
  }
  mine.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  ++mine.ops;
  return true;
}

bool completed(HttpClient& c, const std::string& id) {
  auto done = c.request("GET", "/v1/workflows/" + id + "?wait=60s");
  return done && done->status == 200 && done->body.find("\"status\":\"completed\"") != std::string::npos;
}

Phase wait_phase(const Options& o, const std::string& host, std::uint16_t port, int steps, const std::string& tag) {
  return run_phase(o, host, port, [&](HttpClient& c, int conn, std::uint64_t n, Phase& mine) {
    std::string id = tag + "-" + std::to_string(conn) + "-" + std::to_string(n);
    if (!start_run(c, id, steps, mine)) return;
    completed(c, id) ? ++mine.completions : ++mine.errors;
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

Phase fire_phase(const Options& o, const std::string& host, std::uint16_t port, int steps, const std::string& tag) {
  HttpClient watch(host, port);
  const long long before = completions_total(watch, "completed");
  const long long failed_before = completions_total(watch, "failed");
  std::vector<std::string> last_ids(static_cast<std::size_t>(o.connections));
  Phase p = run_phase(o, host, port, [&](HttpClient& c, int conn, std::uint64_t n, Phase& mine) {
    std::string id = tag + "-" + std::to_string(conn) + "-" + std::to_string(n);
    if (start_run(c, id, steps, mine)) last_ids[static_cast<std::size_t>(conn)] = id;
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
  std::printf("  %s  %9.0f starts/s  p50 %.2f ms  p99 %.2f ms  %9.0f completions/s  "
              "starts/healthz %.1f %%  (errors %llu)\n",
              name.c_str(), starts, percentile(p.latencies_ms, 0.50), percentile(p.latencies_ms, 0.99),
              static_cast<double>(p.completions) / p.done_elapsed, 100.0 * starts / health_rate,
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
  [[noreturn]] static void fail(const std::string& why) {
    std::fprintf(stderr, "http_bench: %s\n", why.c_str());
    std::exit(1);
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
      if (i + 1 >= argc) Target::fail(a + " needs a value");
      return argv[++i];
    };
    if (a == "--connections") o.connections = std::max(1, std::atoi(value().c_str()));
    else if (a == "--seconds") o.seconds = std::max(0.5, std::atof(value().c_str()));
    else if (a == "--server") o.server = value();
    else if (a == "--cairn") o.cairn = value();
    else if (a == "--sync") o.sync = value();
    else Target::fail("unknown option " + a + " (see the top of bench/http_bench.cpp)");
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
    if (!r) Target::fail("cannot reach the server: " + r.status().message());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::printf("http_bench: %d keep-alive connections, %.1f s per phase, server %s, sync=%s\n", o.connections,
              o.seconds, target.describe().c_str(), o.sync.c_str());
  // The baseline is measured before and after the start phases and averaged: on a shared VM the
  // /healthz rate alone moves by a third between minutes, and the ratio should compare like with like.
  auto healthz_rate = [&] {
    Phase health = healthz_phase(o, target.host(), target.port());
    if (health.errors) std::printf("  healthz errors: %llu\n", static_cast<unsigned long long>(health.errors));
    return static_cast<double>(health.ops) / health.elapsed;
  };
  const double before = healthz_rate();
  std::printf("  healthz before         %9.0f req/s\n", before);
  std::string tag = "hb" + std::to_string(getpid());
  std::vector<std::pair<std::string, Phase>> phases;
  for (int steps : {1, 5}) {
    std::string t = tag + "s" + std::to_string(steps);
    phases.emplace_back("fire steps=" + std::to_string(steps), fire_phase(o, target.host(), target.port(), steps, t + "f"));
    phases.emplace_back("wait steps=" + std::to_string(steps), wait_phase(o, target.host(), target.port(), steps, t + "w"));
  }
  const double after = healthz_rate();
  const double baseline = (before + after) / 2;
  std::printf("  healthz after          %9.0f req/s  (baseline: the mean, %.0f req/s)\n", after, baseline);
  for (const auto& [name, phase] : phases) report(name, phase, baseline);
  return 0;
}
