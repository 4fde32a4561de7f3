// /metrics: engine counters, journal commit figures, queue depths, stuck runs, HTTP counters.
#include "api/metrics.h"

#include <fmt/format.h>

#include "store/journal_format.h"

namespace cairn::api {

namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void sample(std::string& out, std::string_view name, std::string_view type, std::string_view help, double value) {
  family(out, name, type, help);
  fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
}

// Counts stuck runs by paging through search; capped so a scrape stays cheap.
std::int64_t count_stuck(engine::Engine& engine) {
  constexpr int kMaxPages = 10;
  store::RunFilter filter;
  filter.stuck = true;
  filter.limit = 1000;
  std::int64_t n = 0;
  for (int page = 0; page < kMaxPages; ++page) {
    auto r = engine.search(filter);
    if (!r) return -1;
    n += static_cast<std::int64_t>(r->runs.size());
    if (r->next_cursor.empty()) break;
    filter.cursor = r->next_cursor;
  }
  return n;
}

}  // namespace

std::string prometheus_text(Context& ctx) {
  std::string out;
  engine::EngineMetrics m = ctx.engine.metrics();
  store::StoreStats s = ctx.engine.store_stats();

  sample(out, "cairn_ready", "gauge", "1 once recovery finished and the store is writable",
         ctx.engine.ready() && ctx.engine.health().empty() ? 1 : 0);
  sample(out, "cairn_workflow_starts_total", "counter", "Runs created", static_cast<double>(m.starts));
  family(out, "cairn_workflow_completions_total", "counter", "Runs that reached a terminal status, by status");
  for (int i = static_cast<int>(store::RunStatus::kCompleted); i <= static_cast<int>(store::RunStatus::kTerminated); ++i)
    fmt::format_to(std::back_inserter(out), "cairn_workflow_completions_total{{status=\"{}\"}} {}\n",
                   store::run_status_name(static_cast<store::RunStatus>(i)), m.completions[i]);
  sample(out, "cairn_activity_attempts_total", "counter", "Activity attempts started", static_cast<double>(m.activity_attempts));
  sample(out, "cairn_activity_failures_total", "counter", "Activity attempts that failed", static_cast<double>(m.activity_failures));
  sample(out, "cairn_replays_total", "counter", "Runs replayed from their journal", static_cast<double>(m.replays));
  sample(out, "cairn_evictions_total", "counter", "Runs evicted from the cache", static_cast<double>(m.evictions));
  sample(out, "cairn_live_runs", "gauge", "Runs in memory", static_cast<double>(m.live_runs));
  sample(out, "cairn_engine_queue_depth", "gauge", "Control calls waiting for the workflow thread",
         static_cast<double>(m.queued_requests));
  sample(out, "cairn_activities_in_flight", "gauge", "Activity attempts running", static_cast<double>(m.activities_in_flight));
  sample(out, "cairn_timers_armed", "gauge", "Durable timers armed", static_cast<double>(m.timers_armed));
  sample(out, "cairn_stuck_runs", "gauge", "Runs in status stuck (capped at 10000)", static_cast<double>(count_stuck(ctx.engine)));

  sample(out, "cairn_journal_commits_total", "counter", "Journal transactions committed", static_cast<double>(s.commits));
  sample(out, "cairn_journal_events_total", "counter", "Journal events appended", static_cast<double>(s.events));
  sample(out, "cairn_journal_failed_commits_total", "counter", "Journal transactions that failed",
         static_cast<double>(s.failed_commits));
  sample(out, "cairn_journal_queue_depth", "gauge", "Batches waiting for the journal writer", static_cast<double>(s.queue_depth));
  family(out, "cairn_journal_commit_seconds", "summary", "Time spent in COMMIT (fsync included)");
  fmt::format_to(std::back_inserter(out), "cairn_journal_commit_seconds_sum {}\ncairn_journal_commit_seconds_count {}\n",
                 static_cast<double>(s.commit_micros_total) / 1e6, s.commits);
  family(out, "cairn_journal_batches_per_commit", "histogram", "Batches grouped into one commit");
  std::uint64_t cumulative = 0;
  const auto& h = s.batches_per_commit_histogram;
  for (std::size_t i = 0; i < h.size(); ++i) {
    cumulative += h[i];
    std::string le = i + 1 == h.size() ? "+Inf" : std::to_string((std::uint64_t{2} << i) - 1);
    fmt::format_to(std::back_inserter(out), "cairn_journal_batches_per_commit_bucket{{le=\"{}\"}} {}\n", le, cumulative);
  }
  if (h.empty()) fmt::format_to(std::back_inserter(out), "cairn_journal_batches_per_commit_bucket{{le=\"+Inf\"}} {}\n", s.commits);
  fmt::format_to(std::back_inserter(out), "cairn_journal_batches_per_commit_sum {}\ncairn_journal_batches_per_commit_count {}\n",
                 s.batches_grouped, s.commits);  // the histogram's quantity, so sum >= count

  const HttpCounters& c = ctx.counters;
  sample(out, "cairn_http_requests_total", "counter", "HTTP requests routed", static_cast<double>(c.requests.load()));
  family(out, "cairn_http_responses_total", "counter", "HTTP answers by status class");
  for (int cls = 2; cls <= 5; ++cls)
    fmt::format_to(std::back_inserter(out), "cairn_http_responses_total{{class=\"{}xx\"}} {}\n", cls, c.by_class[cls].load());
  sample(out, "cairn_http_shed_total", "counter", "Requests answered 429 by the server's bounds", static_cast<double>(c.shed.load()));
  sample(out, "cairn_http_unaudited_401_total", "counter",
         "401s past 20 a second: counted, and summarised in one audit entry", static_cast<double>(c.unaudited_401.load()));
  sample(out, "cairn_http_unaudited_guard_403_total", "counter",
         "403s of the browser guard past 20 a second: counted, and summarised in one audit entry",
         static_cast<double>(c.unaudited_guard_403.load()));
  sample(out, "cairn_http_in_flight", "gauge", "Requests dispatched and not yet answered", static_cast<double>(c.in_flight.load()));
  sample(out, "cairn_http_connections", "gauge", "Open HTTP connections", static_cast<double>(c.connections.load()));
  return out;
}

}  // namespace cairn::api
