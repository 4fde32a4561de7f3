// Checked writes to stdout and the flush every command but `serve` ends with.
#include "cli/output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/args.h"

namespace cairn::cli {

namespace {

// errno of the first failed write; kept here because later calls (sockets, allocation) may
// change errno before the command ends.
int first_error = 0;

void note_failure() {
  if (first_error == 0) first_error = errno ? errno : EIO;
}

}  // namespace

void write_out(std::string_view text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) note_failure();
}

int finish_output(int code) {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) note_failure();
  if (first_error == 0) return code;
  std::fprintf(stderr, "cairn: cannot write output: %s\n", std::strerror(first_error));
  return code == kExitOk ? kExitOutput : code;
}

}  // namespace cairn::cli
