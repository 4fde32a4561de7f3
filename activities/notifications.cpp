// The simulated notifier: an outbox table per order.
#include "activities/notifications.h"

namespace cairn::activities {

Json SimulatedNotifier::send(const Notification& n, const std::string& key) {
  const auto at = now_();
  return run_once(tables_, "notify.send", key, [&](TableTx& tx) {
    Json row{{"to", n.to}, {"kind", n.kind}, {"data", n.data}, {"at", at}};
    put_json(tx, kTable, n.order_id + "|" + seq_key(next_seq(tx, "notify|" + n.order_id)), row);
    return Effect::ok(row);
  });
}

}  // namespace cairn::activities
