// Demo endpoint bodies: plain reads of the simulated services' rows, times as RFC 3339 UTC.
#include "activities/demo_views.h"

#include "activities/inventory.h"
#include "activities/notifications.h"
#include "activities/payments.h"
#include "activities/service_tables.h"

namespace cairn::activities {

namespace {

// Rows of one order (keys "<order>|<seq>"), each with its ms `at` turned into RFC 3339.
Result<Json> order_rows(Tables& tables, const char* table, const std::string& order_id) {
  auto rows = tables.scan_table(table, order_id + "|");
  if (!rows) return rows.status();
  Json out = Json::array();
  for (const auto& [k, v] : *rows) {
    Json row = Json::parse(v);
    row["at"] = rfc3339(row["at"].get<std::int64_t>());
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

Result<Json> demo_inventory(Tables& tables) {
  auto rows = tables.scan_table(SimulatedInventory::kTable, "");
  if (!rows) return rows.status();
  Json items = Json::array();
  for (const auto& [k, v] : *rows) items.push_back(Json(Json::parse(v).get<StockLevel>()));
  return Json{{"items", std::move(items)}};
}

Status demo_set_stock(Tables& tables, const std::string& seller_id, const std::string& sku, std::int64_t available) {
  return SimulatedInventory(tables).set_stock(seller_id, sku, available);
}

Result<Json> demo_payments(Tables& tables, const std::string& order_id) {
  auto rows = order_rows(tables, SimulatedPaymentGateway::kLedgerTable, order_id);
  if (!rows) return rows.status();
  return Json{{"entries", std::move(*rows)}};
}

Result<Json> demo_notifications(Tables& tables, const std::string& order_id) {
  auto rows = order_rows(tables, SimulatedNotifier::kTable, order_id);
  if (!rows) return rows.status();
  return Json{{"notifications", std::move(*rows)}};
}

}  // namespace cairn::activities
