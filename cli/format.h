// Human-readable output of the admin commands: aligned tables and a run's timeline.
#pragma once

#include <string>
#include <vector>

#include "cairn/json.h"

namespace cairn::cli {

// Rows of cells printed with each column padded to its widest cell; the first row is the header.
std::string table(const std::vector<std::vector<std::string>>& rows);
// A JSON value on one line, cut to at most `max` bytes with "..." on a UTF-8 character boundary
// (strings shown without quotes).
std::string brief(const Json& value, std::size_t max = 80);
// "signal fraud.review until 2026-01-01T00:00:00.000Z", or "" for null.
std::string waiting_text(const Json& waiting_on);
// `show`: the run's fields, then its history as a timeline.
std::string run_report(const Json& run, const std::vector<Json>& events);

}  // namespace cairn::cli
