// Invariant checks over the API: runs, histories, payment ledgers, notifications, stock.
#include "tools/torture/checks.h"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <set>

namespace cairn::torture {

namespace {

class Checker {
 public:
  Checker(api::HttpClient& client, Report& report) : client_(client), report_(report) {}

  // GET `target` as JSON, or nullopt after reporting why not.
  std::optional<Json> get(const std::string& target) {
    auto r = client_.request("GET", target);
    if (!r) {
      report_.violation(fmt::format("GET {} failed: {}", target, r.status().to_string()));
      return std::nullopt;
    }
    Json j = Json::parse(r->body, nullptr, false);
    if (r->status != 200 || j.is_discarded()) {
      report_.violation(fmt::format("GET {} answered {}: {}", target, r->status, r->body));
      return std::nullopt;
    }
    return j;
  }

  void fail(const OrderPlan& p, const std::string& what) {
    report_.violation(fmt::format("{} ({}): {}", p.id, kind_name(p.kind), what));
  }

  // The run ended as planned; returns it.
  std::optional<Json> run(const OrderPlan& p, const std::string& id, const std::string& status,
                          const std::string& state, const std::string& reason) {
    auto r = get("/v1/workflows/" + id);
    if (!r) return std::nullopt;
    const Json& result = (*r)["result"];
    const std::string got_state = result.is_object() ? result.value("state", "") : "";
    const std::string got_reason = result.is_object() && result["reason"].is_string() ? result["reason"].get<std::string>() : "";
    if ((*r)["status"] != status || (!state.empty() && got_state != state) || (!reason.empty() && got_reason != reason))
      fail(p, fmt::format("run {} ended {} / {} / {} instead of {} / {} / {} (error: {})", id, (*r)["status"].dump(),
                          got_state, got_reason, status, state, reason, (*r)["error"].dump()));
    history(p, id);
    return r;
  }

  // seq 1..N through pages of an odd size, WorkflowStarted first, a terminal event last.
  void history(const OrderPlan& p, const std::string& id) {
    std::int64_t expected = 1, after = 0;
    std::string first, last;
    for (;;) {
      auto page = get(fmt::format("/v1/workflows/{}/history?after={}&limit=37", id, after));
      if (!page) return;
      for (const auto& e : (*page)["events"]) {
        if (e["seq"] != expected) return fail(p, fmt::format("history of {} has seq {} where {} belongs", id, e["seq"].dump(), expected));
        if (first.empty()) first = e["type"];
        last = e["type"];
        ++expected;
      }
      if ((*page)["next_cursor"].is_null()) break;
      after = (*page)["next_cursor"].get<std::int64_t>();
    }
    static const std::set<std::string> kEnds = {"WorkflowCompleted", "WorkflowFailed", "WorkflowCancelled", "WorkflowTerminated"};
    if (first != "WorkflowStarted" || !kEnds.count(last))
      fail(p, fmt::format("history of {} runs from {} to {} ({} events)", id, first, last, expected - 1));
  }

  // The order's ledger against its outcome; `refund` is what a return gave back (0 if none).
  void payments(const OrderPlan& p, bool delivered, std::int64_t refund) {
    auto ledger = get("/v1/demo/payments?order=" + p.id);
    if (!ledger) return;
    std::set<std::string> keys;
    struct Totals {
      int authorize = 0, capture = 0, void_ = 0, decline = 0;
      std::int64_t captured = 0, refunded = 0;
    };
    std::map<std::string, Totals> by_method;
    for (const auto& e : (*ledger)["entries"]) {
      const std::string key = e["idempotency_key"], kind = e["kind"];
      if (!keys.insert(key).second) fail(p, fmt::format("two ledger entries with idempotency key {}", key));
      Totals& t = by_method[e["method"]];
      const std::int64_t amount = e["amount"];
      if (kind == "authorize") ++t.authorize;
      if (kind == "capture") ++t.capture, t.captured += amount;
      if (kind == "void") ++t.void_;
      if (kind == "decline") ++t.decline;
      if (kind == "refund") t.refunded += amount;
    }
    std::int64_t net = 0, total = 0;
    for (const auto& part : p.input["payments"]) {
      const std::string method = part["method"];
      const std::int64_t amount = part["amount"];
      const Totals& t = by_method[method];
      total += amount;
      net += t.captured - t.refunded;
      if (t.authorize > 1 || t.capture > 1 || t.void_ > 1)
        fail(p, fmt::format("{}: {} authorizations, {} captures, {} voids", method, t.authorize, t.capture, t.void_));
      if (delivered && (t.capture != 1 || t.captured != amount))
        fail(p, fmt::format("{}: captured {} in {} entries instead of {} once", method, t.captured, t.capture, amount));
      if (!delivered && t.authorize == 1 && t.void_ == 0 && !(t.capture == 1 && t.refunded == t.captured))
        fail(p, fmt::format("{}: an authorization of an order that did not go through is neither voided nor refunded", method));
      if (p.kind == Kind::kDeclined && method == "card" && (t.decline != 1 || t.authorize != 0))
        fail(p, fmt::format("card: {} declines and {} authorizations instead of one decline", t.decline, t.authorize));
    }
    const std::int64_t want = delivered ? total - refund : 0;
    if (net != want) fail(p, fmt::format("net charge {} instead of {} (ledger {})", net, want, (*ledger)["entries"].dump()));
  }

