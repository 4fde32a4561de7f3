// Order-domain value types shared by the activities and the order sagas, with their JSON forms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cairn/json.h"

namespace cairn::activities {

// One cart line; unit_price is in minor units and is the price locked for the order.
struct OrderItem {
  std::string sku;
  std::string seller_id;
  std::int64_t qty = 0;
  std::int64_t unit_price = 0;
};

// One payment method's share of the total. `token` is required for cards only.
struct PaymentPart {
  std::string method;  // card, points, deferred
  std::int64_t amount = 0;
  std::optional<std::string> token;
};

// The `order.place` input (DOMAIN.md "Shapes").
struct Order {
  std::string customer_id;
  std::string currency;
  std::vector<OrderItem> items;
  std::int64_t shipping = 0;
  std::vector<PaymentPart> payments;
  Json shipping_address = Json::object();
};

// The lines of one seller: a sub-order.
struct SellerLines {
  std::string seller_id;
  std::vector<OrderItem> items;
};

// One seller's part of one order (its sub-order): what its reservation, shipment and so on name.
struct SubOrderRef {
  std::string order_id;
  std::string seller_id;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SubOrderRef, order_id, seller_id)

// The `order.return` input: which lines (possibly fewer units) go back, and why.
struct ReturnLine {
  std::string sku;
  std::string seller_id;
  std::int64_t qty = 0;
};
struct ReturnRequest {
  std::string order_id;
  std::vector<ReturnLine> items;
  std::string reason;
};

void to_json(Json& j, const OrderItem& v);
void from_json(const Json& j, OrderItem& v);
void to_json(Json& j, const PaymentPart& v);
void from_json(const Json& j, PaymentPart& v);
void to_json(Json& j, const Order& v);
void from_json(const Json& j, Order& v);
void to_json(Json& j, const SellerLines& v);
void from_json(const Json& j, SellerLines& v);
void to_json(Json& j, const ReturnLine& v);
void from_json(const Json& j, ReturnLine& v);
void to_json(Json& j, const ReturnRequest& v);
void from_json(const Json& j, ReturnRequest& v);

// Sum of qty × unit_price over `items`. Unchecked: only for orders validate_order() accepted,
// whose total it caps at 10^12.
std::int64_t items_value(const std::vector<OrderItem>& items);
// Items value plus shipping: what the payments must add up to.
std::int64_t order_total(const Order& order);
// One entry per seller, in the order sellers first appear in the cart.
std::vector<SellerLines> split_by_seller(const std::vector<OrderItem>& items);

// DOMAIN.md's "Rejected at start with 400" rules: "" when valid, else what is wrong. Also refused:
// an order total (items + shipping) or payments sum above 10^12 minor units, with checked
// arithmetic, so no total can wrap.
std::string validate_order(const Json& input);
// An `order.return` input needs an order id and at least one line with a positive quantity.
std::string validate_return(const Json& input);

}  // namespace cairn::activities
