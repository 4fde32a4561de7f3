// The simulated risk scorer: fixed scores for demo customers, a velocity rule for everyone else.
#include "activities/risk.h"

#include <cstdio>

#include "activities/service_tables.h"

namespace cairn::activities {

namespace {

constexpr const char* kRiskOrders = "risk_orders";
constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr int kMaxPerHour = 5;
constexpr int kMaxPerDay = 20;
constexpr int kVelocityPenalty = 40;

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string time_key(std::int64_t at) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%015lld", static_cast<long long>(at));
  return buf;
}

}  // namespace

RiskBand risk_band(int score) {
  if (score <= 20) return RiskBand::kApprove;
  if (score <= 50) return RiskBand::kVerify;
  if (score <= 75) return RiskBand::kReview;
  return RiskBand::kReject;
}

RiskScore SimulatedRiskScorer::score(const RiskRequest& req, const std::string& key) {
  if (starts_with(req.customer_id, "c-fraud")) return RiskScore{60, {"flagged customer"}};
  if (starts_with(req.customer_id, "c-block")) return RiskScore{90, {"blocked customer"}};
  if (starts_with(req.customer_id, "c-verify")) return RiskScore{30, {"unverified customer"}};
  return run_once(tables_, "risk.score", key, [&](TableTx& tx) {
    int last_hour = 0, last_day = 0;
    for (const auto& [k, v] : tx.scan(kRiskOrders, req.customer_id + "|")) {
      auto at = std::stoll(k.substr(req.customer_id.size() + 1, 15));
      if (at > req.at || at <= req.at - kDayMs) continue;
      ++last_day;
      if (at > req.at - kHourMs) ++last_hour;
    }
    tx.put(kRiskOrders, req.customer_id + "|" + time_key(req.at) + "|" + req.order_id, "{}");
    RiskScore s{10, {}};
    if (last_hour > kMaxPerHour || last_day > kMaxPerDay) {
      s.score += kVelocityPenalty;
      s.reasons.push_back("velocity: " + std::to_string(last_hour) + " orders in the last hour, " +
                          std::to_string(last_day) + " in the last day");
    }
    return Effect::ok(Json(s));
  }).get<RiskScore>();
}

bool SimulatedRiskScorer::verify(const RiskRequest&) { return true; }

}  // namespace cairn::activities
