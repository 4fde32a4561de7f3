// `cairn serve`: opens the store, registers the built-in workflows, runs the engine and the HTTP
// server until SIGTERM/SIGINT, then shuts down cleanly.
#pragma once

namespace cairn::cli {

int run_serve(int argc, char** argv);  // argv[1] == "serve"
extern const char* const kServeHelp;

}  // namespace cairn::cli
