// Risk scoring ("AI validation"): a fraud score 0-100 per order and the band it falls in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cairn/json.h"
#include "cairn/tables.h"

namespace cairn::activities {

struct RiskRequest {
  std::string order_id;
  std::string customer_id;
  std::int64_t total = 0;
  std::int64_t at = 0;  // the order's time (the workflow's ctx.now()), ms since the epoch
};
struct RiskScore {
  int score = 0;
  std::vector<std::string> reasons;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RiskRequest, order_id, customer_id, total, at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RiskScore, score, reasons)

// DOMAIN.md's thresholds.
enum class RiskBand {
  kApprove,  // 0-20
  kVerify,   // 21-50: one extra verification step
  kReview,   // 51-75: hold for admin review
  kReject,   // 76-100
};
RiskBand risk_band(int score);

// Any thread. score() records the order for the velocity rule, once per idempotency key.
class RiskScorer {
 public:
  virtual ~RiskScorer() = default;
  virtual RiskScore score(const RiskRequest& request, const std::string& key) = 0;
  // The extra verification of the 21-50 band; true when the customer passed it.
  virtual bool verify(const RiskRequest& request) = 0;
};

// The demo scorer: customers "c-fraud*" score 60, "c-block*" 90, "c-verify*" 30; anyone else 10,
// plus 40 when they placed more than 5 orders in the hour or more than 20 in the day before
// this one. Verification always passes.
class SimulatedRiskScorer final : public RiskScorer {
 public:
  explicit SimulatedRiskScorer(Tables& tables) : tables_(tables) {}
  RiskScore score(const RiskRequest& request, const std::string& key) override;
  bool verify(const RiskRequest& request) override;

 private:
  Tables& tables_;
};

}  // namespace cairn::activities
