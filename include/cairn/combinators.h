// all() and any(): run several tasks concurrently inside one workflow.
//
// Tasks are started in argument order, so their commands are numbered deterministically whatever
// order results arrive in. all() waits for every task and returns results in argument order (the
// first failure in argument order is rethrown after all have finished). any() returns as soon as
// one finishes; the others are destroyed, which abandons their pending commands (a losing signal
// wait consumes nothing, a losing timer is disarmed, a losing activity's result is ignored).
#pragma once

#include <coroutine>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "cairn/task.h"

namespace cairn {
namespace detail {

// Counts finished tasks and resumes the parent when `needed` of them have finished.
struct Latch {
  explicit Latch(std::size_t n) : needed(n) {}
  std::size_t needed;
  std::size_t finished = 0;
  std::size_t first = static_cast<std::size_t>(-1);  // index of the first task to finish
  std::coroutine_handle<> parent{};
};

// A small coroutine per task that waits for it and reports to the latch. Its frame is owned by
// the combinator (suspend at the end, destroyed by Watchers), so an abandoned all()/any() never
// leaks one.
struct Watcher {
  struct promise_type {
    Latch* latch = nullptr;
    std::size_t index = 0;
    Watcher get_return_object() { return Watcher{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct Final {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        Latch& l = *h.promise().latch;
        if (l.first == static_cast<std::size_t>(-1)) l.first = h.promise().index;
        // NOTE: symmetric transfer to the parent, with this frame already suspended, so the
        // parent may destroy this frame (and its siblings) as soon as it runs.
        if (++l.finished == l.needed) return l.parent;
        return std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    Final final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept {}  // never: the watched task keeps its own exception
  };
  std::coroutine_handle<promise_type> h;
};

template <class T>
struct ReadyAwaiter {  // waits for a task to finish without taking its result
  std::coroutine_handle<Promise<T>> task;
  bool await_ready() const noexcept { return task.done(); }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> w) const noexcept {
    task.promise().continuation = w;
    return task;
  }
  void await_resume() const noexcept {}
};

template <class T>
Watcher watch(std::coroutine_handle<Promise<T>> task) {
  co_await ReadyAwaiter<T>{task};
}

class Watchers {
 public:
  Watchers() = default;
  Watchers(const Watchers&) = delete;
  Watchers& operator=(const Watchers&) = delete;
  ~Watchers() {
    for (auto h : frames_) h.destroy();
  }
  void add(Watcher w, Latch& latch, std::size_t index) {
    w.h.promise().latch = &latch;
    w.h.promise().index = index;
    frames_.push_back(w.h);
  }
  std::size_t size() const { return frames_.size(); }
  std::coroutine_handle<> at(std::size_t i) const { return frames_[i]; }

 private:
  std::vector<std::coroutine_handle<Watcher::promise_type>> frames_;
};

// Starts every watcher in order, then suspends the parent until the latch is satisfied.
struct StartAll {
  Watchers& watchers;
  Latch& latch;
  bool await_ready() const noexcept { return watchers.size() == 0; }
  bool await_suspend(std::coroutine_handle<> parent) {
    latch.parent = parent;
    // Run each task to its first suspension, in order. If enough finish synchronously, do not
    // suspend at all (the last Final would otherwise resume a parent that is still running).
    std::size_t needed = latch.needed;
    latch.needed = static_cast<std::size_t>(-1);
    for (std::size_t i = 0; i < watchers.size(); ++i) watchers.at(i).resume();
    latch.needed = needed;
    if (latch.finished >= needed) return false;
    return true;
  }
  void await_resume() const noexcept {}
};

}  // namespace detail

// Waits for every task; returns their results in argument order.
template <class T>
Task<std::vector<T>> all(std::vector<Task<T>> tasks) {
  detail::Latch latch{tasks.size()};
  detail::Watchers watchers;
  for (std::size_t i = 0; i < tasks.size(); ++i) watchers.add(detail::watch(tasks[i].handle()), latch, i);
  co_await detail::StartAll{watchers, latch};
  std::vector<T> out;
  out.reserve(tasks.size());
  for (auto& t : tasks) out.push_back(t.handle().promise().take());
  co_return detail::moved(std::move(out));
}

inline Task<void> all(std::vector<Task<void>> tasks) {
  detail::Latch latch{tasks.size()};
  detail::Watchers watchers;
  for (std::size_t i = 0; i < tasks.size(); ++i) watchers.add(detail::watch(tasks[i].handle()), latch, i);
  co_await detail::StartAll{watchers, latch};
  for (auto& t : tasks) t.handle().promise().take();
}

// Waits for every one of several void tasks: all(ctx.sleep(1s), notify(ctx)).
template <class... Ts>
  requires(sizeof...(Ts) > 1 && (std::is_void_v<Ts> && ...))
Task<void> all(Task<Ts>... tasks) {
  std::vector<Task<void>> each;
  each.reserve(sizeof...(Ts));
  (each.push_back(std::move(tasks)), ...);
  co_await all(std::move(each));
}

// Waits for every task of different types; returns a tuple (void tasks: the overload above).
template <class... Ts>
  requires(sizeof...(Ts) > 1 && (!std::is_void_v<Ts> && ...))
Task<std::tuple<Ts...>> all(Task<Ts>... tasks) {
  detail::Latch latch{sizeof...(Ts)};
  detail::Watchers watchers;
  std::size_t i = 0;
  (watchers.add(detail::watch(tasks.handle()), latch, i++), ...);
  co_await detail::StartAll{watchers, latch};
  co_return detail::moved(std::tuple<Ts...>{tasks.handle().promise().take()...});
}

// Waits for the first task to finish; returns its index and result (rethrows its exception).
// The other tasks are destroyed when any() returns.
template <class T>
Task<std::pair<std::size_t, T>> any(std::vector<Task<T>> tasks) {
  detail::Latch latch{1};
  detail::Watchers watchers;
  for (std::size_t i = 0; i < tasks.size(); ++i) watchers.add(detail::watch(tasks[i].handle()), latch, i);
  co_await detail::StartAll{watchers, latch};
  std::size_t won = latch.first;
  co_return detail::moved(std::pair<std::size_t, T>{won, tasks[won].handle().promise().take()});
}

inline Task<std::size_t> any(std::vector<Task<void>> tasks) {
  detail::Latch latch{1};
  detail::Watchers watchers;
  for (std::size_t i = 0; i < tasks.size(); ++i) watchers.add(detail::watch(tasks[i].handle()), latch, i);
  co_await detail::StartAll{watchers, latch};
  std::size_t won = latch.first;
  tasks[won].handle().promise().take();
  co_return won;
}

}  // namespace cairn
