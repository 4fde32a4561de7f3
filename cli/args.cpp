// Args: a tiny option parser; anything it does not know is a usage error.
#include "cli/args.h"

#include <string_view>

namespace cairn::cli {

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

std::optional<Args> parse_args(int argc, char** argv, int first, const std::set<std::string>& flags,
                               const std::set<std::string>& options, std::string& error,
                               const std::set<std::string>& required) {
  Args args;
  bool options_ended = false;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (options_ended || a.size() < 2 || a[0] != '-') {
      args.positional.push_back(std::move(a));
      continue;
    }
    if (a == "--") {
      options_ended = true;
      continue;
    }
    if (a == "-h" && flags.count("help")) {
      args.flags.insert("help");
      continue;
    }
    if (a[1] != '-') {
      error = "unknown option " + a + " (put -- before arguments that start with -)";
      return std::nullopt;
    }
    std::string name = a.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (flags.count(name)) {
      if (has_value) {
        error = "--" + name + " takes no value";
        return std::nullopt;
      }
      args.flags.insert(name);
    } else if (options.count(name)) {
      if (!has_value) {
        // NOTE: a following option is not taken as the value (`--id --input x` is a missing
        // id, not the id "--input"); `--id=--odd` gives a value that starts with --.
        if (i + 1 >= argc || std::string_view(argv[i + 1]).starts_with("--")) {
          error = "--" + name + " needs a value";
          return std::nullopt;
        }
        value = argv[++i];
      }
      // NOTE: an empty value is refused, not ignored: `--idempotency-key "$KEY"` with KEY unset
      // would otherwise silently start a duplicate run.
      if (value.empty()) {
        error = "--" + name + " is empty: give it a value" + (required.count(name) ? "" : " or leave it out");
        return std::nullopt;
      }
      args.options[name] = value;
    } else {
      error = "unknown option --" + name;
      return std::nullopt;
    }
  }
  return args;
}

}  // namespace cairn::cli
