// WorkflowContext: everything workflow code may do. The only door from workflow code to the world.
//
// Determinism rules. A workflow is replayed from its journal after a crash, an eviction or a
// restart, and must then issue the same commands in the same order. So, inside workflow code:
//   - time:        ctx.now()                      never system_clock / time()
//   - randomness:  ctx.random(), ctx.uuid()       never rand(), random_device, uuid libraries
//   - waiting:     ctx.sleep(d), ctx.sleep_until  never this_thread::sleep_for
//   - any I/O:     ctx.activity(...)              never files, sockets, databases, clocks
//   - one-off values from outside: ctx.side_effect(fn)
//   - no threads, no statics that change, no iteration over unordered containers
//   - changing the code of running workflows: guard the change with ctx.patched("change-id"),
//     or register the new code under a new version.
// A run whose code issues another command than its journal holds at that number is marked
// `stuck` with a [CAIRN-NONDET] diagnostic and is never continued silently.
//
// Compiler note (GCC 12): a braced list of strings, or a co_await inside braces, in a coroutine
// body fails with "array used as initializer" (GCC bug 100611). Hoist such lists to a constant
// outside the coroutine and co_await into a local first. A braced temporary written inside a
// co_await expression (`co_await ctx.activity<void>("x", Item{a, b})`) is destroyed twice: build
// it in a local or return it from a function.
//
// Threading: a WorkflowContext is used only from its run's coroutine, on the workflow thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/detail/run_driver.h"
#include "cairn/errors.h"
#include "cairn/json.h"
#include "cairn/options.h"
#include "cairn/task.h"

namespace cairn {

using Clock = std::chrono::system_clock;
using Timestamp = std::chrono::time_point<Clock, std::chrono::milliseconds>;

// A signal taken by wait_any_signal: which one arrived, and its payload.
struct Signal {
  std::string name;
  Json payload;
};

// Returned by WorkflowContext::on_query: the query answers from live state while the handle
// lives, and from the last answer its handler gave once the handle is destroyed.
class [[nodiscard]] QueryHandle {
 public:
  QueryHandle(detail::RunDriver& driver, std::string name) : driver_(&driver), name_(std::move(name)) {}
  QueryHandle(const QueryHandle&) = delete;
  QueryHandle& operator=(const QueryHandle&) = delete;
  ~QueryHandle() { driver_->seal_query(name_); }

 private:
  detail::RunDriver* driver_;
  std::string name_;
};

class WorkflowContext {
 public:
  explicit WorkflowContext(detail::RunDriver& driver) : driver_(&driver) {}
  WorkflowContext(const WorkflowContext&) = delete;
  WorkflowContext& operator=(const WorkflowContext&) = delete;

  std::string_view run_id() const { return driver_->run_id(); }
  std::string_view workflow_type() const { return driver_->workflow_type(); }

  // Schedules activity `name` with `input` and suspends until it completes; returns its result
  // converted to T (T = void discards it). Retries follow `options` (then the registration).
  // Replay-safe: on replay the journaled result is returned without running the activity.
  // Throws ActivityFailed once the retry policy gives up, CancelledError when a cancel request
  // arrives during a retry backoff.
  template <class T = Json, class In = Json>
  Task<T> activity(std::string name, In input, ActivityOptions options = {}) {
    detail::Command c;
    c.kind = detail::CommandKind::kActivity;
    c.name = std::move(name);
    c.input = Json(std::move(input));
    c.options = std::move(options);
    return run_activity<T>(std::move(c));
  }

  // Durable sleep: the run may be evicted from memory meanwhile. Throws CancelledError when a
  // cancel request arrives first.
  Task<void> sleep(milliseconds duration) { return sleep_until_ms(driver_->now() + duration.count()); }
  Task<void> sleep_until(Timestamp t) { return sleep_until_ms(t.time_since_epoch().count()); }

  // Waits for signal `name` (taking one that arrived earlier, if buffered) and returns its payload.
  // A signal whose payload does not convert to T (a client's mistake) is skipped: it stays in the
  // history as SignalReceived, and the wait goes on for the next one.
  template <class T = Json>
  Task<T> wait_signal(std::string name) {
    const std::vector<std::string> names = one_name(std::move(name));
    for (;;) {
      auto s = co_await wait_signals(names, -1);
      if (auto value = converted<T>(s->payload)) co_return detail::moved(std::move(*value));
    }
  }
  // As above, but gives up after `timeout`: std::nullopt then.
  template <class T = Json>
  Task<std::optional<T>> wait_signal(std::string name, milliseconds timeout) {
    const std::vector<std::string> names = one_name(std::move(name));
    const detail::Millis until = driver_->now() + timeout.count();
    for (;;) {
      auto s = co_await wait_signals(names, until);
      if (!s) co_return std::nullopt;
      if (auto value = converted<T>(s->payload)) co_return detail::moved(std::move(value));
    }
  }
  // Waits for whichever of `names` comes first (buffered ones included, oldest first).
  Task<std::optional<Signal>> wait_any_signal(std::vector<std::string> names,
                                              std::optional<milliseconds> timeout = std::nullopt) {
    return wait_signals(std::move(names), timeout ? driver_->now() + timeout->count() : -1);
  }

