// Input checks shared by the routes: ids, query parameters, RFC 3339 times, JSON bodies.
// Each returns kInvalidArgument with a message fit for a 400 answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/json.h"
#include "cairn/status.h"

namespace cairn::api {

using Millis = std::int64_t;  // ms since the Unix epoch, UTC

inline constexpr std::size_t kMaxBodyBytes = 1 << 20;  // 1 MiB (API.md "Limits")
inline constexpr int kMaxJsonDepth = 64;
inline constexpr Millis kMaxWaitMs = 60'000;
inline constexpr std::size_t kMaxPageLimit = 1000;
inline constexpr std::size_t kDefaultPageLimit = 100;
// A history page also ends once its events' data reach this (docs/api.md "Limits"): the answer is
// built on the HTTP thread, and a page of 1,000 signals of 1 MiB each was a 1 GB answer.
inline constexpr std::size_t kMaxPageDataBytes = 1 << 20;

// API.md "Ids": [A-Za-z0-9._:-]{1,128}. Signal and query names follow the same rule.
bool valid_id(std::string_view id);
// Free-text names taken from a path (a seller id, a SKU): 1..128 bytes of valid UTF-8 without
// control characters, so they can be stored and echoed as JSON.
bool valid_name(std::string_view name);
// Idempotency keys: 1..256 printable ASCII characters.
bool valid_key(std::string_view key);
// Whether every byte of `s` is visible ASCII, `!` to `~` (no space, control or non-ASCII byte).
bool visible_ascii(std::string_view s);

// `500ms`, `5s` (digits then `ms` or `s`), at most 60 s.
Result<Millis> parse_wait(std::string_view text);
// 1..1000.
Result<std::size_t> parse_limit(std::string_view text);
// A non-negative decimal integer (history `after`).
Result<std::int64_t> parse_seq(std::string_view text);
// `true` or `false`.
Result<bool> parse_bool(std::string_view text);

// RFC 3339 date-time with a `Z` or `±HH:MM` offset and optional fraction (kept to the ms).
Result<Millis> parse_rfc3339(std::string_view text);
// UTC with milliseconds: 2026-01-01T00:00:00.000Z.
std::string format_rfc3339(Millis ms);

// True when `content_type` is application/json (parameters such as charset allowed).
bool is_json_content_type(std::string_view content_type);
// Parses a body in one pass. kInvalidArgument for malformed JSON (a NUL byte included), nesting
// deeper than kMaxJsonDepth (the parse stops there), an integer literal that fits neither int64 nor
// uint64, and a number a double cannot hold (past its range, or non-zero digits that read as 0).
Result<Json> parse_json(std::string_view text);

}  // namespace cairn::api
