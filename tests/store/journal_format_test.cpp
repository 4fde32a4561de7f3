// Event kind and run status names: DESIGN.md / API.md spellings, round trips, unknown values.
#include <doctest/doctest.h>

#include "store/journal_format.h"

namespace cairn::store {
namespace {

TEST_SUITE("store") {

TEST_CASE("every event kind has its DESIGN.md name and parses back") {
  CHECK(event_type_name(EventType::kWorkflowStarted) == "WorkflowStarted");
  CHECK(event_type_name(EventType::kActivityCompleted) == "ActivityCompleted");
  CHECK(event_type_name(EventType::kAdminAction) == "AdminAction");
  for (int n = 1; n <= 19; ++n) {
    const auto t = static_cast<EventType>(n);
    const auto name = event_type_name(t);
    CAPTURE(n);
    REQUIRE_FALSE(name.empty());
    CHECK(parse_event_type(name) == t);
  }
  CHECK(event_type_name(static_cast<EventType>(20)).empty());
  CHECK_FALSE(parse_event_type("activitycompleted").has_value());
  CHECK_FALSE(parse_event_type("").has_value());
}

TEST_CASE("every run status has its API.md name and parses back") {
  for (int n = 0; n <= 6; ++n) {
    const auto s = static_cast<RunStatus>(n);
    CAPTURE(n);
    CHECK(parse_run_status(run_status_name(s)) == s);
  }
  CHECK(run_status_name(RunStatus::kStuck) == "stuck");
  CHECK(run_status_name(RunStatus::kTerminated) == "terminated");
  CHECK_FALSE(parse_run_status("Running").has_value());
  CHECK(is_terminal(RunStatus::kCancelled));
  CHECK_FALSE(is_terminal(RunStatus::kStuck));
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
