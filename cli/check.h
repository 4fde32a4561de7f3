// `cairn check --db PATH`: verifies a database file offline (a backup before trusting it, or the
// file of a running server) without changing it: SQLite's integrity check and every event's
// checksum. Exit 0 when sound, 1 when damaged or unreadable as a Cairn database, 2 usage.
#pragma once

namespace cairn::cli {

int run_check(int argc, char** argv);  // argv[1] == "check"
extern const char* const kCheckHelp;

}  // namespace cairn::cli
