// ActivityExecutor: a fixed pool of threads draining one queue of activity attempts.
#include "engine/activity_executor.h"

#include <pthread.h>

#include "cairn/activity.h"
#include "cairn/errors.h"

namespace cairn::engine {

ActivityExecutor::ActivityExecutor(std::size_t threads, std::function<void(AttemptResult)> on_result)
    : on_result_(std::move(on_result)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "cairn-activity");  // shown by top -H, perf, gdb
      work();
    });
}

ActivityExecutor::~ActivityExecutor() { stop(); }

// One wake-up at a time: a woken worker wakes the next if work remains (see work()), so a burst of
// submissions from the engine thread costs it one futex call, not one per attempt.
void ActivityExecutor::submit(AttemptRequest request) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    queue_.push_back(std::move(request));
    wake = idle_ > 0 && !wake_pending_;
    wake_pending_ = wake_pending_ || wake;
  }
  if (wake) cv_.notify_one();
}

void ActivityExecutor::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

AttemptResult ActivityExecutor::run(AttemptRequest& r) {
  AttemptResult out{r.run_id, r.incarnation, r.cmd, r.attempt};
  ActivityContext ctx(r.run_id, r.def->name, r.cmd, r.attempt, r.deadline_ms);
  try {
    out.value = r.def->run(ctx, r.input);
    out.ok = true;
  } catch (const TerminalError& e) {
    out.terminal = true;
    out.error_type = e.type();
    out.error_message = e.what();
  } catch (const ActivityError& e) {
    out.error_type = e.type();
    out.error_message = e.what();
  } catch (const Json::exception& e) {
    // The input or result did not convert: retrying cannot fix that.
    out.terminal = true;
    out.error_type = "bad_payload";
    out.error_message = e.what();
  } catch (const std::exception& e) {
    out.error_type = "exception";
    out.error_message = e.what();
  } catch (...) {
    out.error_type = "exception";
    out.error_message = "unknown exception";
  }
  return out;
}

void ActivityExecutor::work() {
  for (;;) {
    AttemptRequest r;
    bool wake_next = false;
    {
      std::unique_lock lock(mu_);
      while (queue_.empty() && !stopping_) {
        ++idle_;
        cv_.wait(lock);
        --idle_;
        wake_pending_ = false;  // any waker clears it, even one that finds the queue drained
      }
      if (queue_.empty()) return;
      r = std::move(queue_.front());
      queue_.pop_front();
      wake_next = !queue_.empty() && idle_ > 0 && !wake_pending_;
      wake_pending_ = wake_pending_ || wake_next;
    }
    if (wake_next) cv_.notify_one();
    on_result_(run(r));
  }
}

}  // namespace cairn::engine
