// cairn_torture: crash torture of `cairn serve`. Runs the real binary on a temporary database
// under a mixed load of order sagas over HTTP, SIGKILLs it at random moments (seeded; --seed
// replays the plan and the kill times), restarts it on the same database, then drives every order
// to its end and checks the invariants of checks.h. Exit 0 when none is violated, 1 otherwise,
// 2 on bad usage.
#include <fmt/format.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "api/http_client.h"
#include "tools/torture/checks.h"
#include "tools/torture/driver.h"
#include "tools/torture/plan.h"
#include "tools/torture/server.h"

namespace cairn::torture {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const char* const kUsage =
    "usage: cairn_torture [--cairn PATH] [--seed N] [--kills N] [--orders-per-kill N] [--workers N]\n"
    "                     [--min-up-ms N] [--max-up-ms N] [--drain-s N] [--keep]\n"
    "  --cairn PATH         the cairn binary (default: the one built beside this tool)\n"
    "  --seed N             PRNG seed for orders and kill times (default: random, printed)\n"
    "  --kills N            SIGKILLs of the server (default 25)\n"
    "  --orders-per-kill N  new orders started in each server lifetime (default 4)\n"
    "  --workers N          client threads (default 8)\n"
    "  --min-up-ms, --max-up-ms   a server lives a uniform random time between these (default 100, 1200)\n"
    "  --drain-s N          after the last kill, time allowed for every order to end (default 180)\n"
    "  --keep               keep the database directory even when nothing was violated\n";

struct Options {
  std::string cairn = CAIRN_BINARY;
  std::uint64_t seed = std::random_device{}();
  std::uint64_t kills = 25, orders_per_kill = 4, workers = 8, min_up_ms = 100, max_up_ms = 1200, drain_s = 180;
  bool keep = false;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--keep") {
      o.keep = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    if (a == "--cairn") {
      o.cairn = v;
      continue;
    }
    char* end = nullptr;
    const std::uint64_t n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end) return false;
    if (a == "--seed") o.seed = n;
    else if (a == "--kills") o.kills = n;
    else if (a == "--orders-per-kill") o.orders_per_kill = n;
    else if (a == "--workers" && n > 0) o.workers = n;
    else if (a == "--min-up-ms") o.min_up_ms = n;
    else if (a == "--max-up-ms") o.max_up_ms = n;
    else if (a == "--drain-s") o.drain_s = n;
    else return false;
  }
  return o.min_up_ms <= o.max_up_ms;
}

// Sets every SKU's stock on a fresh server, retrying while it still answers 503 (recovering).
Status set_stock(const Server& server) {
  api::HttpClient client("127.0.0.1", server.endpoint().port);
  const auto deadline = Clock::now() + 30s;
  for (const auto& s : skus()) {
    for (;;) {
      auto r = client.request("PUT", fmt::format("/v1/demo/inventory/{}/{}", s.seller_id, s.sku),
                              Json{{"available", kInitialStock}}.dump());
      if (r && r->status == 200) break;
      if (Clock::now() > deadline || (r && r->status != 503))
        return {Errc::kUnavailable, "cannot set stock: " + (r ? r->body : r.status().to_string())};
      server.wait_change(server.endpoint().generation, 20ms);  // a bounded pause: no event to await
    }
  }
  return Status::ok();
}

int run(const Options& o) {
  std::string dir = (std::filesystem::temp_directory_path() / "cairn-torture-XXXXXX").string();
  if (!mkdtemp(dir.data())) return std::perror("mkdtemp"), 1;
  std::printf("cairn_torture: seed %llu (replay with --seed %llu), %llu kills, database in %s\n",
              static_cast<unsigned long long>(o.seed), static_cast<unsigned long long>(o.seed),
              static_cast<unsigned long long>(o.kills), dir.c_str());
  std::fflush(stdout);
  const auto began = Clock::now();
  std::mt19937_64 rng(o.seed);
  Report report;
  Server server(o.cairn, dir + "/torture.db");
  if (Status s = server.start(); !s) return std::fprintf(stderr, "cairn_torture: %s\n", s.message().c_str()), 1;
  if (Status s = set_stock(server); !s) return std::fprintf(stderr, "cairn_torture: %s\n", s.message().c_str()), 1;

  std::deque<OrderPlan> plans;  // a deque: the driver holds pointers into it
  std::uint64_t kills = 0;
  {
    Driver driver(server, report, o.workers);
    std::uniform_int_distribution<std::uint64_t> up(o.min_up_ms, o.max_up_ms);
    for (; kills < o.kills; ++kills) {
      for (std::uint64_t i = 0; i < o.orders_per_kill; ++i) driver.add(plans.emplace_back(plan_order(plans.size() + 1, rng)));
      std::this_thread::sleep_for(std::chrono::milliseconds(up(rng)));  // the crash moment, not a synchronisation
      server.kill();
      if (Status s = server.start(); !s) {
        report.violation("restart after kill " + std::to_string(kills + 1) + " failed: " + s.message());
        break;
      }
      if ((kills + 1) % 50 == 0)
        std::printf("  %llu kills, %zu orders, %.0f s\n", static_cast<unsigned long long>(kills + 1), plans.size(),
                    std::chrono::duration<double>(Clock::now() - began).count());
      std::fflush(stdout);
    }
    if (!driver.wait_finished(std::chrono::seconds(o.drain_s)))
      for (const auto& p : plans)
        if (p.next < p.steps.size())
          report.violation(fmt::format("{} ({}) did not finish: stuck before step {} of {}", p.id, kind_name(p.kind), p.next + 1, p.steps.size()));
    driver.stop();
    std::printf("load: %llu requests, %llu without answer (server down), %llu answered 503/429, %llu starts acknowledged\n",
                static_cast<unsigned long long>(driver.counters().requests.load()),
                static_cast<unsigned long long>(driver.counters().no_answer.load()),
                static_cast<unsigned long long>(driver.counters().unavailable.load()),
                static_cast<unsigned long long>(driver.counters().acknowledged_starts.load()));
  }

  std::size_t runs = 0;
  std::vector<OrderPlan> all(plans.begin(), plans.end());
  for (const auto& p : all) runs += p.return_id.empty() ? 1 : 2;
  if (server.endpoint().port != 0) {
    api::HttpClient client("127.0.0.1", server.endpoint().port);
    check_all(client, all, report);
    if (int code = server.terminate(); code != 0) report.violation(fmt::format("SIGTERM: cairn serve exited {}", code));
  }

  const auto violations = report.violations();
  for (const auto& v : violations) std::printf("VIOLATION %s\n", v.c_str());
  std::printf("result: %zu runs (%zu orders), %llu kills, %zu violations, %.1f s, seed %llu\n", runs, all.size(),
              static_cast<unsigned long long>(kills), violations.size(),
              std::chrono::duration<double>(Clock::now() - began).count(), static_cast<unsigned long long>(o.seed));
  if (!violations.empty() || o.keep) {
    std::printf("database and server log kept in %s\n", dir.c_str());
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return violations.empty() ? 0 : 1;
}

}  // namespace
}  // namespace cairn::torture

int main(int argc, char** argv) {
  cairn::torture::Options options;
  if (!cairn::torture::parse(argc, argv, options)) {
    std::fputs(cairn::torture::kUsage, stderr);
    return 2;
  }
  return cairn::torture::run(options);
}
