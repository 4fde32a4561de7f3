// Saga: compensations collected as forward steps succeed, run in reverse when the saga unwinds.
//
//   cairn::Saga saga{ctx};
//   auto auth = co_await ctx.activity<Authorization>("payment.authorize", pay);
//   saga.compensate("payment.void", auth);          // registered only once the step succeeded
//   ...
//   co_await saga.unwind();                          // business failure: undo now, then carry on
//
// If the workflow lets an exception escape (an ActivityFailed, a CancelledError), the Saga's
// destructor hands its compensations to the engine, which runs them in reverse before recording
// the run as failed or cancelled. Each compensation is a journaled activity with its own retries;
// one that exhausts them leaves the run `stuck` (never half-compensated and "failed") until an
// admin retries it.
//
// Only the run's end runs handed-over compensations: a Saga in a helper coroutine whose caller
// catches the error, or in an any() branch that loses, must unwind itself (co_await unwind()
// before the error leaves the helper); docs/engine.md, "Sagas outside the workflow's own frame".
#pragma once

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "cairn/workflow.h"

namespace cairn {

class Saga {
 public:
  explicit Saga(WorkflowContext& ctx) : ctx_(&ctx), uncaught_(std::uncaught_exceptions()) {}
  // A saga holding compensations handed over earlier (the engine uses this to unwind them).
  Saga(WorkflowContext& ctx, std::vector<detail::Compensation> steps)
      : ctx_(&ctx), uncaught_(std::uncaught_exceptions()), steps_(std::move(steps)) {}
  Saga(const Saga&) = delete;
  Saga& operator=(const Saga&) = delete;

  ~Saga() {
    // NOTE: a frame destroyed while suspended (eviction, an any() loser) is not a failure: the
    // compensations are rebuilt by replay, or dropped with the loser. Only an exception leaving
    // this saga's own frame hands them over.
    if (std::uncaught_exceptions() > uncaught_ && detail::abandoning_frames == 0 && !steps_.empty())
      ctx_->driver().defer_compensations(std::move(steps_));
  }

  // Registers the compensation of a step that just succeeded: activity `activity` with `input`.
  template <class In>
  void compensate(std::string activity, In input, ActivityOptions options = {}) {
    steps_.push_back({std::move(activity), Json(std::move(input)), std::move(options)});
  }

  // Runs every registered compensation now, newest first, and forgets them.
  Task<void> unwind() {
    auto steps = std::move(steps_);
    steps_.clear();
    if (steps.empty()) co_return;
    ctx_->driver().marker(detail::Marker::kCompensationStarted);
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
      detail::Command c;
      c.kind = detail::CommandKind::kActivity;
      c.name = it->activity;
      c.input = it->input;
      c.options = it->options;
      c.compensation = true;
      (void)co_await detail::CommandAwaiter(ctx_->driver(), ctx_->driver().issue(std::move(c)));
    }
    ctx_->driver().marker(detail::Marker::kCompensationCompleted);
  }

  // Forgets the registered compensations (the steps are final).
  void clear() { steps_.clear(); }
  std::size_t size() const { return steps_.size(); }

 private:
  WorkflowContext* ctx_;
  int uncaught_;
  std::vector<detail::Compensation> steps_;
};

}  // namespace cairn
