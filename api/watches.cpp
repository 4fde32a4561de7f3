// Watches: long-polls answered once, by the engine or by shutdown.
#include "api/watches.h"

namespace cairn::api {

void Watches::answer(const std::shared_ptr<Entry>& e, Response r) {
  Reply done;
  {
    std::lock_guard lock(e->mu);
    done = std::move(e->done);
    e->done = nullptr;
  }
  if (done) done(std::move(r));
}

Reply Watches::add(Reply done) {
  auto entry = std::make_shared<Entry>();
  entry->done = std::move(done);
  std::uint64_t key;
  {
    std::lock_guard lock(mu_);
    if (cancelled_) {
      Response r = *cancelled_;
      answer(entry, std::move(r));
      return [](Response) {};
    }
    key = next_++;
    entries_.emplace(key, entry);
  }
  return [this, key, entry](Response r) {
    {
      std::lock_guard lock(mu_);
      entries_.erase(key);
    }
    answer(entry, std::move(r));
  };
}

void Watches::cancel_all(const Response& response) {
  std::map<std::uint64_t, std::shared_ptr<Entry>> entries;
  {
    std::lock_guard lock(mu_);
    cancelled_ = std::make_unique<Response>(response);
    entries.swap(entries_);
  }
  for (auto& [key, e] : entries) answer(e, response);
}

}  // namespace cairn::api
