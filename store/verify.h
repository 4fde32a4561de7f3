// verify_database(): reads a Cairn database without changing it (a backup, a copy, or the file of
// a running server) and reports what is wrong with it: SQLite's integrity check of every page and
// index, every event row against its checksum, each run's index row against the WorkflowStarted
// event it was derived from, and every kv and signal_keys row against its checksum. `cairn check`
// prints it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cairn/status.h"

namespace cairn::store {

struct DamagedEvent {
  std::string run_id;  // empty when no run row holds the event
  std::int64_t seq = 0;
  std::string type;     // the event kind's name, its number when unknown, "" for a seq missing
  std::string problem;  // "does not match its checksum", "belongs to no run", or "the run's input
                        // (version, parent_id) in its index row differs from it"
};

struct VerifyReport {
  int schema_version = 0;
  std::int64_t runs = 0;
  std::int64_t events = 0;
  std::int64_t unchecked = 0;  // events written before schema version 2, which have no checksum
  std::int64_t damaged = 0;    // events that fail their checksum, belong to no run, or (a
                               // WorkflowStarted) disagree with their run's index row
  std::vector<DamagedEvent> listed;     // the first damaged events, at most max_listed
  std::vector<std::string> integrity;  // PRAGMA integrity_check's findings; empty when sound
  // Beside the journal: kv rows (the state of cairn::Tables) and signal_keys rows.
  std::int64_t state_rows = 0;
  std::int64_t state_unchecked = 0;  // written before schema version 4, which have no checksum
  std::int64_t state_damaged = 0;    // rows that fail their checksum
  std::vector<std::string> state_listed;  // the first of them, named, at most max_listed

  bool ok() const { return damaged == 0 && state_damaged == 0 && integrity.empty(); }
};

// kNotFound when there is no file at `path`; kInvalidArgument for a file that is not a Cairn
// database (another application's, or empty); kUnavailable for a newer Cairn's; kCorruption when
// SQLite cannot read it at all. Damage it can read past is in the report, not an error.
Result<VerifyReport> verify_database(const std::string& path, std::size_t max_listed = 20);

}  // namespace cairn::store
