// Args: command-line parsing for the `cairn` subcommands (`--name value`, `--name=value`, flags, `--`).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cairn::cli {

// Exit codes (docs/cli.md): 0 ok, 1 API error, 2 usage error, 3 cannot connect (nothing sent), 4
// the answer is not Cairn's API, 5 sent but no answer (it may have been applied), 6 cannot write
// the output.
inline constexpr int kExitOk = 0;
inline constexpr int kExitApiError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNoConnection = 3;
inline constexpr int kExitBadAnswer = 4;
inline constexpr int kExitNoAnswer = 5;
inline constexpr int kExitOutput = 6;

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // without the leading dashes
  std::set<std::string> flags;

  std::optional<std::string> get(const std::string& name) const;
  bool flag(const std::string& name) const { return flags.count(name) > 0; }
};

// Parses argv[first..argc). `flags` take no value, `options` take one (`--name value` or
// `--name=value`), never empty and, in the first form, not starting with `--`. `-h` is `--help`
// when "help" is a flag. `--` ends the options: what follows is positional, so arguments that
// start with `-` can be given. On an unknown or incomplete option, or an empty value, returns
// nullopt and sets `error` (for an empty value of one of the `required` options, without
// suggesting to leave it out).
std::optional<Args> parse_args(int argc, char** argv, int first, const std::set<std::string>& flags,
                               const std::set<std::string>& options, std::string& error,
                               const std::set<std::string>& required = {});

}  // namespace cairn::cli
