// Exit codes a script acts on: 3 (nothing was sent) is kept apart from 5 (the request was sent but
// no answer came, so it may have been applied), and output that cannot be written is not a success.
#include <doctest/doctest.h>

#include <unistd.h>

#include <string>

#include "cli/cli_run.h"
#include "cli/stub_server.h"

using namespace cairn::test;

TEST_SUITE("cli") {
  TEST_CASE("a server that reads the request and closes without answering: exit 5, not 3") {
    StubServer silent(StubServer::kNoAnswer, "");
    Run start = cairn_cli(silent.url(), "start bench.steps --input '{}' --id r1");
    CHECK(start.code == 5);
    CHECK(has(start, "cairn: POST /v1/workflows was sent to 127.0.0.1:" + std::to_string(silent.port()) +
                         ", but no answer came (connection closed by the server): "
                         "it may or may not have been applied"));
    CHECK(silent.requests().size() == 1);
    for (const char* command : {"cancel r1", "terminate r1 --reason x", "signal r1 go --data 1", "list"}) {
      CAPTURE(command);
      CHECK(cairn_cli(silent.url(), command).code == 5);
    }
  }

  TEST_CASE("a server that cannot be connected to: exit 3, nothing was sent") {
    Run down = cairn_plain("start bench.steps --input '{}' --server http://127.0.0.1:1");
    CHECK(down.code == 3);
    CHECK(has(down, "cairn: cannot reach 127.0.0.1:1: cannot connect to 127.0.0.1:1"));
  }

  TEST_CASE("output that cannot be written is an error (exit 6), not a success") {
    if (::access("/dev/full", W_OK) != 0) return;  // no /dev/full here: nothing to write into
    StubServer list(200, R"({"workflows": [], "next_cursor": null})");
    Run full = cairn_plain("list --server " + list.url(), "", "/dev/full");
    CHECK(full.code == 6);
    CHECK(has(full, "cairn: cannot write output: No space left on device"));
    CHECK(cairn_plain("list --json --server " + list.url(), "", "/dev/full").code == 6);
    StubServer start(201, R"({"id": "r1", "type": "t", "status": "running"})");
    CHECK(cairn_plain("start t --input '{}' --server " + start.url(), "", "/dev/full").code == 6);
    CHECK(cairn_plain("--help", "", "/dev/full").code == 6);
    CHECK(cairn_plain("serve --help", "", "/dev/full").code == 6);
    // Past stdio's buffer, the write fails inside the command, before the final flush.
    std::string rows = R"({"workflows": [)";
    for (int i = 0; i < 300; ++i)
      rows += std::string(i ? "," : "") + R"({"id": "r)" + std::to_string(i) +
              R"(", "type": "t", "status": "running", "created_at": "x", "stuck_reason": null, "waiting_on": null})";
    StubServer big(200, rows + R"(], "next_cursor": null})");
    Run big_full = cairn_plain("list --server " + big.url(), "", "/dev/full");
    CHECK(big_full.code == 6);
    CHECK(has(big_full, "cairn: cannot write output: No space left on device"));
    // A command that failed keeps its own code.
    StubServer missing(404, R"({"error": {"code": "not_found", "message": "no run r1"}})");
    CHECK(cairn_plain("show r1 --server " + missing.url(), "", "/dev/full").code == 1);
  }
}
