// Task<T>: the lazy coroutine type every workflow function and sub-step returns.
//
// A Task does nothing until it is awaited (or started by all()/any()); awaiting it runs it to its
// first suspension and resumes the awaiter when it finishes, by symmetric transfer, so chains of
// tasks never grow the native stack. Tasks are move-only and own their coroutine frame: destroying
// a Task destroys the frame and everything it holds, including a suspended await (the engine then
// forgets that pending command). Tasks run only on the engine's workflow thread.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace cairn {

template <class T = void>
class Task;

namespace detail {

// At the end of a task, resume whoever awaited it (or nobody, for a root task). Returning the
// continuation from await_suspend is symmetric transfer: no recursion on the native stack.
struct FinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) const noexcept {
    auto next = h.promise().continuation;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

struct PromiseBase {
  std::coroutine_handle<> continuation;
  std::exception_ptr error;

  // NOTE: lazy start. Command numbers are assigned when a task first runs, so the order tasks are
  // started in (code order, or all()'s argument order) is what makes numbering deterministic.
  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
};

// A result a library task hands back by moving it: `co_return detail::moved(x);`.
template <class T>
struct Moved {
  T value;
};
template <class T>
Moved<std::decay_t<T>> moved(T&& v) {
  return {std::forward<T>(v)};
}

template <class T>
struct Promise : PromiseBase {
  std::optional<T> value;

  Task<T> get_return_object() noexcept;
  // NOTE: what workflow code returns is copied, not moved, when it can be. `co_return state;`
  // names a local, which C++20 moves into the result; the frame's locals then die, and a query
  // handler reading `state` is sealed as they do (QueryHandle) with what the move left: "".
  template <class U>
    requires std::is_convertible_v<U&&, T>
  void return_value(U&& v) {
    if constexpr (std::is_constructible_v<T, const std::remove_reference_t<U>&>)
      value.emplace(std::as_const(v));
    else
      value.emplace(std::forward<U>(v));
  }
  template <class U>
    requires std::is_convertible_v<U&&, T>
  void return_value(Moved<U>&& m) {
    value.emplace(std::move(m.value));
  }
  T take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace detail

namespace detail {
// Frames being destroyed on this thread while suspended (an any() loser, an evicted run). A Saga
// destroyed inside one belongs to an abandoned frame, not to one an exception is leaving, even
// while an exception is in flight elsewhere (a winner's that any() rethrows).
inline thread_local int abandoning_frames = 0;
}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;
  Task(Task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  // Runs the task (if not started) and suspends the awaiter until it finishes; returns its value
  // or rethrows its exception.
  auto operator co_await() && noexcept { return Awaiter{h_}; }
  auto operator co_await() & noexcept { return Awaiter{h_}; }

  bool valid() const { return static_cast<bool>(h_); }
  bool done() const { return !h_ || h_.done(); }
  // For combinators and the engine: the frame, to start it or read its result. The Task keeps
  // ownership.
  Handle handle() const { return h_; }

 private:
  friend struct detail::Promise<T>;
  explicit Task(Handle h) : h_(h) {}
  void reset() {
    if (!h_) return;
    Handle h = std::exchange(h_, {});
    if (h.done()) return h.destroy();
    ++detail::abandoning_frames;
    h.destroy();
    --detail::abandoning_frames;
  }

  struct Awaiter {
    Handle h;
    bool await_ready() const noexcept { return !h || h.done(); }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) const noexcept {
      h.promise().continuation = awaiter;
      return h;
    }
    T await_resume() const { return h.promise().take(); }
  };

  Handle h_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>{std::coroutine_handle<Promise<T>>::from_promise(*this)};
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>{std::coroutine_handle<Promise<void>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace cairn
