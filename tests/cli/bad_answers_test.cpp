// The admin commands against a server that is not Cairn: every command checks the answer's status
// and JSON shape and exits 4 with "not Cairn's API" instead of crashing or faking success.
#include <doctest/doctest.h>

#include <string>

#include "cli/cli_run.h"
#include "cli/stub_server.h"

using cairn::test::cairn_cli;
using cairn::test::has;
using cairn::test::Run;
using cairn::test::StubServer;

namespace {

const char* const kEveryCommand[] = {
    "start bench.steps --input '{}'", "signal r1 go --data '{}'", "show r1", "cancel r1",  "terminate r1 --reason x",
    "retry r1",                       "list",                     "list --json", "audit", "types"};

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("every command refuses a 200 answer that is not JSON") {
    StubServer stub(200, "<html><body>hello</body></html>");
    for (const char* command : kEveryCommand) {
      CAPTURE(command);
      Run r = cairn_cli(stub.url(), command);
      CHECK(r.code == 4);
      CHECK(has(r, "the server's answer is not Cairn's API"));
    }
  }

  TEST_CASE("every command refuses a JSON answer of the wrong shape") {
    StubServer stub(200, R"({"unrelated": true})");
    for (const char* command : kEveryCommand) {
      CAPTURE(command);
      CHECK(cairn_cli(stub.url(), command).code == 4);
    }
    Run list = cairn_cli(stub.url(), "list");
    CHECK(has(list, "GET /v1/workflows answered 200: workflows is missing"));
  }

  TEST_CASE("the check looks into array items and nested objects") {
    StubServer items(200, R"({"workflows": [1], "next_cursor": null})");
    CHECK(has(cairn_cli(items.url(), "list"), "workflows[0] is a number, not an object"));
    StubServer nested(200, R"({"workflows": [{"id": "a", "type": "t", "status": "running", "created_at": "x",
                                "stuck_reason": null, "waiting_on": {"kind": 1}}], "next_cursor": null})");
    Run r = cairn_cli(nested.url(), "list");
    CHECK(r.code == 4);
    CHECK(has(r, "workflows[0].waiting_on.kind is a number, not a string"));
    StubServer types(200, R"({"types": [{"name": 5}]})");
    CHECK(cairn_cli(types.url(), "types").code == 4);
  }

  TEST_CASE("an error status is Cairn's only with Cairn's error body") {
    StubServer gateway(502, "<html>Bad Gateway</html>");
    Run bad = cairn_cli(gateway.url(), "show r1");
    CHECK(bad.code == 4);
    CHECK(has(bad, "answered 502 without Cairn's"));
    StubServer cairn_error(404, R"({"error": {"code": "not_found", "message": "no run r1"}})");
    Run missing = cairn_cli(cairn_error.url(), "show r1");
    CHECK(missing.code == 1);
    CHECK(has(missing, "error: not_found (404): no run r1"));
  }

  TEST_CASE("a success status the API does not give for the request is refused") {
    StubServer stub(200, R"({"id": "r1"})");  // cancel answers 202
    Run r = cairn_cli(stub.url(), "cancel r1");
    CHECK(r.code == 4);
    CHECK(has(r, "POST /v1/workflows/r1/cancel answered 200, expected 202"));
  }
}
