// The simulated inventory: one row per (seller, SKU), one per (order, seller) reservation.
#include "activities/inventory.h"

#include <map>

#include "activities/service_tables.h"

namespace cairn::activities {

namespace {

constexpr const char* kStock = SimulatedInventory::kTable;
constexpr const char* kReservations = "inventory_reservations";

std::string stock_key(const std::string& seller_id, const std::string& sku) { return seller_id + "|" + sku; }
std::string reservation_key(const SubOrderRef& r) { return r.order_id + "|" + r.seller_id; }

// Stock rows touched by one transaction, written back together at the end.
class StockRows {
 public:
  StockRows(TableTx& tx, std::string seller_id) : tx_(tx), seller_(std::move(seller_id)) {}
  // nullptr for an unknown SKU.
  StockLevel* find(const std::string& sku) {
    auto it = rows_.find(sku);
    if (it != rows_.end()) return &it->second;
    auto j = get_json(tx_, kStock, stock_key(seller_, sku));
    if (!j) return nullptr;
    return &rows_.emplace(sku, j->get<StockLevel>()).first->second;
  }
  StockLevel& find_or_add(const std::string& sku) {
    if (auto* row = find(sku)) return *row;
    return rows_.emplace(sku, StockLevel{seller_, sku, 0, 0}).first->second;
  }
  void save() {
    for (auto& [sku, row] : rows_) put_json(tx_, kStock, stock_key(seller_, sku), Json(row));
  }

 private:
  TableTx& tx_;
  std::string seller_;
  std::map<std::string, StockLevel> rows_;
};

Json reservation_json(const StockRequest& r, const std::string& state) {
  return Json{{"order_id", r.order_id}, {"seller_id", r.seller_id}, {"lines", r.lines}, {"state", state}};
}

}  // namespace

Json SimulatedInventory::reserve(const StockRequest& req, const std::string& key) {
  return run_once(tables_, "inventory.reserve", key, [&](TableTx& tx) {
    const auto rkey = reservation_key(SubOrderRef{req.order_id, req.seller_id});
    if (auto existing = get_json(tx, kReservations, rkey)) return Effect::ok(*existing);
    StockRows rows(tx, req.seller_id);
    for (const auto& line : req.lines) {
      auto* row = rows.find(line.sku);
      if (!row) return Effect::terminal("stock_out", "unknown SKU " + req.seller_id + "/" + line.sku);
      if (line.qty <= 0 || row->available < line.qty)
        return Effect::terminal("stock_out", "not enough stock of " + req.seller_id + "/" + line.sku);
      row->available -= line.qty;
      row->reserved += line.qty;
    }
    rows.save();
    auto reservation = reservation_json(req, "reserved");
    put_json(tx, kReservations, rkey, reservation);
    return Effect::ok(reservation);
  });
}

namespace {

// Moves a reservation to `to`, applying `move` to each line's stock row; a reservation in
// another state than `from` is returned unchanged.
Effect transition(TableTx& tx, const SubOrderRef& ref, const std::string& from, const std::string& to,
                  void (*move)(StockLevel&, std::int64_t)) {
  auto reservation = get_json(tx, kReservations, reservation_key(ref));
  if (!reservation) return Effect::ok(Json{{"order_id", ref.order_id}, {"seller_id", ref.seller_id}, {"state", "none"}});
  if ((*reservation)["state"] != from) return Effect::ok(*reservation);
  StockRows rows(tx, ref.seller_id);
  for (const auto& line : (*reservation)["lines"].get<std::vector<StockLine>>())
    move(rows.find_or_add(line.sku), line.qty);
  rows.save();
  (*reservation)["state"] = to;
  put_json(tx, kReservations, reservation_key(ref), *reservation);
  return Effect::ok(*reservation);
}

}  // namespace

Json SimulatedInventory::capture(const SubOrderRef& ref, const std::string& key) {
  return run_once(tables_, "inventory.capture", key, [&](TableTx& tx) {
    return transition(tx, ref, "reserved", "captured", [](StockLevel& s, std::int64_t q) { s.reserved -= q; });
  });
}

Json SimulatedInventory::release(const SubOrderRef& ref, const std::string& key) {
  return run_once(tables_, "inventory.release", key, [&](TableTx& tx) {
    auto released = transition(tx, ref, "reserved", "released", [](StockLevel& s, std::int64_t q) {
      s.reserved -= q;
      s.available += q;
    });
    if (released.value["state"] != "captured") return released;
    return transition(tx, ref, "captured", "restocked", [](StockLevel& s, std::int64_t q) { s.available += q; });
  });
}

Json SimulatedInventory::restock(const StockRequest& req, const std::string& key) {
  return run_once(tables_, "inventory.restock", key, [&](TableTx& tx) {
    StockRows rows(tx, req.seller_id);
    for (const auto& line : req.lines) rows.find_or_add(line.sku).available += line.qty;
    rows.save();
    return Effect::ok(reservation_json(req, "restocked"));
  });
}

Status SimulatedInventory::set_stock(const std::string& seller_id, const std::string& sku, std::int64_t available) {
  if (seller_id.empty() || sku.empty() || available < 0)
    return Status(Errc::kInvalidArgument, "stock needs a seller, a SKU and a non-negative quantity");
  return tables_.transact([&](TableTx& tx) {
    StockRows rows(tx, seller_id);
    rows.find_or_add(sku).available = available;
    rows.save();
    return Status::ok();
  });
}

std::vector<StockLevel> SimulatedInventory::levels() {
  std::vector<StockLevel> out;
  for (auto& [k, v] : scan_json(tables_, kStock, "")) out.push_back(v.get<StockLevel>());
  return out;
}

}  // namespace cairn::activities
