// Workers of the load: one keep-alive connection each to the current server, re-made after a
// restart; steps retried until they get an answer.
#include "tools/torture/driver.h"

#include <fmt/format.h>

#include <optional>

#include "api/http_client.h"

namespace cairn::torture {

using namespace std::chrono_literals;

struct Driver::Worker {
  std::optional<api::HttpClient> client;
  std::uint64_t generation = 0;
};

namespace {

// Long-poll of an await step: short enough that a worker comes back to the queue often.
constexpr const char* kAwaitWait = "2s";
// How long a worker waits for a restart after a request got no answer or a 503.
constexpr auto kDownWait = 500ms;
constexpr auto kBusyWait = 20ms;

bool terminal(const std::string& status) {
  return status == "completed" || status == "failed" || status == "cancelled" || status == "terminated";
}

}  // namespace

Driver::Driver(const Server& server, Report& report, std::size_t workers) : server_(server), report_(report) {
  for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

Driver::~Driver() { stop(); }

void Driver::add(OrderPlan& plan) {
  std::lock_guard lock(mu_);
  queue_.push_back(&plan);
  ++unfinished_;
  ready_.notify_one();
}

bool Driver::wait_finished(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return finished_.wait_for(lock, timeout, [&] { return unfinished_ == 0; });
}

void Driver::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    ready_.notify_all();
  }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void Driver::work() {
  Worker w;
  for (;;) {
    OrderPlan* plan = nullptr;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      plan = queue_.front();
      queue_.pop_front();
    }
    const Outcome outcome = execute(w, *plan);
    if (outcome == Outcome::kDone) {
      ++plan->next;
      plan->retried = false;
    } else {
      plan->retried = true;
    }
    {
      std::lock_guard lock(mu_);
      if (plan->next < plan->steps.size()) {
        queue_.push_back(plan);
        ready_.notify_one();
      } else if (--unfinished_ == 0) {
        finished_.notify_all();
      }
    }
    if (outcome == Outcome::kDown) {
      counters_.no_answer.fetch_add(1);
      server_.wait_change(w.generation, kDownWait);
    } else if (outcome == Outcome::kRetry) {
      server_.wait_change(w.generation, kBusyWait);
    }
  }
}

Driver::Outcome Driver::execute(Worker& w, OrderPlan& plan) {
  const Endpoint ep = server_.endpoint();
  if (ep.port == 0) return Outcome::kDown;
  if (!w.client || w.generation != ep.generation) {
    w.client.emplace("127.0.0.1", ep.port);
    w.client->set_timeout(10s);
    w.generation = ep.generation;
  }
  const Step& step = plan.steps[plan.next];
  std::string method = "POST", target, body;
  api::HttpHeaders headers;
  switch (step.op) {
    case Step::Op::kStart:
      target = "/v1/workflows";
      body = step.body.dump();
      break;
    case Step::Op::kSignal:
      target = fmt::format("/v1/workflows/{}/signals/{}", step.run, step.name);
      body = step.body.dump();
      headers.emplace_back("Idempotency-Key", step.key);
      break;
    case Step::Op::kCancel: target = fmt::format("/v1/workflows/{}/cancel", step.run); break;
    case Step::Op::kAwaitEnd:
      method = "GET";
      target = fmt::format("/v1/workflows/{}?wait={}", step.run, kAwaitWait);
      break;
  }
  counters_.requests.fetch_add(1);
  auto answer = w.client->request(method, target, body, headers);
  if (!answer) return Outcome::kDown;
  const int status = answer->status;
  if (status == 503 || status == 429) {
    counters_.unavailable.fetch_add(1);
    return Outcome::kRetry;
  }
  auto refuse = [&](const char* what) {
    report_.violation(fmt::format("{} ({}): {} {} answered {} {}: {}", plan.id, kind_name(plan.kind), method, target,
                                  status, what, answer->body));
    return Outcome::kDone;
  };
  switch (step.op) {
    case Step::Op::kStart:
      if (status != 201 && status != 200) return refuse("instead of 201/200");
      if (step.run == plan.id) plan.order_acknowledged = true;
      else plan.return_acknowledged = true;
      counters_.acknowledged_starts.fetch_add(1);
      return Outcome::kDone;
    case Step::Op::kSignal:
    case Step::Op::kCancel:
      // A retried step whose first answer was lost may find the run already ended by it.
      if (status == 202 || (status == 409 && plan.retried)) return Outcome::kDone;
      return refuse(status == 404 ? "for an acknowledged run (lost)" : "instead of 202");
    case Step::Op::kAwaitEnd: {
      if (status != 200) return refuse("to a long-poll");
      const Json run = Json::parse(answer->body, nullptr, false);
      const std::string s = run.is_object() ? run.value("status", "") : "";
      if (s == "stuck") return refuse("stuck");
      return terminal(s) ? Outcome::kDone : Outcome::kRetry;
    }
  }
  return Outcome::kDone;
}

}  // namespace cairn::torture
