// RunDriver: the one seam between public workflow code and the engine. WorkflowContext forwards
// every call here; the engine implements it once per live run. Workflow authors never use it.
//
// Threading: every method is called on the engine's workflow thread only.
// Replay: issue() numbers commands in call order (1, 2, ...); the engine resolves a command from
// the journal when the run is being replayed and by executing it otherwise.
#pragma once

#include <coroutine>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "cairn/json.h"
#include "cairn/options.h"

namespace cairn::detail {

using Millis = std::int64_t;  // milliseconds since the Unix epoch, UTC

enum class CommandKind {
  kActivity,  // name = activity, input, options
  kTimer,     // until = due time
  kSignal,    // signal_names = any of these; until = timeout or -1
  kChild,     // name = workflow type, input
};

struct Command {
  CommandKind kind = CommandKind::kActivity;
  std::string name;
  std::vector<std::string> signal_names;
  Json input;
  ActivityOptions options;
  Millis until = -1;
  bool compensation = false;  // a Saga compensation: pauses the run (stuck) when exhausted
};

// A command's JSON value as T; a Json is moved out, not copied.
template <class T>
T value_as(Json& v) {
  if constexpr (std::is_same_v<T, Json>)
    return std::move(v);
  else
    return v.template get<T>();
}

struct Outcome {
  enum class Kind {
    kOk,         // value = activity/child result or signal payload
    kFailed,     // activity exhausted its retries / child did not complete
    kCancelled,  // a cancel request reached the run while this command waited
    kTimedOut,   // a signal wait's timeout passed first
  };
  Kind kind = Kind::kOk;
  Json value;
  std::string name;  // the activity, or the signal that arrived
  std::string error_type;
  std::string error_message;
  int attempts = 0;
};

struct Compensation {
  std::string activity;
  Json input;
  ActivityOptions options;
};

// Informational journal markers written once (not re-written on replay).
enum class Marker { kCompensationStarted, kCompensationCompleted };

class RunDriver {
 public:
  virtual ~RunDriver() = default;

  virtual std::string_view run_id() const = 0;
  virtual std::string_view workflow_type() const = 0;

  // Issues a command and returns its number. The outcome arrives later (see ready/await/take).
  virtual std::int64_t issue(Command command) = 0;
  virtual bool ready(std::int64_t cmd) const = 0;
  // Resumes `waiter` on the workflow thread once `cmd` has an outcome.
  virtual void await(std::int64_t cmd, std::coroutine_handle<> waiter) = 0;
  // Moves the outcome out; `cmd` is then finished.
  virtual Outcome take(std::int64_t cmd) = 0;
  // The awaiting frame was destroyed (any() loser): forget the command deterministically.
  virtual void abandon(std::int64_t cmd) = 0;

  // Deterministic time: the commit time of the journal event the run last reacted to.
  virtual Millis now() const = 0;
  // Deterministic pseudo-random numbers, seeded from the run id.
  virtual std::uint64_t random() = 0;
  // Runs `fn` once and journals its value (SideEffect); replay returns the journaled value.
  virtual Json side_effect(const std::function<Json()>& fn) = 0;
  virtual bool patched(std::string_view change_id) = 0;
  virtual void marker(Marker m) = 0;

  virtual bool cancel_requested() const = 0;
  virtual void decline_cancel() = 0;
  virtual void on_query(std::string name, std::function<Json()> handler) = 0;
  // The state query `name` reads is about to die (its QueryHandle leaves scope): evaluate the
  // handler once more and answer later queries with that value. Must not throw (it runs during
  // unwinding); does nothing while the run itself is torn down.
  virtual void seal_query(const std::string& name) noexcept = 0;
  // Saga's destructor, while an exception unwinds the workflow: the engine runs these in reverse
  // order before it records the run's end.
  virtual void defer_compensations(std::vector<Compensation> compensations) = 0;
};

// Awaits one command. Destroying it before it resumed abandons the command (any() losers).
class CommandAwaiter {
 public:
  CommandAwaiter(RunDriver& driver, std::int64_t cmd) : driver_(&driver), cmd_(cmd) {}
  CommandAwaiter(CommandAwaiter&& o) noexcept
      : driver_(o.driver_), cmd_(o.cmd_), finished_(std::exchange(o.finished_, true)) {}
  CommandAwaiter(const CommandAwaiter&) = delete;
  CommandAwaiter& operator=(const CommandAwaiter&) = delete;
  CommandAwaiter& operator=(CommandAwaiter&&) = delete;
  ~CommandAwaiter() {
    if (!finished_) driver_->abandon(cmd_);
  }

  bool await_ready() const { return driver_->ready(cmd_); }
  void await_suspend(std::coroutine_handle<> h) { driver_->await(cmd_, h); }
  Outcome await_resume() {
    finished_ = true;
    return driver_->take(cmd_);
  }

 private:
  RunDriver* driver_;
  std::int64_t cmd_;
  bool finished_ = false;
};

}  // namespace cairn::detail
