// `cairn check`: store::verify_database() printed for a person, or as JSON with --json.
#include "cli/check.h"

#include <fmt/format.h>

#include <cstdio>
#include <iterator>
#include <limits>
#include <string>

#include "cairn/json.h"
#include "cli/args.h"
#include "cli/output.h"
#include "store/verify.h"

namespace cairn::cli {

const char* const kCheckHelp =
    "usage: cairn check --db PATH [--json]\n"
    "  Reads the database at PATH without changing it and checks every page and index (SQLite's\n"
    "  integrity_check), every journal event, and every row of services' state and signal keys\n"
    "  against its checksum. Use it on a backup before trusting it; it also runs beside a live\n"
    "  server. Exit 0 when sound, 1 when damaged or not a readable Cairn database, 2 usage error.\n";

namespace {

Json to_json(const std::string& path, const store::VerifyReport& r) {
  Json listed = Json::array();
  for (const auto& e : r.listed)
    listed.push_back({{"run_id", e.run_id}, {"seq", e.seq}, {"type", e.type}, {"problem", e.problem}});
  return {{"path", path},         {"ok", r.ok()},           {"schema_version", r.schema_version},
          {"runs", r.runs},       {"events", r.events},     {"unchecked_events", r.unchecked},
          {"damaged_events", r.damaged}, {"damaged", listed}, {"integrity", r.integrity},
          {"state_rows", r.state_rows}, {"unchecked_state_rows", r.state_unchecked},
          {"damaged_state_rows", r.state_damaged}, {"damaged_state", r.state_listed}};
}

std::string report_text(const std::string& path, const store::VerifyReport& r) {
  std::string out;
  auto to = std::back_inserter(out);
  fmt::format_to(to, "{}: schema version {}, {} runs, {} events\n", path, r.schema_version, r.runs, r.events);
  if (r.integrity.empty()) {
    fmt::format_to(to, "integrity check: ok\n");
  } else {
    fmt::format_to(to, "integrity check: {} finding(s)\n", r.integrity.size());
    for (const auto& line : r.integrity) fmt::format_to(to, "  {}\n", line);
  }
  fmt::format_to(to,
                 "journal: {} event checksums checked, {} events from before checksums (not checkable), {} problem(s)\n",
                 r.events - r.unchecked, r.unchecked, r.damaged);
  for (const auto& e : r.listed) {
    const std::string kind = e.type.empty() ? "" : fmt::format(" ({})", e.type);
    if (e.run_id.empty())
      fmt::format_to(to, "  seq {}{}: {}\n", e.seq, kind, e.problem);
    else
      fmt::format_to(to, "  run {} seq {}{}: {}\n", e.run_id, e.seq, kind, e.problem);
  }
  if (r.damaged > static_cast<std::int64_t>(r.listed.size()))
    fmt::format_to(to, "  ... and {} more\n", r.damaged - static_cast<std::int64_t>(r.listed.size()));
  fmt::format_to(to,
                 "state and signal keys: {} row checksums checked, {} rows from before checksums (not checkable), "
                 "{} problem(s)\n",
                 r.state_rows - r.state_unchecked, r.state_unchecked, r.state_damaged);
  for (const auto& row : r.state_listed) fmt::format_to(to, "  {}\n", row);
  if (r.state_damaged > static_cast<std::int64_t>(r.state_listed.size()))
    fmt::format_to(to, "  ... and {} more\n", r.state_damaged - static_cast<std::int64_t>(r.state_listed.size()));
  out += r.ok() ? "sound\n" : "DAMAGED: keep this file for inspection and restore a backup (docs/operations.md)\n";
  return out;
}

}  // namespace

int run_check(int argc, char** argv) {
  std::string error;
  auto args = parse_args(argc, argv, 2, {"json", "help"}, {"db"}, error, {"db"});
  if (!args) return std::fprintf(stderr, "cairn check: %s\n%s", error.c_str(), kCheckHelp), kExitUsage;
  if (args->flag("help")) return write_out(kCheckHelp), kExitOk;
  if (!args->positional.empty())
    return std::fprintf(stderr, "cairn check: unexpected argument `%s`\n%s", args->positional[0].c_str(), kCheckHelp),
           kExitUsage;
  const auto path = args->get("db");
  if (!path) return std::fprintf(stderr, "cairn check: --db PATH is required\n%s", kCheckHelp), kExitUsage;
  const bool json = args->flag("json");
  // A person reads the first 20; a script gets every one.
  auto report = store::verify_database(*path, json ? std::numeric_limits<std::size_t>::max() : 20);
  if (!report) {
    std::fprintf(stderr, "cairn check: %s\n", report.status().to_string().c_str());
    if (json) write_out(Json{{"path", *path}, {"ok", false}, {"error", report.status().to_string()}}.dump(2) + "\n");
    return kExitApiError;
  }
  write_out(json ? to_json(*path, *report).dump(2) + "\n" : report_text(*path, *report));
  return report->ok() ? kExitOk : kExitApiError;
}

}  // namespace cairn::cli
