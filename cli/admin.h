// The admin subcommands of `cairn` (start, list, show, signal, cancel, terminate, retry, audit,
// types): each is one or a few HTTP calls to a running `cairn serve`.
#pragma once

#include <string>

namespace cairn::cli {

// True when `command` is an admin subcommand.
bool is_admin_command(const std::string& command);
// Runs argv[1] with the rest of argv; returns the exit code (cli/args.h).
int run_admin(int argc, char** argv);
// The help of one admin command, with the common options (`cairn help X` and `cairn X --help`);
// empty when `command` is not an admin command.
std::string admin_help(const std::string& command);

}  // namespace cairn::cli
