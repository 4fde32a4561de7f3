// JSON forms, totals and start-time validation of the order types.
#include "activities/order_types.h"

#include <exception>
#include <optional>
#include <stdexcept>

namespace cairn::activities {

// NOTE: missing fields parse as empty so that validate_order() can name what is missing; a field
// of the wrong JSON type throws std::invalid_argument naming it (a 400 with the message).
void to_json(Json& j, const OrderItem& v) {
  j = Json{{"sku", v.sku}, {"seller_id", v.seller_id}, {"qty", v.qty}, {"unit_price", v.unit_price}};
}
void from_json(const Json& j, OrderItem& v) {
  require_object(j, "an item");
  v.sku = string_field(j, "sku");
  v.seller_id = string_field(j, "seller_id");
  v.qty = int_field(j, "qty", 0);
  v.unit_price = int_field(j, "unit_price", 0);
}

void to_json(Json& j, const PaymentPart& v) {
  j = Json{{"method", v.method}, {"amount", v.amount}};
  if (v.token) j["token"] = *v.token;
}
void from_json(const Json& j, PaymentPart& v) {
  require_object(j, "a payment");
  v.method = string_field(j, "method");
  v.amount = int_field(j, "amount", 0);
  v.token.reset();
  if (auto it = j.find("token"); it != j.end() && !it->is_null()) v.token = string_field(j, "token");
}

void to_json(Json& j, const Order& v) {
  j = Json{{"customer_id", v.customer_id}, {"currency", v.currency},       {"items", v.items},
           {"shipping", v.shipping},       {"payments", v.payments},       {"shipping_address", v.shipping_address}};
}
void from_json(const Json& j, Order& v) {
  require_object(j, "the order");
  v.customer_id = string_field(j, "customer_id");
  v.currency = string_field(j, "currency");
  v.items = list_field<OrderItem>(j, "items");
  v.shipping = int_field(j, "shipping", 0);
  v.payments = list_field<PaymentPart>(j, "payments");
  v.shipping_address = j.value("shipping_address", Json::object());
}

void to_json(Json& j, const SellerLines& v) { j = Json{{"seller_id", v.seller_id}, {"items", v.items}}; }
void from_json(const Json& j, SellerLines& v) {
  require_object(j, "a seller's lines");
  v.seller_id = string_field(j, "seller_id");
  v.items = list_field<OrderItem>(j, "items");
}

void to_json(Json& j, const ReturnLine& v) {
  j = Json{{"sku", v.sku}, {"seller_id", v.seller_id}, {"qty", v.qty}};
}
void from_json(const Json& j, ReturnLine& v) {
  require_object(j, "a returned item");
  v.sku = string_field(j, "sku");
  v.seller_id = string_field(j, "seller_id");
  v.qty = int_field(j, "qty", 0);
}

void to_json(Json& j, const ReturnRequest& v) {
  j = Json{{"order_id", v.order_id}, {"items", v.items}, {"reason", v.reason}};
}
void from_json(const Json& j, ReturnRequest& v) {
  require_object(j, "the return");
  v.order_id = string_field(j, "order_id");
  v.items = list_field<ReturnLine>(j, "items");
  v.reason = string_field(j, "reason");
}

std::int64_t items_value(const std::vector<OrderItem>& items) {
  std::int64_t sum = 0;
  for (const auto& i : items) sum += i.qty * i.unit_price;
  return sum;
}

std::int64_t order_total(const Order& order) { return items_value(order.items) + order.shipping; }

std::vector<SellerLines> split_by_seller(const std::vector<OrderItem>& items) {
  std::vector<SellerLines> out;
  for (const auto& item : items) {
    auto it = out.begin();
    while (it != out.end() && it->seller_id != item.seller_id) ++it;
    if (it == out.end()) {
      out.push_back(SellerLines{item.seller_id, {}});
      it = out.end() - 1;
    }
    it->items.push_back(item);
  }
  return out;
}

namespace {

// Bounds of one field. Each qty × unit_price fits int64, but a sum of them need not: sums are
// checked against kMaxTotal as they grow.
constexpr std::int64_t kMaxQty = 1'000'000;
constexpr std::int64_t kMaxAmount = 1'000'000'000'000;
// The largest order total (items + shipping) and payments sum, in minor units (10^12: ten billion
// euros). Every later product or sum of an order's money (refunds, risk) stays far below int64.
constexpr std::int64_t kMaxTotal = kMaxAmount;

// `sum` + a × b, or nullopt when it would pass kMaxTotal (or int64, which the builtins catch).
std::optional<std::int64_t> add_capped(std::int64_t sum, std::int64_t a, std::int64_t b) {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product) || __builtin_add_overflow(sum, product, &sum) || sum > kMaxTotal)
    return std::nullopt;
  return sum;
}

std::string check_order(const Order& o) {
  if (o.customer_id.empty()) return "customer_id is required";
  if (o.items.empty()) return "items must not be empty";
  for (const auto& i : o.items) {
    if (i.sku.empty() || i.seller_id.empty()) return "every item needs a sku and a seller_id";
    if (i.qty <= 0 || i.qty > kMaxQty) return "item " + i.sku + ": qty must be between 1 and 1000000";
    if (i.unit_price < 0 || i.unit_price > kMaxAmount) return "item " + i.sku + ": unit_price must be between 0 and 10^12";
  }
  if (o.shipping < 0 || o.shipping > kMaxAmount) return "shipping must be between 0 and 10^12";
  std::optional<std::int64_t> total = o.shipping;
  for (const auto& i : o.items)
    if (total) total = add_capped(*total, i.qty, i.unit_price);
  if (!total) return "the order total (items + shipping) exceeds 10^12";
  if (o.payments.empty()) return "payments must not be empty";
  std::optional<std::int64_t> paid = 0;
  for (const auto& p : o.payments) {
    if (p.method != "card" && p.method != "points" && p.method != "deferred")
      return "unknown payment method '" + p.method + "' (card, points, deferred)";
    if (p.method == "card" && (!p.token || p.token->empty())) return "a card payment needs a token";
    if (p.amount <= 0 || p.amount > kMaxAmount) return "payment amounts must be between 1 and 10^12";
    if (paid) paid = add_capped(*paid, p.amount, 1);
  }
  if (!paid) return "the payments sum to more than 10^12";
  if (*paid != *total)
    return "payments sum to " + std::to_string(*paid) + ", the order totals " + std::to_string(*total);
  return "";
}

}  // namespace

std::string validate_order(const Json& input) {
  if (!input.is_object()) return "the order must be a JSON object";
  try {
    return check_order(input.get<Order>());
  } catch (const std::exception& e) {
    return input_error(e);
  }
}

std::string validate_return(const Json& input) {
  if (!input.is_object()) return "the return must be a JSON object";
  try {
    auto r = input.get<ReturnRequest>();
    if (r.order_id.empty()) return "order_id is required";
    if (r.items.empty()) return "items must not be empty";
    for (const auto& i : r.items) {
      if (i.sku.empty() || i.seller_id.empty()) return "every item needs a sku and a seller_id";
      if (i.qty <= 0 || i.qty > kMaxQty) return "item " + i.sku + ": qty must be between 1 and 1000000";
    }
  } catch (const std::exception& e) {
    return input_error(e);
  }
  return "";
}

}  // namespace cairn::activities
