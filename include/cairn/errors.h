// Exceptions that cross the workflow/activity boundary.
//
// In an activity: throw TerminalError to stop retries at once (a declined card); throw
// RetryableError (or anything else) for a failure worth retrying. Its `type` is matched against
// RetryPolicy::non_retryable.
// In a workflow: `co_await ctx.activity(...)` throws ActivityFailed once the retry policy gives up,
// and timers, signal waits and activities in backoff throw CancelledError when a cancel request
// reaches the run. Let CancelledError escape to end the run `cancelled` (after compensation).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace cairn {

// Base of the errors an activity throws on purpose; `type` names the kind of failure.
class ActivityError : public std::runtime_error {
 public:
  ActivityError(std::string type, const std::string& message)
      : std::runtime_error(message), type_(std::move(type)) {}
  const std::string& type() const { return type_; }

 private:
  std::string type_;
};

// A failure that retrying cannot fix: no more attempts are made.
class TerminalError : public ActivityError {
 public:
  explicit TerminalError(const std::string& message, std::string type = "terminal")
      : ActivityError(std::move(type), message) {}
};

// A failure worth retrying under the activity's RetryPolicy.
class RetryableError : public ActivityError {
 public:
  using ActivityError::ActivityError;
};

// Thrown from `co_await ctx.activity(...)` in workflow code when the activity failed for good.
class ActivityFailed : public std::runtime_error {
 public:
  ActivityFailed(std::string activity, std::string type, const std::string& message, int attempts)
      : std::runtime_error(message),
        activity_(std::move(activity)),
        type_(std::move(type)),
        attempts_(attempts) {}
  const std::string& activity() const { return activity_; }
  const std::string& type() const { return type_; }
  int attempts() const { return attempts_; }

 private:
  std::string activity_;
  std::string type_;
  int attempts_;
};

// Thrown in workflow code when a child workflow ended other than `completed`.
class ChildFailed : public std::runtime_error {
 public:
  ChildFailed(std::string child_id, std::string status, const std::string& message)
      : std::runtime_error(message), child_id_(std::move(child_id)), status_(std::move(status)) {}
  const std::string& child_id() const { return child_id_; }
  const std::string& status() const { return status_; }

 private:
  std::string child_id_;
  std::string status_;
};

// Thrown in workflow code when a cancel request reached the run while it waited.
class CancelledError : public std::runtime_error {
 public:
  CancelledError() : std::runtime_error("cancel requested") {}
};

}  // namespace cairn
