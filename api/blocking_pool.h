// BlockingPool: a small worker pool for the few handlers whose calls block (the demo services'
// table transactions), so that no I/O thread waits on a commit. Bounded: post() refuses when full.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cairn::api {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads = 2, std::size_t max_queued = 1024);
  ~BlockingPool();  // runs what is queued, then joins
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Queues `fn`; false (and `fn` is dropped) when the queue is full or the pool is stopping.
  bool post(std::function<void()> fn);

 private:
  void work();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::size_t max_queued_;
  std::vector<std::thread> threads_;
};

}  // namespace cairn::api