  void notifications(const OrderPlan& p, const std::vector<std::string>& required) {
    auto sent = get("/v1/demo/notifications?order=" + p.id);
    if (!sent) return;
    std::map<std::string, int> count;
    for (const auto& n : (*sent)["notifications"]) {
      std::string key = fmt::format("{}:{}", n["to"].get<std::string>(), n["kind"].get<std::string>());
      const Json& d = n["data"];
      if (n["kind"] == "shipment" || n["kind"] == "tracking") key += "/" + d.value("seller_id", "");
      if (n["kind"] == "tracking") key += "/" + d.value("event", "");
      if (++count[key] == 2) fail(p, "notification sent twice: " + key);
    }
    for (const auto& r : required)
      if (!count.count(r)) fail(p, "notification missing: " + r);
  }

  void order(const OrderPlan& p, std::map<std::string, std::int64_t>& sold) {
    auto r = run(p, p.id, p.status, p.state, p.reason);
    if (!r) return;
    const bool delivered = p.state == "delivered";
    std::int64_t refund = 0;
    std::vector<std::string> required;
    if (delivered) {
      required = {"customer:order_confirmed", "customer:delivered", "customer:feedback_invite", "seller:s-1:new_order",
                  "seller:s-2:new_order", "customer:shipment/s-1", "customer:shipment/s-2"};
      for (const auto& item : p.input["items"]) sold[item["seller_id"].get<std::string>() + "/" + item["sku"].get<std::string>()] += item["qty"].get<std::int64_t>();
    }
    if (p.kind == Kind::kCancel) required = {"customer:order_cancelled"};
    if (p.kind == Kind::kDeclined) required = {"customer:payment_failed"};
    if (p.kind == Kind::kFraudReject) required = {"customer:order_rejected", "admin:fraud_review"};
    if (p.kind == Kind::kFraudApprove) required.push_back("admin:fraud_review");
    if (p.kind == Kind::kReturn) {
      refund = expected_refund(p.input, p.return_items);
      auto ret = run(p, p.return_id, "completed", "returned", "");
      if (ret && (*ret)["result"].value("refund", std::int64_t{-1}) != refund)
        fail(p, fmt::format("return refunded {} instead of {}", (*ret)["result"]["refund"].dump(), refund));
      for (const auto& item : p.return_items) sold[item["seller_id"].get<std::string>() + "/" + item["sku"].get<std::string>()] -= item["qty"].get<std::int64_t>();
      for (const char* n : {"customer:return_label", "customer:refund", "seller:s-1:return_requested"}) required.push_back(n);
    }
    payments(p, delivered, refund);
    notifications(p, required);
  }

  void stock(const std::map<std::string, std::int64_t>& sold) {
    auto inventory = get("/v1/demo/inventory");
    if (!inventory) return;
    std::set<std::string> seen;
    for (const auto& item : (*inventory)["items"]) {
      const std::string key = item["seller_id"].get<std::string>() + "/" + item["sku"].get<std::string>();
      seen.insert(key);
      auto it = sold.find(key);
      const std::int64_t want = kInitialStock - (it == sold.end() ? 0 : it->second);
      if (item["available"] != want || item["reserved"] != 0)
        report_.violation(fmt::format("stock of {}: available {} reserved {}, expected {} and 0 ({} sold of {})", key,
                                      item["available"].dump(), item["reserved"].dump(), want, kInitialStock - want, kInitialStock));
    }
    for (const auto& s : skus())
      if (!seen.count(s.seller_id + "/" + s.sku)) report_.violation("stock of " + s.seller_id + "/" + s.sku + " is gone");
  }

  void nothing_left_running() {
    for (const char* status : {"running", "waiting", "stuck"}) {
      auto page = get(std::string("/v1/workflows?limit=1000&status=") + status);
      if (page && !(*page)["workflows"].empty())
        report_.violation(fmt::format("{} runs still {}, e.g. {}", (*page)["workflows"].size(), status, (*page)["workflows"][0].dump()));
    }
  }

 private:
  api::HttpClient& client_;
  Report& report_;
};

}  // namespace

void check_all(api::HttpClient& client, const std::vector<OrderPlan>& plans, Report& report) {
  Checker c(client, report);
  std::map<std::string, std::int64_t> sold;
  for (const auto& p : plans) c.order(p, sold);
  c.stock(sold);
  c.nothing_left_running();
}

}  // namespace cairn::torture
