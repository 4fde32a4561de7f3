// Watches: the long-polls in progress, so that shutdown can answer them at once (503) instead of
// letting them hold the process until their wait ends. Each is answered exactly once: by the
// engine's watch callback or by cancel_all(), whichever comes first.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "api/http_types.h"

namespace cairn::api {

class Watches {
 public:
  // Registers `done`; the returned function answers it (once) and forgets it.
  Reply add(Reply done);
  // Answers every registered long-poll with `response`; later add()s are answered at once.
  void cancel_all(const Response& response);

 private:
  struct Entry {
    std::mutex mu;
    Reply done;  // empty once answered
  };
  static void answer(const std::shared_ptr<Entry>& e, Response r);

  std::mutex mu_;
  std::map<std::uint64_t, std::shared_ptr<Entry>> entries_;  // guarded by mu_
  std::uint64_t next_ = 0;                                    // guarded by mu_
  std::unique_ptr<Response> cancelled_;                       // guarded by mu_; set by cancel_all
};

}  // namespace cairn::api
