// Notifications to the customer, a seller ("seller:<id>") or the admin, filed under an order.
#pragma once

#include <string>
#include <vector>

#include "cairn/json.h"
#include "cairn/tables.h"
#include "activities/service_tables.h"

namespace cairn::activities {

struct Notification {
  std::string order_id;
  std::string to;    // customer, seller:<id>, admin
  std::string kind;  // DOMAIN.md "Notifications"
  Json data = Json::object();
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Notification, order_id, to, kind, data)

// For workflow code: a function result, not a braced temporary, because GCC 12 destroys a braced
// temporary written inside a co_await expression twice.
inline Notification notification(std::string order_id, std::string to, std::string kind, Json data) {
  return Notification{std::move(order_id), std::move(to), std::move(kind), std::move(data)};
}

// send() delivers once per idempotency key (a repeat returns the first delivery); any thread.
class Notifier {
 public:
  virtual ~Notifier() = default;
  // Returns {"to","kind","data","at"} with `at` in ms since the epoch.
  virtual Json send(const Notification& n, const std::string& key) = 0;
};

// Records every notification in `tables` (the demo API lists them per order).
class SimulatedNotifier final : public Notifier {
 public:
  SimulatedNotifier(Tables& tables, NowFn now) : tables_(tables), now_(std::move(now)) {}
  Json send(const Notification& n, const std::string& key) override;

  static constexpr const char* kTable = "notifications";

 private:
  Tables& tables_;
  NowFn now_;
};

}  // namespace cairn::activities
