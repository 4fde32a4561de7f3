// Human-readable output of the admin commands: aligned tables and a run's timeline.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cairn/json.h"

namespace cairn::cli {

// `text` safe for a terminal: control characters (newline, tab, escape, C1 codes) and the
// bidirectional formatting characters (U+202E, ...) are shown as escapes, so text from the server
// (an id a caller made up, an error message) cannot move the cursor, recolour the screen, forge a
// line of its own or reorder the rest of one.
std::string printable(std::string_view text);
// Rows of cells printed with each column padded to its widest cell, in terminal columns (a CJK
// character takes two, a combining accent none); the first row is the header.
// Cells are shown printable(); a line ends at its last non-empty cell, without trailing spaces.
std::string table(const std::vector<std::vector<std::string>>& rows);
// A JSON value on one line (strings shown without quotes), cut between characters to at most
// `max` terminal columns, "..." included.
std::string brief(const Json& value, std::size_t max = 80);
// "signal fraud.review until 2026-01-01T00:00:00.000Z" ("timer until …" for a timer without a
// name), or "" for null.
std::string waiting_text(const Json& waiting_on);
// `show`: the run's fields, then its history as a timeline.
std::string run_report(const Json& run, const std::vector<Json>& events);

}  // namespace cairn::cli
