// Opening a database: PRAGMAs (with their crash semantics), the integrity check and the schema
// migrations kept in PRAGMA user_version. docs/journal_format.md describes the tables.
#pragma once

#include <cstdint>
#include <string>

#include "cairn/status.h"
#include "store/sqlite_db.h"

namespace cairn::store {

// How long a connection waits for a lock held by another connection before failing with
// kUnavailable (SQLITE_BUSY).
inline constexpr int kBusyTimeoutMs = 5000;
// The WAL is checkpointed (copied back into the database, both fsync'd) every kWalCheckpointPages
// frames instead of SQLite's 1,000: a checkpoint copies each page once however often it changed,
// and the live runs rewrite the same few hundred pages, so a longer interval copies far fewer pages
// per commit (+18 % runs/s at concurrency 1024, docs/BENCHMARKS.md). The cost is a WAL of ~40 MiB
// on disk, reused from its start after a checkpoint. store/checkpointer.h says who checkpoints.
inline constexpr int kWalCheckpointPages = 10000;

// Opens the write connection: refuses a damaged file with kCorruption (PRAGMA quick_check's
// report in the message), switches to WAL, sets synchronous, migrates to kSchemaVersion, and caps
// the size at `max_page_count` pages when it is not 0.
Status open_writer(Db& db, const std::string& path, bool synchronous_full,
                   std::int64_t max_page_count);

// Opens a read connection on a database open_writer has prepared.
Status open_reader(Db& db, const std::string& path);

// PRAGMA user_version: the schema version of the file (0 for a new one).
Result<int> user_version(Db& db);

// The first run (by `runs.rk`) created since event checksums: every event row of it and of later
// runs has one, so a row without is missing its checksum. Runs before it may have rows from before
// schema version 2, without. The maximum for files before version 3, which do not record it.
Result<std::int64_t> checksummed_from_rk(Db& db, int schema_version);

// Refuses, before anything is written to the file (WAL mode, Cairn's tables), a database this
// binary cannot use: another application's (a mistyped --db: tables but no schema version, or a
// schema version but no `runs` table; kInvalidArgument) or one from a newer Cairn (kUnavailable).
// An empty file passes.
Status refuse_unusable(Db& db, const std::string& path);

// Sets the size cap of the write connection (PRAGMA max_page_count); 0 leaves SQLite's default.
Status set_max_page_count(Db& db, std::int64_t pages);

}  // namespace cairn::store