  // Starts child workflow `type` (id "<this run>:<command>") and waits for its result.
  // Throws ChildFailed when the child ends other than `completed`.
  template <class T = Json, class In = Json>
  Task<T> child(std::string type, In input) {
    detail::Command c;
    c.kind = detail::CommandKind::kChild;
    c.name = std::move(type);
    c.input = Json(std::move(input));
    return run_child<T>(std::move(c));
  }

  // Deterministic time (the journal time of the event the run last reacted to).
  Timestamp now() const { return Timestamp{milliseconds{driver_->now()}}; }
  // Deterministic randomness, seeded from the run id; replays give the same sequence.
  std::uint64_t random() { return driver_->random(); }
  // A version-4 UUID from random().
  std::string uuid() {
    std::uint64_t hi = (random() & ~0xF000ull) | 0x4000ull;
    std::uint64_t lo = (random() & ~(3ull << 62)) | (2ull << 62);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    auto put = [&](std::uint64_t v, int from, int to) {
      for (int i = from; i < to; ++i) s += kHex[(v >> (60 - 4 * i)) & 0xF];
    };
    put(hi, 0, 8), s += '-', put(hi, 8, 12), s += '-', put(hi, 12, 16), s += '-';
    put(lo, 0, 4), s += '-', put(lo, 4, 16);
    return s;
  }
  // Runs `fn` once, journals its value (SideEffect) and returns it; replays return the journaled
  // value without calling fn. For values from outside that are cheap and never fail.
  template <class T, class F>
  T side_effect(F fn) {
    return driver_->side_effect([&] { return Json(fn()); }).template get<T>();
  }
  // True for runs that reached this point on code containing the change, false for runs that
  // passed it before the change was deployed. Journals a VersionMarker the first time.
  bool patched(std::string_view change_id) { return driver_->patched(change_id); }

  // Cancellation: a cancel request sets this and wakes timer and signal waits with
  // CancelledError. Code that decides not to cancel (an order already shipped) calls
  // decline_cancel() and carries on; later waits then behave normally again.
  bool cancel_requested() const { return driver_->cancel_requested(); }
  void decline_cancel() { driver_->decline_cancel(); }

  // Answers `GET .../queries/{name}` from live state without writing to the journal. `fn` runs on
  // the workflow thread and must only read. Register it before the first co_await and keep the
  // handle as a local declared after the state `fn` reads (by reference, typically):
  //   Placement placement(ctx, order);
  //   auto status = ctx.on_query("status", [&placement] { return placement.status(); });
  // When the handle leaves scope (the function returns or throws, before that state dies), `fn`
  // runs once more and later queries (a finished run, one still compensating) get that answer.
  template <class F>
  QueryHandle on_query(std::string name, F fn) {
    driver_->on_query(name, [fn = std::move(fn)]() -> Json { return Json(fn()); });
    return QueryHandle(*driver_, std::move(name));
  }

  detail::RunDriver& driver() { return *driver_; }

 private:
  // HACK: GCC 12 rejects an initializer list inside a coroutine ("array used as initializer",
  // GCC bug 100611), so single-name vectors are built outside the coroutine body.
  static std::vector<std::string> one_name(std::string name) {
    std::vector<std::string> v;
    v.push_back(std::move(name));
    return v;
  }

  template <class T>
  Task<T> run_activity(detail::Command c) {
    std::string name = c.name;
    auto out = co_await detail::CommandAwaiter(*driver_, driver_->issue(std::move(c)));
    if (out.kind == detail::Outcome::Kind::kCancelled) throw CancelledError();
    if (out.kind != detail::Outcome::Kind::kOk)
      throw ActivityFailed(name, out.error_type, out.error_message, out.attempts);
    if constexpr (std::is_void_v<T>)
      co_return;
    else
      co_return detail::moved(detail::value_as<T>(out.value));
  }

  template <class T>
  Task<T> run_child(detail::Command c) {
    auto out = co_await detail::CommandAwaiter(*driver_, driver_->issue(std::move(c)));
    if (out.kind == detail::Outcome::Kind::kCancelled) throw CancelledError();
    if (out.kind != detail::Outcome::Kind::kOk)
      throw ChildFailed(out.name, out.error_type, out.error_message);
    if constexpr (std::is_void_v<T>)
      co_return;
    else
      co_return detail::moved(detail::value_as<T>(out.value));
  }

  Task<void> sleep_until_ms(detail::Millis until) {
    detail::Command c;
    c.kind = detail::CommandKind::kTimer;
    c.until = until;
    auto out = co_await detail::CommandAwaiter(*driver_, driver_->issue(std::move(c)));
    if (out.kind == detail::Outcome::Kind::kCancelled) throw CancelledError();
  }

  // `payload` as a T, or nullopt when it does not convert.
  template <class T>
  static std::optional<T> converted(const Json& payload) {
    try {
      return payload.template get<T>();
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  Task<std::optional<Signal>> wait_signals(std::vector<std::string> names, detail::Millis until) {
    detail::Command c;
    c.kind = detail::CommandKind::kSignal;
    c.signal_names = std::move(names);
    c.until = until;
    auto out = co_await detail::CommandAwaiter(*driver_, driver_->issue(std::move(c)));
    if (out.kind == detail::Outcome::Kind::kCancelled) throw CancelledError();
    if (out.kind == detail::Outcome::Kind::kTimedOut) co_return std::nullopt;
    co_return detail::moved(Signal{std::move(out.name), std::move(out.value)});
  }

  detail::RunDriver* driver_;
};

}  // namespace cairn
