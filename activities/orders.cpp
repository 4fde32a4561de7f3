// The simulated order desk: placed orders and their RMAs, in `tables`.
#include "activities/orders.h"

#include <cstdio>
#include <map>
#include <utility>

#include "activities/service_tables.h"

namespace cairn::activities {

namespace {
constexpr const char* kOrders = "orders";
constexpr const char* kRmas = "order_rmas";
constexpr const char* kShipped = "order_shipments";  // key "<order>|<seller>"
constexpr const char* kDelivered = "order_deliveries";  // key "<order>|<seller>", {"at"}
constexpr const char* kInspected = "order_inspections";  // key "<order>|<rma>|<seller>"
}  // namespace

OrderRecord SimulatedOrderDesk::record(const OrderRecordRequest& req, const std::string& key) {
  return run_once(tables_, "orders.record", key, [&](TableTx& tx) {
    if (auto existing = get_json(tx, kOrders, req.order_id)) return Effect::ok(*existing);
    Json rec = OrderRecord{req.order_id, req.order, rfc3339(req.at)};
    put_json(tx, kOrders, req.order_id, rec);
    return Effect::ok(rec);
  }).get<OrderRecord>();
}

std::optional<OrderRecord> SimulatedOrderDesk::find(const std::string& order_id) {
  for (auto& [k, v] : scan_json(tables_, kOrders, order_id))
    if (k == order_id) return v.get<OrderRecord>();
  return std::nullopt;
}

void SimulatedOrderDesk::mark_shipped(const SubOrderRef& sub_order, const std::string& key) {
  run_once(tables_, "orders.shipped", key, [&](TableTx& tx) {
    tx.put(kShipped, sub_order.order_id + "|" + sub_order.seller_id, "{}");
    return Effect::ok(Json());
  });
}

void SimulatedOrderDesk::mark_delivered(const DeliveryNote& delivery, const std::string& key) {
  run_once(tables_, "orders.delivered", key, [&](TableTx& tx) {
    put_json(tx, kDelivered, delivery.order_id + "|" + delivery.seller_id, Json{{"at", delivery.at}});
    return Effect::ok(Json());
  });
}

Rma SimulatedOrderDesk::open_rma(const RmaRequest& req, const std::string& key) {
  return run_once(tables_, "returns.open_rma", key, [&](TableTx& tx) {
    auto order = get_json(tx, kOrders, req.order_id);
    if (!order) return Effect::terminal("unknown_order", "no order " + req.order_id);
    // Units still returnable per (seller, SKU): ordered minus what earlier RMAs, bar released
    // ones, took back.
    std::map<std::pair<std::string, std::string>, std::int64_t> left;
    for (const auto& item : order->get<OrderRecord>().order.items) left[{item.seller_id, item.sku}] += item.qty;
    for (const auto& [k, v] : tx.scan(kRmas, req.order_id + "|")) {
      const Json row = Json::parse(v);
      if (row.value("released", false)) continue;
      for (const auto& line : row["items"].get<std::vector<ReturnLine>>()) left[{line.seller_id, line.sku}] -= line.qty;
    }
    for (const auto& line : req.items) {
      if (!tx.get(kShipped, req.order_id + "|" + line.seller_id))
        return Effect::terminal("not_returnable", "order " + req.order_id + ": the sub-order of " + line.seller_id +
                                                      " has not shipped (only shipped units can be returned)");
      // Deliveries made before the desk learned of them (runs started before 2026-12-03) have no
      // window to check.
      if (auto delivered = get_json(tx, kDelivered, req.order_id + "|" + line.seller_id);
          delivered && req.at - delivered->value("at", std::int64_t{0}) > kReturnWindowMs)
        return Effect::terminal("return_window_closed", "order " + req.order_id + ": the sub-order of " +
                                                            line.seller_id + " was delivered more than 14 days ago");
      auto& units = left[{line.seller_id, line.sku}];
      if (line.qty <= 0 || units < line.qty)
        return Effect::terminal("not_returnable", "order " + req.order_id + " has no " + std::to_string(line.qty) +
                                                      " returnable units of " + line.seller_id + "/" + line.sku);
      units -= line.qty;
    }
    char rma[32];
    std::snprintf(rma, sizeof rma, "RMA-%06lld", static_cast<long long>(next_seq(tx, "rma")));
    Json row{{"rma", rma}, {"return_id", req.return_id}, {"items", req.items}, {"reason", req.reason}};
    put_json(tx, kRmas, req.order_id + "|" + rma, row);
    return Effect::ok(Rma{rma, std::string("https://labels.cairn.example/") + rma + ".pdf"});
  }).get<Rma>();
}

void SimulatedOrderDesk::inspect(const ReturnParcel& parcel, const std::string& key) {
  run_once(tables_, "returns.inspect", key, [&](TableTx& tx) {
    tx.put(kInspected, parcel.order_id + "|" + parcel.rma + "|" + parcel.seller_id, R"({"result":"accepted"})");
    return Effect::ok(Json());
  });
}

void SimulatedOrderDesk::release_rma(const ReturnRef& ret, const std::string& key) {
  run_once(tables_, "returns.release_rma", key, [&](TableTx& tx) {
    for (const auto& [k, v] : tx.scan(kRmas, ret.order_id + "|")) {
      Json row = Json::parse(v);
      if (row.value("return_id", std::string{}) != ret.return_id || row.value("released", false)) continue;
      row["released"] = true;
      put_json(tx, kRmas, k, row);
    }
    return Effect::ok(Json());
  });
}

}  // namespace cairn::activities
