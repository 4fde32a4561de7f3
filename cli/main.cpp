// The `cairn` binary: `serve` and the admin subcommands.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/admin.h"
#include "cli/args.h"
#include "cli/check.h"
#include "cli/output.h"
#include "cli/serve.h"

namespace {

constexpr const char* kHelp =
    "usage: cairn <command> [options]\n"
    "\n"
    "  serve       run the engine and the HTTP API (cairn serve --help)\n"
    "  check       verify a database file, offline or beside a server (cairn check --help)\n"
    "\n"
    "admin commands, over HTTP (--server URL or CAIRN_SERVER, --token T or CAIRN_TOKEN, --json):\n"
    "  start       start a run:           cairn start TYPE --input JSON|@FILE [--id ID] [--idempotency-key K]\n"
    "  list        search runs:           cairn list [--status S] [--type T] [--stuck] [--created-after TIME]\n"
    "                                     [--created-before TIME] [--limit N] [--cursor C]\n"
    "  show        one run and history:   cairn show ID\n"
    "  signal      deliver a signal:      cairn signal ID NAME --data JSON|@FILE [--idempotency-key K]\n"
    "  cancel      cancel (compensates):  cairn cancel ID\n"
    "  terminate   hard stop:             cairn terminate ID --reason R\n"
    "  retry       resume a stuck run:    cairn retry ID\n"
    "  skip        skip a stuck activity: cairn skip ID --result JSON|@FILE\n"
    "  audit       the audit log:         cairn audit [--limit N] [--cursor C]\n"
    "  types       registered workflows:  cairn types\n"
    "\n"
    "`cairn <command> --help` for details. Exit codes: 0 ok, 1 API error, 2 usage error, 3 cannot connect\n"
    "(nothing sent), 4 the answer is not Cairn's API, 5 sent but no answer (it may have been applied),\n"
    "6 cannot write the output.\n";

// `cairn --server URL --json list`: the admin commands' common options given before the command
// (as git and kubectl take theirs) are moved after it, where its parser reads them.
std::vector<char*> command_first(int argc, char** argv) {
  std::vector<char*> out(argv, argv + argc);
  int i = 1;
  while (i < argc) {
    const std::string_view a = argv[i];
    if (a == "--server" || a == "--token")
      i += 2;
    else if (a == "--json" || a.starts_with("--server=") || a.starts_with("--token="))
      i += 1;
    else
      break;
  }
  if (i > 1 && i < argc) std::rotate(out.begin() + 1, out.begin() + i, out.begin() + i + 1);
  return out;
}

int run(int argc, char** argv) {
  using namespace cairn::cli;
  if (argc < 2) {
    std::fputs(kHelp, stderr);
    return kExitUsage;
  }
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    if (argc < 3) return write_out(kHelp), kExitOk;
    const std::string topic = argv[2];
    if (topic == "serve") return write_out(kServeHelp), kExitOk;
    if (topic == "check") return write_out(kCheckHelp), kExitOk;
    if (is_admin_command(topic)) return write_out(admin_help(topic)), kExitOk;
    command = topic;  // reported below as unknown
  } else if (command == "serve") {
    return run_serve(argc, argv);
  } else if (command == "check") {
    return run_check(argc, argv);
  } else if (is_admin_command(command)) {
    return run_admin(argc, argv);
  }
  std::fprintf(stderr, "cairn: unknown command `%s`\n\n%s", command.c_str(), kHelp);
  return kExitUsage;
}

}  // namespace

// Every command's output is flushed and checked before it exits (cli/output.h), but `serve`'s:
// its one line is for whoever waits for it, and it may run for days after nobody reads its stdout.
int main(int argc, char** argv) {
  std::vector<char*> args = command_first(argc, argv);
  const int code = run(argc, args.data());
  const bool serving = argc >= 2 && std::string_view(args[1]) == "serve";
  return serving ? code : cairn::cli::finish_output(code);
}
