// Usage errors the CLI detects itself: exit 2 before any request (the --server given here does
// not listen, so reaching the network would exit 3).
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <utility>

#include "api/server_process.h"

#include "cli/cli_run.h"

using cairn::test::cairn_cli;
using cairn::test::cairn_plain;
using cairn::test::has;
using cairn::test::Run;
using cairn::test::TempDir;

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
    CHECK(has(cairn_cli(kNowhere, "start bench.steps --input '{}' --id ''"),
              "--id is empty: give it a value or leave it out"));
  }

  TEST_CASE("an empty value of a required option does not suggest leaving it out") {
    for (const auto& [args, option] : {std::pair{"terminate r1 --reason ''", "--reason"},
                                       std::pair{"start bench.steps --input ''", "--input"},
                                       std::pair{"signal r1 go --data=", "--data"},
                                       std::pair{"skip r1 --result ''", "--result"}}) {
      CAPTURE(args);
      Run r = cairn_cli(kNowhere, args);
      CHECK(r.code == 2);
      CHECK(has(r, std::string(option) + " is empty: give it a value\n"));
    }
    Run check = cairn_plain("check --db ''");
    CHECK(check.code == 2);
    CHECK(has(check, "cairn check: --db is empty: give it a value\n"));
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

  TEST_CASE("help is one text per command, asked either way, and help for no command is an error") {
    Run via_help = cairn_plain("help start");
    CHECK(via_help.code == 0);
    CHECK(has(via_help, "common options"));
    CHECK(via_help.out == cairn_plain("start --help").out);
    Run dash_h = cairn_plain("show -h");
    CHECK(dash_h.code == 0);
    CHECK(has(dash_h, "usage: cairn show ID"));
    Run bogus = cairn_plain("help bogus");
    CHECK(bogus.code == 2);
    CHECK(has(bogus, "unknown command `bogus`"));
  }

  TEST_CASE("-- ends the options, a missing value is not taken from the next option") {
    // Parsed, so they go on to connect (options must come before --).
    CHECK(cairn_plain("show --server " + kNowhere + " -- demo-1").code == 3);
    CHECK(cairn_plain("show --server " + kNowhere + " -- -odd-id").code == 3);
    Run dash = cairn_cli(kNowhere, "show -odd-id");
    CHECK(dash.code == 2);
    CHECK(has(dash, "put -- before arguments that start with -"));
    Run swallowed = cairn_cli(kNowhere, "start bench.steps --id --input '{}'");
    CHECK(swallowed.code == 2);
    CHECK(has(swallowed, "--id needs a value"));
    CHECK(cairn_cli(kNowhere, "start bench.steps --id=--odd --input '{}'").code == 3);
    Run flag_value = cairn_cli(kNowhere, "list --stuck=true");
    CHECK(flag_value.code == 2);
    CHECK(has(flag_value, "--stuck takes no value"));
  }

  TEST_CASE("an empty CAIRN_SERVER counts as unset") {
    // The default server may or may not listen here; what matters is that "" is not taken as a URL.
    Run r = cairn_plain("list", "CAIRN_SERVER= CAIRN_TOKEN=");
    CHECK(r.code != 2);
    CHECK_FALSE(has(r, "URL"));
  }

  TEST_CASE("an @file argument that cannot be read or is not JSON is named in the message") {
    TempDir dir;
    Run directory = cairn_cli(kNowhere, "start bench.steps --input @" + dir.file(""));
    CHECK(directory.code == 2);
    CHECK(has(directory, "cannot read " + dir.file("") + ": Is a directory"));
    Run missing = cairn_cli(kNowhere, "signal r1 go --data @" + dir.file("none.json"));
    CHECK(missing.code == 2);
    CHECK(has(missing, "cannot read " + dir.file("none.json")));
    {
      std::FILE* f = std::fopen(dir.file("bad.json").c_str(), "w");
      std::fputs("{not json", f);
      std::fclose(f);
    }
    Run bad = cairn_cli(kNowhere, "start bench.steps --input @" + dir.file("bad.json"));
    CHECK(bad.code == 2);
    CHECK(has(bad, "--input file " + dir.file("bad.json") + " is not valid JSON"));
  }
}
