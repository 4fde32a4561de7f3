// order.return: approve (RMA and label), wait for the parcel at each seller, inspect it, refund
// the returned value plus its share of shipping to the original payment methods, restock.
#include <set>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/errors.h"
#include "activities/inventory.h"
#include "activities/notifications.h"
#include "activities/orders.h"
#include "activities/payments.h"
#include "workflows/order_workflows.h"
#include "workflows/refunds.h"

namespace cairn::workflows {

using activities::ReturnRequest;

namespace {

// The returned lines grouped by seller, sellers in the order they first appear.
std::vector<activities::StockRequest> by_seller(const ReturnRequest& r) {
  std::vector<activities::StockRequest> out;
  for (const auto& line : r.items) {
    auto it = out.begin();
    while (it != out.end() && it->seller_id != line.seller_id) ++it;
    if (it == out.end()) {
      out.push_back(activities::StockRequest{r.order_id, line.seller_id, {}});
      it = out.end() - 1;
    }
    it->lines.push_back(activities::StockLine{line.sku, line.qty});
  }
  return out;
}

class Return {
 public:
  Return(WorkflowContext& ctx, ReturnRequest request)
      : ctx_(ctx), id_(ctx.run_id()), req_(std::move(request)), sellers_(by_seller(req_)) {}

  // The `status` query: {"state", "rma", "waiting_for": [seller ids whose parcel is not in]}.
  Json status() const {
    Json waiting = Json::array();
    for (const auto& s : sellers_)
      if (!received_.count(s.seller_id)) waiting.push_back(s.seller_id);
    return {{"state", state_}, {"rma", rma_.rma}, {"waiting_for", std::move(waiting)}};
  }

  Task<Json> run() {
    std::string refused;
    Json placed;
    try {
      placed = co_await ctx_.activity<Json>("orders.get", order_ref());
      rma_ = co_await ctx_.activity<activities::Rma>("returns.open_rma", rma_request());
    } catch (const ActivityFailed& e) {
      refused = e.type();
    }
    if (!refused.empty()) {
      state_ = "rejected";
      co_return outcome(refused);
    }
    state_ = "approved";
    co_await notify("customer", "return_label", label_data());
    for (const auto& s : sellers_) co_await notify("seller:" + s.seller_id, "return_requested", requested_data(s));

    state_ = "awaiting_return";
    while (received_.size() < sellers_.size()) {
      auto parcel = co_await ctx_.wait_signal<Json>("return.received");
      const auto seller = parcel.is_object() ? parcel.value("seller_id", Json()) : Json();
      for (const auto& s : sellers_)
        if (seller == s.seller_id) received_.insert(s.seller_id);
    }

    if (ctx_.patched("return-inspection")) {  // returns started before it refund without one
      state_ = "inspecting";
      for (const auto& s : sellers_) {
        auto parcel = activities::ReturnParcel{req_.order_id, rma_.rma, s.seller_id};  // a named local: GCC 12
        co_await ctx_.activity<void>("returns.inspect", std::move(parcel));
      }
    }
    state_ = "refunding";
    const auto record = placed.get<activities::OrderRecord>();
    refund_ = refund_amount(record.order, req_.items);
    parts_ = split_refund(refund_, placed["payments"].get<std::vector<activities::PaymentRecord>>());
    for (const auto& part : parts_) {
      auto refund = refund_request(part);  // a named local: see order_place.cpp on GCC 12
      co_await ctx_.activity<void>("payment.refund", std::move(refund));
    }
    for (const auto& s : sellers_) co_await ctx_.activity<void>("inventory.restock", s);
    co_await notify("customer", "refund", refund_data());
    state_ = "returned";
    co_return outcome("");
  }

 private:
  Task<void> notify(std::string to, std::string kind, Json data) {
    co_await ctx_.activity<void>("notify.send",
                                 activities::notification(req_.order_id, std::move(to), std::move(kind), std::move(data)));
  }

  Json order_ref() const { return {{"order_id", req_.order_id}}; }
  activities::RefundRequest refund_request(const RefundPart& part) const {
    return activities::RefundRequest{req_.order_id, part.index, part.amount};
  }
  activities::RmaRequest rma_request() const {
    return activities::RmaRequest{req_.order_id, id_, req_.items, req_.reason,
                                  ctx_.now().time_since_epoch().count()};
  }
  Json label_data() const { return {{"rma", rma_.rma}, {"label", rma_.label}, {"return_id", id_}}; }
  Json requested_data(const activities::StockRequest& s) const {
    return {{"rma", rma_.rma}, {"return_id", id_}, {"lines", s.lines}, {"reason", req_.reason}};
  }
  Json refunds_json() const {
    Json out = Json::array();
    for (const auto& p : parts_) out.push_back({{"method", p.method}, {"amount", p.amount}});
    return out;
  }
  Json refund_data() const { return {{"rma", rma_.rma}, {"amount", refund_}, {"refunds", refunds_json()}}; }
  // `refused` empty: the return completed; else why it was not approved.
  Json outcome(const std::string& refused) const {
    if (!refused.empty()) return {{"state", "rejected"}, {"reason", refused}, {"order_id", req_.order_id}};
    return {{"state", "returned"}, {"reason", nullptr},         {"order_id", req_.order_id},
            {"rma", rma_.rma},     {"refund", refund_},         {"refunds", refunds_json()}};
  }

  WorkflowContext& ctx_;
  std::string id_;
  ReturnRequest req_;
  std::vector<activities::StockRequest> sellers_;
  std::set<std::string> received_;
  std::string state_ = "requested";
  activities::Rma rma_;
  std::int64_t refund_ = 0;
  std::vector<RefundPart> parts_;
};

}  // namespace

Task<Json> return_order(WorkflowContext& ctx, ReturnRequest request) {
  Return ret(ctx, std::move(request));
  auto status = ctx.on_query("status", [&ret] { return ret.status(); });
  co_return co_await ret.run();
}

}  // namespace cairn::workflows
