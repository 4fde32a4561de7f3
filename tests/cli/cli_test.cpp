// The `cairn` admin commands against a running server: output, --json and exit codes.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <utility>

#include "api/server_process.h"
#include "cairn/json.h"
#include "cli/cli_run.h"

using cairn::Json;
using cairn::test::cairn_cli;
using cairn::test::cairn_plain;
using cairn::test::has;
using cairn::test::Run;
using cairn::test::ServerProcess;
using cairn::test::TempDir;

TEST_SUITE("cli") {
  TEST_CASE("admin commands print tables, timelines and JSON with the documented exit codes") {
    TempDir dir;
    ServerProcess server(dir.file("c.db"));
    REQUIRE(server.started());
    std::string url = server.url();

    Run start = cairn_cli(url, "start bench.steps --input '{\"steps\":2}' --id cli-1");
    CHECK(start.code == 0);
    CHECK(has(start, "cli-1 running (created)"));
    // Wait for completion through the API's long-poll (an event, not a sleep).
    REQUIRE(server.client().request("GET", "/v1/workflows/cli-1?wait=60s"));
    Run again = cairn_cli(url, "start bench.steps --input '{\"steps\":2}' --id cli-1");
    CHECK(again.code == 0);
    CHECK(has(again, "cli-1 completed (already existed)"));
    Json again_json = Json::parse(cairn_cli(url, "start bench.steps --input '{\"steps\":2}' --id cli-1 --json").out);
    CHECK(again_json["created"] == false);
    CHECK(again_json["status"] == "completed");

    Run list = cairn_cli(url, "list --status completed");
    CHECK(list.code == 0);
    CHECK(has(list, "ID"));
    CHECK(has(list, "cli-1"));
    CHECK(has(list, "completed"));
    // The common options may come before the command, as git's and kubectl's do.
    for (const std::string& before : {"--server " + url + " --json", "--json --server=" + url}) {
      CAPTURE(before);
      Run first = cairn_plain(before + " list --status completed");
      CHECK(first.code == 0);
      CHECK(Json::parse(first.out)["workflows"][0]["id"] == "cli-1");
    }

    CHECK(has(cairn_cli(url, "list --created-after 2000-01-01T00:00:00Z"), "cli-1"));
    Run before = cairn_cli(url, "list --created-before 2000-01-01T00:00:00Z --json");
    CHECK(before.code == 0);
    CHECK(Json::parse(before.out)["workflows"].empty());
    CHECK(cairn_cli(url, "list --created-after yesterday").code == 1);  // the API's 400

    Run show = cairn_cli(url, "show cli-1");
    CHECK(show.code == 0);
    CHECK(has(show, "status"));
    CHECK(has(show, "WorkflowStarted"));
    CHECK(has(show, "WorkflowCompleted"));

    Run json = cairn_cli(url, "show cli-1 --json");
    CHECK(json.code == 0);
    Json parsed = Json::parse(json.out, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    CHECK(parsed["run"]["status"] == "completed");
    CHECK(parsed["history"].size() >= 3);

    {
      std::FILE* f = std::fopen(dir.file("input.json").c_str(), "w");
      std::fputs("{\"steps\": 1}", f);
      std::fclose(f);
    }
    CHECK(cairn_cli(url, "start bench.steps --input @" + dir.file("input.json") + " --id cli-2").code == 0);

    Run conflict = cairn_cli(url, "cancel cli-1");
    CHECK(conflict.code == 1);
    CHECK(has(conflict, "conflict"));
    Run missing = cairn_cli(url, "retry nobody");
    CHECK(missing.code == 1);
    CHECK(has(missing, "not_found"));
    CHECK(cairn_cli(url, "signal cli-1 go --data '{}'").code == 1);
    CHECK(cairn_cli(url, "terminate cli-1 --reason stop").code == 1);
    Run not_stuck = cairn_cli(url, "skip cli-1 --result '{\"refunded\": true}'");  // ended: nothing to skip
    CHECK(not_stuck.code == 1);
    CHECK(has(not_stuck, "conflict"));
    CHECK(cairn_cli(url, "skip cli-1").code == 2);  // --result is required
    Run audit = cairn_cli(url, "audit");
    CHECK(audit.code == 0);
    CHECK(has(audit, "ACTOR"));
    Run types = cairn_cli(url, "types");
    CHECK(types.code == 0);
    CHECK(has(types, "bench.steps"));

    CHECK(cairn_cli(url, "start bench.steps --input '{not json'").code == 2);
    CHECK(cairn_cli(url, "start bench.steps").code == 2);
    CHECK(cairn_cli(url, "show").code == 2);
    CHECK(cairn_cli(url, "list --bogus").code == 2);
    CHECK(cairn_cli(url, "start no.such.type --input '{}'").code == 1);
    CHECK(server.stop() == 0);
  }

  TEST_CASE("an open server on [::1] takes the CLI's requests: Host is [::1]:port") {
    TempDir dir;
    ServerProcess server(dir.file("v6.db"), {"--listen", "[::1]:0"});
    if (!server.started()) {
      MESSAGE("skipped: cannot listen on [::1] here");
      return;
    }
    const std::string url = "http://[::1]:" + std::to_string(server.port());
    for (const auto& [args, shown] : {std::pair{"start bench.steps --input '{\"steps\":1}' --id v6-1", "v6-1 running"},
                                      std::pair{"list", "v6-1"}}) {
      CAPTURE(args);
      Run r = cairn_cli(url, args);
      CHECK(r.code == 0);  // was 403: `Host ::1 is not` a loopback name
      CHECK(has(r, shown));
    }
    CHECK(server.stop() == 0);
  }

  TEST_CASE("help, unknown commands and unreachable servers") {
    Run help = cairn_plain("--help");
    CHECK(help.code == 0);
    CHECK(has(help, "serve"));
    CHECK(has(help, "terminate"));
    CHECK(has(help, "cairn skip ID --result JSON|@FILE"));  // every command of docs/cli.md's synopsis
    for (const char* command : {"start", "list", "show", "signal", "cancel", "terminate", "retry", "skip", "audit",
                                "types", "serve", "check"})
      CHECK(has(help, std::string("\n  ") + command + " "));
    CHECK(cairn_plain("list --help").code == 0);
    CHECK(has(cairn_plain("serve --help"), "--listen"));
    CHECK(cairn_plain("frobnicate").code == 2);
    CHECK(cairn_plain("").code == 2);
    Run down = cairn_plain("list --server http://127.0.0.1:1");
    CHECK(down.code == 3);
    CHECK(has(down, "cannot"));
    CHECK(cairn_plain("list --server ftp://x").code == 2);
    // Refused before anything is opened; it aborted (134) once creating that many threads failed.
    Run threads = cairn_plain("serve --listen 127.0.0.1:0 --db /nonexistent/dir/c.db --threads 100000");
    CHECK(threads.code == 2);
    CHECK(has(threads, "--threads takes at most 256"));
  }
}
