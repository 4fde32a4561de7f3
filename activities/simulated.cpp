// Activity registration for the order domain.
#include "activities/simulated.h"

#include <chrono>

#include "cairn/activity.h"
#include "cairn/errors.h"

namespace cairn::activities {

using namespace std::chrono_literals;

RetryPolicy payment_retry() {
  RetryPolicy p;
  p.initial_interval = 1s;
  p.backoff_coefficient = 2;
  p.maximum_interval = 16s;
  p.maximum_attempts = 6;
  return p;
}

namespace {

ActivityOptions with_retry(RetryPolicy retry, milliseconds timeout) {
  ActivityOptions o;
  o.retry = std::move(retry);
  o.timeout = timeout;
  return o;
}

// Stock and notification calls are local and quick; retry them briefly, then let the saga decide.
RetryPolicy quick_retry() {
  RetryPolicy p;
  p.initial_interval = 200ms;
  p.maximum_interval = 5s;
  p.maximum_attempts = 5;
  return p;
}

}  // namespace

void register_order_activities(Registry& reg, const OrderServices& s) {
  // The gateway may take 2 s a call (tok_slow): a 10 s start-to-close leaves room.
  const auto pay = with_retry(payment_retry(), 10s);
  const auto quick = with_retry(quick_retry(), 5s);

  reg.activity("payment.authorize",
               [p = s.payments](ActivityContext& ctx, AuthorizeRequest r) { return p->authorize(r, ctx.idempotency_key()); },
               pay);
  reg.activity("payment.capture",
               [p = s.payments](ActivityContext& ctx, PaymentRef r) { return p->capture(r, ctx.idempotency_key()); }, pay);
  // A reversal the gateway keeps refusing leaves the order stuck; an admin who reversed the
  // payment by hand may skip the step (POST /v1/workflows/{id}/skip) and the cancel completes.
  auto reverse = pay;
  reverse.skippable = true;
  reg.activity("payment.reverse",
               [p = s.payments](ActivityContext& ctx, PaymentRef r) { return p->reverse(r, ctx.idempotency_key()); },
               reverse);
  // A refund the gateway keeps refusing (tok_noreverse) leaves the return stuck, not failed: its
  // parcels are in and the money is owed, so an admin retries the step once the gateway takes it.
  auto refund = pay;
  refund.retry->on_exhausted = RetryPolicy::OnExhausted::kPause;
  reg.activity("payment.refund",
               [p = s.payments](ActivityContext& ctx, RefundRequest r) { return p->refund(r, ctx.idempotency_key()); },
               refund);
  reg.activity("payment.refund_order",
               [p = s.payments](ActivityContext& ctx, OrderRefundRequest r) {
                 return Json(p->refund_order(r, ctx.idempotency_key()));
               },
               refund);

  reg.activity("risk.score",
               [r = s.risk](ActivityContext& ctx, RiskRequest q) { return r->score(q, ctx.idempotency_key()); }, quick);
  reg.activity("risk.verify",
               [r = s.risk](ActivityContext&, RiskRequest q) { return Json{{"verified", r->verify(q)}}; }, quick);

  reg.activity("inventory.reserve",
               [i = s.inventory](ActivityContext& ctx, StockRequest r) { return i->reserve(r, ctx.idempotency_key()); },
               quick);
  reg.activity("inventory.capture",
               [i = s.inventory](ActivityContext& ctx, SubOrderRef r) { return i->capture(r, ctx.idempotency_key()); },
               quick);
  reg.activity("inventory.release",
               [i = s.inventory](ActivityContext& ctx, SubOrderRef r) { return i->release(r, ctx.idempotency_key()); },
               quick);
  reg.activity("inventory.restock",
               [i = s.inventory](ActivityContext& ctx, StockRequest r) { return i->restock(r, ctx.idempotency_key()); },
               quick);

  reg.activity("notify.send",
               [n = s.notifier](ActivityContext& ctx, Notification m) { return n->send(m, ctx.idempotency_key()); },
               quick);

  reg.activity("orders.record",
               [o = s.orders](ActivityContext& ctx, OrderRecordRequest r) { return o->record(r, ctx.idempotency_key()); },
               quick);
  // The order as placed plus what each of its payment parts captured: what a return needs.
  reg.activity("orders.get",
               [o = s.orders, p = s.payments](ActivityContext&, Json q) {
                 const auto id = q.value("order_id", std::string{});
                 auto rec = o->find(id);
                 if (!rec) throw TerminalError("no order " + id, "unknown_order");
                 Json out = *rec;
                 out["payments"] = p->payments(id);
                 return out;
               },
               quick);
  reg.activity("orders.shipped",
               [o = s.orders](ActivityContext& ctx, SubOrderRef r) {
                 o->mark_shipped(r, ctx.idempotency_key());
               },
               quick);
  reg.activity("orders.delivered",
               [o = s.orders](ActivityContext& ctx, DeliveryNote d) { o->mark_delivered(d, ctx.idempotency_key()); },
               quick);
  reg.activity("returns.inspect",
               [o = s.orders](ActivityContext& ctx, ReturnParcel r) { o->inspect(r, ctx.idempotency_key()); },
               quick);
  reg.activity("returns.open_rma",
               [o = s.orders](ActivityContext& ctx, RmaRequest r) { return o->open_rma(r, ctx.idempotency_key()); },
               quick);
  reg.activity("returns.release_rma",
               [o = s.orders](ActivityContext& ctx, ReturnRef r) { o->release_rma(r, ctx.idempotency_key()); },
               quick);
}

SimulatedServices::SimulatedServices(Tables& tables, NowFn now)
    : payments_(tables, now), risk_(tables), inventory_(tables), notifier_(tables, now), orders_(tables) {}

void SimulatedServices::register_activities(Registry& registry) {
  register_order_activities(registry, OrderServices{&payments_, &risk_, &inventory_, &notifier_, &orders_});
}

}  // namespace cairn::activities
