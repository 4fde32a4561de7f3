// The `cairn` binary: `serve` and the admin subcommands.
#include <cstdio>
#include <string>

#include "cli/admin.h"
#include "cli/args.h"
#include "cli/check.h"
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
    "  audit       the audit log:         cairn audit [--limit N] [--cursor C]\n"
    "  types       registered workflows:  cairn types\n"
    "\n"
    "`cairn <command> --help` for details. Exit codes: 0 ok, 1 API error, 2 usage error, 3 cannot connect,\n"
    "4 the answer is not Cairn's API.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace cairn::cli;
  if (argc < 2) {
    std::fputs(kHelp, stderr);
    return kExitUsage;
  }
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    if (argc < 3) return std::fputs(kHelp, stdout), kExitOk;
    const std::string topic = argv[2];
    if (topic == "serve") return std::fputs(kServeHelp, stdout), kExitOk;
    if (topic == "check") return std::fputs(kCheckHelp, stdout), kExitOk;
    if (is_admin_command(topic)) return std::fputs(admin_help(topic).c_str(), stdout), kExitOk;
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
