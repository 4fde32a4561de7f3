// Names of event kinds and run statuses as DESIGN.md / API.md spell them, their parsers, and the
// event row checksum.
#include "store/journal_format.h"

#include <array>
#include <utility>

#include "store/crc32c.h"

namespace cairn::store {

namespace {

constexpr std::array<std::pair<EventType, std::string_view>, 19> kEventNames = {{
    {EventType::kWorkflowStarted, "WorkflowStarted"},
    {EventType::kActivityScheduled, "ActivityScheduled"},
    {EventType::kActivityCompleted, "ActivityCompleted"},
    {EventType::kActivityFailed, "ActivityFailed"},
    {EventType::kTimerStarted, "TimerStarted"},
    {EventType::kTimerFired, "TimerFired"},
    {EventType::kSignalReceived, "SignalReceived"},
    {EventType::kChildStarted, "ChildStarted"},
    {EventType::kChildCompleted, "ChildCompleted"},
    {EventType::kSideEffect, "SideEffect"},
    {EventType::kVersionMarker, "VersionMarker"},
    {EventType::kCancelRequested, "CancelRequested"},
    {EventType::kCompensationStarted, "CompensationStarted"},
    {EventType::kCompensationCompleted, "CompensationCompleted"},
    {EventType::kWorkflowCompleted, "WorkflowCompleted"},
    {EventType::kWorkflowFailed, "WorkflowFailed"},
    {EventType::kWorkflowCancelled, "WorkflowCancelled"},
    {EventType::kWorkflowTerminated, "WorkflowTerminated"},
    {EventType::kAdminAction, "AdminAction"},
}};

constexpr std::array<std::pair<RunStatus, std::string_view>, 7> kStatusNames = {{
    {RunStatus::kRunning, "running"},
    {RunStatus::kWaiting, "waiting"},
    {RunStatus::kStuck, "stuck"},
    {RunStatus::kCompleted, "completed"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kCancelled, "cancelled"},
    {RunStatus::kTerminated, "terminated"},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return {};
}

template <class E, std::size_t N>
std::optional<E> parse(const std::array<std::pair<E, std::string_view>, N>& table,
                       std::string_view name) {
  for (const auto& [v, n] : table)
    if (n == name) return v;
  return std::nullopt;
}

}  // namespace

// Empty for a number no release has defined (a newer file read by an older binary).
std::string_view event_type_name(EventType t) { return name_of(kEventNames, t); }
std::optional<EventType> parse_event_type(std::string_view name) { return parse(kEventNames, name); }

std::string_view run_status_name(RunStatus s) { return name_of(kStatusNames, s); }
std::optional<RunStatus> parse_run_status(std::string_view name) { return parse(kStatusNames, name); }

std::uint32_t event_checksum(std::string_view run_id, std::int64_t seq, EventType type, std::int64_t cmd,
                             std::int64_t at, std::string_view data) {
  char fields[32];
  const std::int64_t values[] = {seq, static_cast<std::int64_t>(type), cmd, at};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t b = 0; b < 8; ++b)
      fields[i * 8 + b] = static_cast<char>(static_cast<std::uint64_t>(values[i]) >> (8 * b));
  std::uint32_t crc = crc32c(0, run_id);
  crc = crc32c(crc, std::string_view(fields, sizeof fields));
  return crc32c(crc, data);
}

ChecksumChain::Verdict ChecksumChain::check(std::string_view run_id, std::int64_t seq, EventType type,
                                            std::int64_t cmd, std::int64_t at, std::string_view data,
                                            std::optional<std::int64_t> crc) {
  if (!crc) return checksummed_ ? Verdict::kMissing : Verdict::kUnchecked;
  checksummed_ = true;
  return *crc == event_checksum(run_id, seq, type, cmd, at, data) ? Verdict::kIntact : Verdict::kMismatch;
}

}  // namespace cairn::store
