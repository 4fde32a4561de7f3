// Row decoding and queries shared by the writer and the read connections: run records, the
// prefix scan of the kv table behind cairn::Tables with its rows' checksums, and the
// argument-refusal status.
#pragma once

#include <string>
#include <string_view>

#include "cairn/status.h"
#include "cairn/tables.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace cairn::store {

// The kInvalidArgument status every refused argument of the store returns.
inline Status invalid(std::string message) { return Status(Errc::kInvalidArgument, std::move(message)); }

// The columns read_run() expects, in order: "SELECT " + kRunColumns + " FROM runs ...".
inline constexpr std::string_view kRunColumns =
    "id, type, version, status, input, result, error, stuck_reason, waiting_kind, waiting_name, "
    "waiting_until, created_at, updated_at, parent_id, idempotency_key, last_seq";

// Decodes the current row of a statement selecting kRunColumns, starting at column 0.
RunRecord read_run(const StmtRun& row);

// The run whose `column` ("id" or "idempotency_key") equals `value`; kNotFound when none.
Result<RunRecord> select_run(Db& db, const char* column, const std::string& value);
// select_run()'s kNotFound.
Status no_run_with(const char* column, const std::string& value);

// Rows of `table` whose key starts with `prefix`, in key order. kCorruption when one fails its
// checksum (kv_checked()).
Result<Rows> scan_kv(Db& db, const std::string& table, const std::string& prefix);

// OK when a kv row read with its `crc` in column `crc_col` of `row` matches kv_checksum() (a row
// written before schema version 4 has none), else kCorruption naming the row.
Status kv_checked(const StmtRun& row, int crc_col, std::string_view table, std::string_view key,
                  std::string_view value);
// The same for a signal_keys row and signal_key_checksum().
Status signal_key_checked(const StmtRun& row, int crc_col, std::string_view run_id, std::string_view key,
                          std::int64_t seq);

}  // namespace cairn::store
