// The commands' standard output, checked: a write that fails (a full disk, /dev/full) must not
// let the command exit 0 as if a script had its answer.
#pragma once

#include <string_view>

namespace cairn::cli {

// Writes `text` to stdout; the first failure's errno is kept for finish_output().
void write_out(std::string_view text);
// Flushes stdout. When it or an earlier write_out() failed, prints `cairn: cannot write output:
// <strerror>` on stderr and returns kExitOutput (cli/args.h) in place of kExitOk; any other `code`
// (the command had failed already) is returned as it is.
int finish_output(int code);

}  // namespace cairn::cli
