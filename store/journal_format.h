// Journal constants: event kinds and run statuses as stored. The numbers are on disk: append
// only, never renumber. docs/journal_format.md describes tables, payloads and the versioning rule.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cairn::store {

enum class EventType : int {
  kWorkflowStarted = 1,
  kActivityScheduled = 2,
  kActivityCompleted = 3,
  kActivityFailed = 4,
  kTimerStarted = 5,
  kTimerFired = 6,
  kSignalReceived = 7,
  kChildStarted = 8,
  kChildCompleted = 9,
  kSideEffect = 10,
  kVersionMarker = 11,
  kCancelRequested = 12,
  kCompensationStarted = 13,
  kCompensationCompleted = 14,
  kWorkflowCompleted = 15,
  kWorkflowFailed = 16,
  kWorkflowCancelled = 17,
  kWorkflowTerminated = 18,
  kAdminAction = 19,
};

// DESIGN.md's names: kActivityCompleted -> "ActivityCompleted".
std::string_view event_type_name(EventType t);
std::optional<EventType> parse_event_type(std::string_view name);

enum class RunStatus : int {
  kRunning = 0,
  kWaiting = 1,
  kStuck = 2,
  kCompleted = 3,
  kFailed = 4,
  kCancelled = 5,
  kTerminated = 6,
};

// API.md's names: kRunning -> "running".
std::string_view run_status_name(RunStatus s);
std::optional<RunStatus> parse_run_status(std::string_view name);
constexpr bool is_terminal(RunStatus s) { return static_cast<int>(s) >= static_cast<int>(RunStatus::kCompleted); }
// The event that ends a run with terminal status `s` (WorkflowCompleted for kCompleted, ...).
constexpr EventType ending_event(RunStatus s) {
  switch (s) {
    case RunStatus::kCompleted: return EventType::kWorkflowCompleted;
    case RunStatus::kCancelled: return EventType::kWorkflowCancelled;
    case RunStatus::kTerminated: return EventType::kWorkflowTerminated;
    default: return EventType::kWorkflowFailed;
  }
}

// Schema version kept in PRAGMA user_version; migrations run from the stored one up to this.
inline constexpr int kSchemaVersion = 4;

// The checksum stored with each event row (events.crc, schema version 2): CRC-32C over the run's
// id, then seq, type, cmd and at as 8-byte little-endian integers, then data. It finds
// a row changed outside Cairn (a byte flipped on disk, an edit with a tool) that SQLite's own
// checks cannot see; it is not a signature: whoever edits a row can recompute it.
std::uint32_t event_checksum(std::string_view run_id, std::int64_t seq, EventType type, std::int64_t cmd,
                             std::int64_t at, std::string_view data);

// The checksums stored with each `kv` row (its table, key and value) and each `signal_keys` row
// (its run, key and seq) since schema version 4: CRC-32C over each field as its length (8-byte
// little-endian) and its bytes, a seq as 8 bytes. A row written before has none (NULL) and is
// not checked. Like event_checksum(), they find damage, not a deliberate edit.
std::uint32_t kv_checksum(std::string_view table, std::string_view key, std::string_view value);
std::uint32_t signal_key_checksum(std::string_view run_id, std::string_view key, std::int64_t seq);

// A run's event rows, read in seq order, against their checksums. A row without one (`crc`
// nullopt) is a row from before schema version 2 only in a run created before it, and until one of
// the run's rows had one; else it is a forged row or an edit that cleared its checksum. One chain
// per run; `created_checksummed`: the run is one of checksummed_from_rk()'s.
class ChecksumChain {
 public:
  explicit ChecksumChain(bool created_checksummed = false) : checksummed_(created_checksummed) {}
  enum class Verdict { kIntact, kUnchecked, kMismatch, kMissing };
  Verdict check(std::string_view run_id, std::int64_t seq, EventType type, std::int64_t cmd, std::int64_t at,
                std::string_view data, std::optional<std::int64_t> crc);

 private:
  bool checksummed_ = false;
};

}  // namespace cairn::store
