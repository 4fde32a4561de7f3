// Usage errors the CLI detects itself: exit 2 before any request (the --server given here does
// not listen, so reaching the network would exit 3).
#include <doctest/doctest.h>

#include <string>

#include "cli/cli_run.h"

using cairn::test::cairn_cli;
using cairn::test::has;
using cairn::test::Run;

namespace {

const std::string kNowhere = "http://127.0.0.1:1";

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("an empty option value is a usage error, not a dropped option") {
    Run start = cairn_cli(kNowhere, "start bench.steps --input '{}' --idempotency-key ''");
    CHECK(start.code == 2);
    CHECK(has(start, "--idempotency-key is empty"));
    CHECK(cairn_cli(kNowhere, "signal r1 go --data '{}' --idempotency-key=").code == 2);
    CHECK(cairn_cli(kNowhere, "start bench.steps --input '{}' --id ''").code == 2);
  }

  TEST_CASE("--limit outside 1..1000 is a usage error") {
    for (const char* args : {"list --limit abc", "list --limit 0", "list --limit 5000", "list --limit=-1",
                             "list --limit 5x", "audit --limit x"}) {
      CAPTURE(args);
      Run r = cairn_cli(kNowhere, args);
      CHECK(r.code == 2);
      CHECK(has(r, "--limit must be an integer from 1 to 1000"));
    }
    CHECK(cairn_cli(kNowhere, "list --limit 1000").code == 3);  // valid: it goes to the (absent) server
  }
}
