// Inventory: per-seller stock with reservations, so concurrent orders never oversell.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cairn/json.h"
#include "cairn/status.h"
#include "cairn/tables.h"
#include "activities/order_types.h"

namespace cairn::activities {

struct StockLine {
  std::string sku;
  std::int64_t qty = 0;
};
// Reserve or restock `lines` of one seller for one order.
struct StockRequest {
  std::string order_id;
  std::string seller_id;
  std::vector<StockLine> lines;
};
struct StockLevel {
  std::string seller_id;
  std::string sku;
  std::int64_t available = 0;
  std::int64_t reserved = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StockLine, sku, qty)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StockRequest, order_id, seller_id, lines)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StockLevel, seller_id, sku, available, reserved)

// Mutating calls take the caller's idempotency key (the same key twice moves stock once) and
// answer with the reservation as JSON {order_id, seller_id, lines, state}. Any thread.
class Inventory {
 public:
  virtual ~Inventory() = default;
  // All or nothing for the seller's lines: moves qty from available to reserved. Throws
  // TerminalError of type "stock_out" for an unknown SKU or too little stock. A second reserve
  // for the same order and seller returns the first reservation.
  virtual Json reserve(const StockRequest& request, const std::string& key) = 0;
  // Turns the reservation into a sale: reserved drops, available stays.
  virtual Json capture(const SubOrderRef& ref, const std::string& key) = 0;
  // Gives the order's stock back whatever its stage: a reservation returns to available, a
  // captured sale is restocked. Nothing reserved: nothing to do.
  virtual Json release(const SubOrderRef& ref, const std::string& key) = 0;
  // Adds returned units to available.
  virtual Json restock(const StockRequest& request, const std::string& key) = 0;
  // Sets a SKU's available stock (demo API); reserved units are kept.
  virtual Status set_stock(const std::string& seller_id, const std::string& sku, std::int64_t available) = 0;
  // Every SKU, in (seller, SKU) key order.
  virtual std::vector<StockLevel> levels() = 0;
};

// The demo inventory: stock is whatever set_stock() said, kept in `tables`.
class SimulatedInventory final : public Inventory {
 public:
  explicit SimulatedInventory(Tables& tables) : tables_(tables) {}
  Json reserve(const StockRequest& request, const std::string& key) override;
  Json capture(const SubOrderRef& ref, const std::string& key) override;
  Json release(const SubOrderRef& ref, const std::string& key) override;
  Json restock(const StockRequest& request, const std::string& key) override;
  Status set_stock(const std::string& seller_id, const std::string& sku, std::int64_t available) override;
  std::vector<StockLevel> levels() override;

  static constexpr const char* kTable = "inventory";

 private:
  Tables& tables_;
};

}  // namespace cairn::activities
