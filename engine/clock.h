// Clock: the engine's only source of time, injected so tests can skip hours in milliseconds.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

namespace cairn::engine {

using Millis = std::int64_t;  // ms since the Unix epoch, UTC

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis now() const = 0;
  // True when time moves only by advance(): the engine then sleeps until woken, not until a due.
  virtual bool manual() const { return false; }
  // Called by a manual clock after it moved; the engine sets it to wake its loop.
  virtual void on_advance(std::function<void()> /*fn*/) {}
};

class SystemClock final : public Clock {
 public:
  Millis now() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start) : now_(start) {}
  Millis now() const override { return now_.load(); }
  bool manual() const override { return true; }
  void on_advance(std::function<void()> fn) override {
    std::lock_guard lock(mu_);
    wake_ = std::move(fn);
  }
  void advance(Millis by) {
    now_ += by;
    std::lock_guard lock(mu_);
    if (wake_) wake_();
  }

 private:
  std::atomic<Millis> now_;
  std::mutex mu_;
  std::function<void()> wake_;
};

}  // namespace cairn::engine
