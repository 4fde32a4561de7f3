// The simulated payment gateway: one row per payment part, an append-only ledger per order.
#include "activities/payments.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

namespace cairn::activities {

namespace {

constexpr const char* kParts = "payment_parts";
constexpr const char* kOrderRefunds = "payment_order_refunds";  // key "<order>|<refund id>"
constexpr std::chrono::seconds kSlowCall{2};

std::string part_key(const std::string& order_id, int index) {
  return order_id + "|" + seq_key(index);
}

}  // namespace

std::vector<RefundPart> split_refund(std::int64_t amount, const std::vector<PaymentRecord>& parts) {
  std::vector<RefundPart> out;
  for (const auto& p : parts) {
    if (amount <= 0) break;
    const std::int64_t take = std::min(amount, p.captured - p.refunded);
    if (take <= 0) continue;
    out.push_back(RefundPart{p.index, p.method, take});
    amount -= take;
  }
  return out;
}

SimulatedPaymentGateway::SimulatedPaymentGateway(Tables& tables, NowFn now)
    : tables_(tables), now_(std::move(now)) {}

namespace {

// Appends one ledger entry under the order, in the same transaction as the effect it records.
void ledger(TableTx& tx, const std::string& order_id, const std::string& method, const char* kind,
            std::int64_t amount, const std::string& key, std::int64_t at) {
  auto n = next_seq(tx, std::string("ledger|") + order_id);
  put_json(tx, SimulatedPaymentGateway::kLedgerTable, order_id + "|" + seq_key(n),
           Json{{"order_id", order_id}, {"method", method}, {"kind", kind}, {"amount", amount},
                {"idempotency_key", key}, {"at", at}});
}

std::optional<PaymentRecord> load_part(TableTx& tx, const std::string& order_id, int index) {
  auto j = get_json(tx, kParts, part_key(order_id, index));
  if (!j) return std::nullopt;
  return j->get<PaymentRecord>();
}

void save_part(TableTx& tx, const std::string& order_id, const PaymentRecord& part) {
  put_json(tx, kParts, part_key(order_id, part.index), Json(part));
}

// The part numbered `index` of `parts` (the order's, which a refund's split is made from).
PaymentRecord& part_numbered(std::vector<PaymentRecord>& parts, int index) {
  return *std::find_if(parts.begin(), parts.end(), [&](const PaymentRecord& p) { return p.index == index; });
}

Effect refund_refused() {
  return Effect::retry("gateway_unavailable", "the gateway cannot refund this payment (tok_noreverse)");
}

}  // namespace

// NOTE: the part's token comes back with every answer, so the slow card costs no extra read.
Json SimulatedPaymentGateway::slow_down(Json part) {
  if (part.value("token", std::string{}) == "tok_slow") std::this_thread::sleep_for(kSlowCall);
  return part;
}

Json SimulatedPaymentGateway::authorize(const AuthorizeRequest& req, const std::string& key) {
  const std::string token = req.method == "card" ? req.token : std::string{};
  const auto at = now_();
  return slow_down(run_once(tables_, "payment.authorize", key, [&](TableTx& tx) {
    if (auto existing = load_part(tx, req.order_id, req.index)) return Effect::ok(Json(*existing));
    if (token == "tok_decline") {
      ledger(tx, req.order_id, req.method, "decline", req.amount, key, at);
      return Effect::terminal("declined", "card declined");
    }
    if (token == "tok_unavailable")
      return Effect::retry("gateway_unavailable", "payment gateway unreachable");
    if (token == "tok_flaky" && next_seq(tx, "flaky|" + req.order_id) <= 2)
      return Effect::retry("gateway_unavailable", "payment gateway timed out (tok_flaky)");
    PaymentRecord part{req.index, req.method, token, req.amount, 0, 0, "authorized"};
    save_part(tx, req.order_id, part);
    ledger(tx, req.order_id, req.method, "authorize", req.amount, key, at);
    return Effect::ok(Json(part));
  }));
}

Json SimulatedPaymentGateway::capture(const PaymentRef& ref, const std::string& key) {
  const auto at = now_();
  return slow_down(run_once(tables_, "payment.capture", key, [&](TableTx& tx) {
    auto part = load_part(tx, ref.order_id, ref.index);
    if (!part || part->state == "voided")
      return Effect::terminal("not_authorized", "no live authorization to capture");
    if (part->state == "authorized") {
      part->captured = part->authorized;
      part->state = "captured";
      save_part(tx, ref.order_id, *part);
      ledger(tx, ref.order_id, part->method, "capture", part->captured, key, at);
    }
    return Effect::ok(Json(*part));
  }));
}

Json SimulatedPaymentGateway::reverse(const PaymentRef& ref, const std::string& key) {
  const auto at = now_();
  return slow_down(run_once(tables_, "payment.reverse", key, [&](TableTx& tx) {
    auto part = load_part(tx, ref.order_id, ref.index);
    if (!part) return Effect::ok(Json{{"index", ref.index}, {"state", "none"}});
    if (part->token == "tok_noreverse")  // the gateway lost the payment: a person must reverse it
      return Effect::retry("gateway_unavailable", "the gateway cannot reverse this payment (tok_noreverse)");
    if (part->state == "authorized") {
      part->state = "voided";
      save_part(tx, ref.order_id, *part);
      ledger(tx, ref.order_id, part->method, "void", part->authorized, key, at);
    } else if (part->state == "captured" && part->captured > part->refunded) {
      ledger(tx, ref.order_id, part->method, "refund", part->captured - part->refunded, key, at);
      part->refunded = part->captured;
      save_part(tx, ref.order_id, *part);
    }
    return Effect::ok(Json(*part));
  }));
}

Json SimulatedPaymentGateway::refund(const RefundRequest& req, const std::string& key) {
  const auto at = now_();
  return slow_down(run_once(tables_, "payment.refund", key, [&](TableTx& tx) {
    auto part = load_part(tx, req.order_id, req.index);
    if (part && part->token == "tok_noreverse") return refund_refused();
    if (!part || part->state != "captured" || req.amount < 0 || req.amount > part->captured - part->refunded)
      return Effect::terminal("exceeds_capture", "refund exceeds what is left of the capture");
    if (req.amount > 0) {
      part->refunded += req.amount;
      save_part(tx, req.order_id, *part);
      ledger(tx, req.order_id, part->method, "refund", req.amount, key, at);
    }
    return Effect::ok(Json(*part));
  }));
}

std::vector<RefundPart> SimulatedPaymentGateway::refund_order(const OrderRefundRequest& req, const std::string& key) {
  const auto at = now_();
  bool slow = false;  // a tok_slow part takes its 2 s here too (once the transaction is over)
  Json answer = run_once(tables_, "payment.refund_order", key, [&](TableTx& tx) {
    const std::string done_key = req.order_id + "|" + req.refund_id;
    if (auto done = get_json(tx, kOrderRefunds, done_key)) return Effect::ok(*done);
    std::vector<PaymentRecord> parts;
    for (const auto& [k, v] : tx.scan(kParts, req.order_id + "|")) parts.push_back(Json::parse(v).get<PaymentRecord>());
    const auto split = split_refund(req.amount, parts);
    std::int64_t left = req.amount;
    for (const auto& p : split) left -= p.amount;
    if (req.amount < 0 || left > 0)
      return Effect::terminal("exceeds_capture", "a refund of " + std::to_string(req.amount) + " exceeds what is left of order " +
                                                     req.order_id + "'s captures");
    for (const auto& p : split) {  // all parts or none: checked before the first is refunded
      const PaymentRecord& part = part_numbered(parts, p.index);
      if (part.token == "tok_noreverse") return refund_refused();
      slow = slow || part.token == "tok_slow";
    }
    for (const auto& p : split) {
      PaymentRecord& part = part_numbered(parts, p.index);
      part.refunded += p.amount;
      save_part(tx, req.order_id, part);
      // One ledger entry per part, each under its own key: the refund's, plus the part.
      ledger(tx, req.order_id, part.method, "refund", p.amount, key + "#" + std::to_string(p.index), at);
    }
    put_json(tx, kOrderRefunds, done_key, Json(split));
    return Effect::ok(Json(split));
  });
  if (slow) std::this_thread::sleep_for(kSlowCall);
  return answer.get<std::vector<RefundPart>>();
}

std::vector<PaymentRecord> SimulatedPaymentGateway::payments(const std::string& order_id) {
  std::vector<PaymentRecord> out;
  for (auto& [k, v] : scan_json(tables_, kParts, order_id + "|")) out.push_back(v.get<PaymentRecord>());
  return out;
}

}  // namespace cairn::activities
