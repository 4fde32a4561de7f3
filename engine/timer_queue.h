// TimerQueue: the workflow thread's in-memory deadlines (durable timers of live and evicted runs,
// retry backoffs, activity timeouts, long-poll deadlines). Not thread-safe: workflow thread only.
// Cancellation is lazy: a cancelled entry stays in the heap and is skipped when it comes due.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cairn::engine {

class TimerQueue {
 public:
  using Id = std::uint64_t;
  using Millis = std::int64_t;

  Id add(Millis due, std::function<void()> action) {
    Id id = ++last_id_;
    heap_.push({due, id});
    actions_.emplace(id, std::move(action));
    return id;
  }
  void cancel(Id id) { actions_.erase(id); }
  std::size_t size() const { return actions_.size(); }

  // Earliest live due time, or -1 when nothing is armed.
  Millis next_due() {
    drop_cancelled();
    return heap_.empty() ? -1 : heap_.top().due;
  }
  // Removes and returns the actions due at or before `now`, earliest first.
  std::vector<std::function<void()>> take_due(Millis now) {
    std::vector<std::function<void()>> out;
    for (drop_cancelled(); !heap_.empty() && heap_.top().due <= now; drop_cancelled()) {
      auto it = actions_.find(heap_.top().id);
      heap_.pop();
      out.push_back(std::move(it->second));
      actions_.erase(it);
    }
    return out;
  }

 private:
  struct Entry {
    Millis due;
    Id id;
    bool operator>(const Entry& o) const { return due != o.due ? due > o.due : id > o.id; }
  };
  void drop_cancelled() {
    while (!heap_.empty() && !actions_.count(heap_.top().id)) heap_.pop();
  }

  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::unordered_map<Id, std::function<void()>> actions_;
  Id last_id_ = 0;
};

}  // namespace cairn::engine
