// order.return: approve (RMA and label), wait for the parcel at each seller, inspect it, refund
// the returned value plus its share of shipping to the original payment methods, restock. A cancel
// before the refund releases the RMA; once the refund started it is refused.
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cairn/errors.h"
#include "cairn/saga.h"
#include "activities/inventory.h"
#include "activities/notifications.h"
#include "activities/orders.h"
#include "activities/payments.h"
#include "workflows/order_workflows.h"
#include "workflows/refunds.h"
#include "workflows/undo_on_cancel.h"

namespace cairn::workflows {

using activities::ReturnRequest;

namespace {

// Returns that passed these points before the changes replay as they ran: a refund split over the
// captures as they stood when the return started; a cancel that released nothing and told no one.
constexpr const char* kRefundSplitAtRefund = "refund-split-at-refund-time";
constexpr const char* kCancelReleasesRma = "return-cancel-releases-rma";

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

  // The `status` query: {"state", "rma" (null until one is issued), "waiting_for": [seller ids
  // whose parcel is not in, while parcels are expected]}. A rejected or cancelled return waits
  // for none.
  Json status() const {
    Json waiting = Json::array();
    if (state_ == "approved" || state_ == "awaiting_return")
      for (const auto& s : sellers_)
        if (!received_.count(s.seller_id)) waiting.push_back(s.seller_id);
    return {{"state", state_}, {"rma", rma_.rma.empty() ? Json() : Json(rma_.rma)}, {"waiting_for", std::move(waiting)}};
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
    labelled_ = true;
    for (const auto& s : sellers_) {
      co_await notify("seller:" + s.seller_id, "return_requested", requested_data(s));
      told_.insert(s.seller_id);
    }

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
    // A cancel that came in during the inspection (or while the last parcel was taken in).
    if (ctx_.cancel_requested() && ctx_.patched(kCancelReleasesRma)) throw CancelledError();

    state_ = "refunding";
    const auto record = placed.get<activities::OrderRecord>();
    refund_ = refund_amount(record.order, req_.items);
    if (ctx_.patched(kRefundSplitAtRefund)) {
      // NOTE: the gateway splits the refund over what each capture has left now, in the same
      // transaction as the refunds: another return of the order may have refunded since this one
      // started, or may be refunding at this moment.
      Json request = order_refund();  // named locals: see order_place.cpp on GCC 12
      Json refunds = co_await settle("payment.refund_order", std::move(request));
      parts_ = refunds.get<std::vector<activities::RefundPart>>();
    } else {
      parts_ = activities::split_refund(refund_, placed["payments"].get<std::vector<activities::PaymentRecord>>());
      for (const auto& part : parts_) {
        Json refund = refund_request(part);
        co_await settle("payment.refund", std::move(refund));
      }
    }
    for (const auto& s : sellers_) {
      Json restock = s;
      co_await settle("inventory.restock", std::move(restock));
    }
    Json refunded = note("customer", "refund", refund_data());
    co_await settle("notify.send", std::move(refunded));
    if ((cancel_refused_ || ctx_.cancel_requested()) && ctx_.patched(kCancelReleasesRma)) {
      ctx_.decline_cancel();
      cancel_refused_ = true;
      Json refused = note("customer", "cancel_refused", refused_data());
      co_await settle("notify.send", std::move(refused));
    }
    state_ = "returned";
    co_return outcome("");
  }

  // A cancel before the refund: the RMA is released (its units can be returned again) and the
  // customer and the sellers told of the return get `return_cancelled`. Returns cancelled before
  // this existed replay without it.
  Task<void> undo() {
    if (!ctx_.patched(kCancelReleasesRma)) co_return;
    state_ = "cancelled";
    // NOTE: a compensation, so that a second cancel request cannot end it during a retry backoff,
    // and one that runs out of retries leaves the run stuck, never cancelled with the RMA held.
    Saga saga(ctx_);
    saga.compensate("returns.release_rma", return_ref());
    co_await saga.unwind();
    if (labelled_) co_await notify("customer", "return_cancelled", cancelled_data());
    for (const auto& s : sellers_)
      if (told_.count(s.seller_id)) co_await notify("seller:" + s.seller_id, "return_cancelled", cancelled_data());
  }

 private:
  activities::Notification note(std::string to, std::string kind, Json data) const {
    return activities::notification(req_.order_id, std::move(to), std::move(kind), std::move(data));
  }
  Task<void> notify(std::string to, std::string kind, Json data) {
    co_await ctx_.activity<void>("notify.send", note(std::move(to), std::move(kind), std::move(data)));
  }

  // A step of the refund phase. Once the refund started a cancel is refused: a request that ends
  // the step's retry backoff is declined and the step issued again (the gateway refunds once per
  // return whatever the key; the other steps' failed attempts had no effect).
  Task<Json> settle(std::string name, Json input) {
    for (;;) {
      try {
        co_return co_await ctx_.activity<Json>(name, input);
      } catch (const CancelledError&) {
        if (!ctx_.patched(kCancelReleasesRma)) throw;
      }
      ctx_.decline_cancel();
      cancel_refused_ = true;
    }
  }

  Json order_ref() const { return {{"order_id", req_.order_id}}; }
  activities::RefundRequest refund_request(const activities::RefundPart& part) const {
    return activities::RefundRequest{req_.order_id, part.index, part.amount};
  }
  activities::ReturnRef return_ref() const { return activities::ReturnRef{req_.order_id, id_}; }
  activities::OrderRefundRequest order_refund() const {
    return activities::OrderRefundRequest{req_.order_id, id_, refund_};
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
  Json cancelled_data() const { return {{"rma", rma_.rma}, {"return_id", id_}, {"reason", "cancel_requested"}}; }
  Json refused_data() const {
    return {{"rma", rma_.rma}, {"return_id", id_}, {"reason", "refund_started"}, {"message", "the refund is under way"}};
  }
  // `refused` empty: the return completed; else why it was not approved.
  Json outcome(const std::string& refused) const {
    if (!refused.empty()) return {{"state", "rejected"}, {"reason", refused}, {"order_id", req_.order_id}};
    Json out{{"state", "returned"}, {"reason", nullptr},         {"order_id", req_.order_id},
             {"rma", rma_.rma},     {"refund", refund_},         {"refunds", refunds_json()}};
    if (cancel_refused_) out["cancel_refused"] = true;
    return out;
  }

  WorkflowContext& ctx_;
  std::string id_;
  ReturnRequest req_;
  std::vector<activities::StockRequest> sellers_;
  std::set<std::string> received_;
  std::string state_ = "requested";
  activities::Rma rma_;
  bool labelled_ = false;  // the customer got `return_label`
  std::set<std::string> told_;  // sellers that got `return_requested`
  bool cancel_refused_ = false;
  std::int64_t refund_ = 0;
  std::vector<activities::RefundPart> parts_;
};

}  // namespace

Task<Json> return_order(WorkflowContext& ctx, ReturnRequest request) {
  Return ret(ctx, std::move(request));
  auto status = ctx.on_query("status", [&ret] { return ret.status(); });
  co_return co_await undo_on_cancel([&ret] { return ret.run(); }, [&ret] { return ret.undo(); });
}

}  // namespace cairn::workflows
