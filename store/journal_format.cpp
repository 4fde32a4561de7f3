// Names of event kinds and run statuses as DESIGN.md / API.md spell them, their parsers, and the
// row checksums (events, kv, signal_keys).
#include "store/journal_format.h"

#include <array>
#include <initializer_list>
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

// `value` as 8 little-endian bytes.
std::array<char, 8> le64(std::uint64_t value) {
  std::array<char, 8> bytes{};
  for (std::size_t b = 0; b < 8; ++b) bytes[b] = static_cast<char>(value >> (8 * b));
  return bytes;
}

// CRC-32C over each field's length and bytes: ("ab", "c") and ("a", "bc") differ.
std::uint32_t fields_checksum(std::initializer_list<std::string_view> fields) {
  std::uint32_t crc = 0;
  for (std::string_view field : fields) {
    const auto length = le64(field.size());
    crc = crc32c(crc32c(crc, std::string_view(length.data(), length.size())), field);
  }
  return crc;
}

}  // namespace

// Empty for a number no release has defined (a newer file read by an older binary).
std::string_view event_type_name(EventType t) { return name_of(kEventNames, t); }
std::optional<EventType> parse_event_type(std::string_view name) { return parse(kEventNames, name); }

std::string_view run_status_name(RunStatus s) { return name_of(kStatusNames, s); }
std::optional<RunStatus> parse_run_status(std::string_view name) { return parse(kStatusNames, name); }

std::uint32_t event_checksum(std::string_view run_id, std::int64_t seq, EventType type, std::int64_t cmd,
                             std::int64_t at, std::string_view data) {
  std::uint32_t crc = crc32c(0, run_id);
  for (const std::int64_t value : {seq, static_cast<std::int64_t>(type), cmd, at}) {
    const auto bytes = le64(static_cast<std::uint64_t>(value));
    crc = crc32c(crc, std::string_view(bytes.data(), bytes.size()));
  }
  return crc32c(crc, data);
}

std::uint32_t kv_checksum(std::string_view table, std::string_view key, std::string_view value) {
  return fields_checksum({table, key, value});
}

std::uint32_t signal_key_checksum(std::string_view run_id, std::string_view key, std::int64_t seq) {
  const auto seq_bytes = le64(static_cast<std::uint64_t>(seq));
  return fields_checksum({run_id, key, std::string_view(seq_bytes.data(), seq_bytes.size())});
}

ChecksumChain::Verdict ChecksumChain::check(std::string_view run_id, std::int64_t seq, EventType type,
                                            std::int64_t cmd, std::int64_t at, std::string_view data,
                                            std::optional<std::int64_t> crc) {
  if (!crc) return checksummed_ ? Verdict::kMissing : Verdict::kUnchecked;
  checksummed_ = true;
  return *crc == event_checksum(run_id, seq, type, cmd, at, data) ? Verdict::kIntact : Verdict::kMismatch;
}

}  // namespace cairn::store
