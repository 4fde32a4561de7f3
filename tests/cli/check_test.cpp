// `cairn check --db PATH` against a real server's database: sound, live, edited, and misused.
#include <doctest/doctest.h>

#include <sqlite3.h>

#include <string>

#include "api/server_process.h"
#include "cairn/json.h"
#include "cli/cli_run.h"
#include "store/store_test_util.h"

using cairn::Json;
using namespace cairn::test;

namespace {

void edit(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("cairn check: sound beside a live server, damaged after an edit, with its exit codes") {
    TempDir dir;
    const std::string db = dir.file("c.db");
    {
      ServerProcess server(db);
      REQUIRE(server.started());
      REQUIRE(cairn_cli(server.url(), "start bench.steps --input '{\"steps\":2}' --id chk-1").code == 0);
      REQUIRE(server.client().request("GET", "/v1/workflows/chk-1?wait=60s"));
      Run live = cairn_plain("check --db " + db);
      CHECK(live.code == 0);
      CHECK(has(live, "1 runs, 4 events"));
      CHECK(has(live, "journal: 4 event checksums checked, 0 events from before checksums (not checkable), 0 problem(s)"));
      CHECK(has(live, "sound"));
      REQUIRE(server.stop() == 0);
    }
    edit(db, "UPDATE events SET data = json_set(data, '$.attempt', 2) WHERE seq = 2");
    Run damaged = cairn_plain("check --db " + db);
    CHECK(damaged.code == 1);
    CHECK(has(damaged, "run chk-1 seq 2 (ActivityCompleted): does not match its checksum"));
    CHECK(has(damaged, "DAMAGED"));
    // A services' state row whose checksum is not its own (0), as a damaged one.
    edit(db, "INSERT INTO kv(tbl, k, v, crc) VALUES ('ledger', 'o-1', '{}', 0)");
    Run both = cairn_plain("check --db " + db);
    CHECK(both.code == 1);
    CHECK(has(both, "state and signal keys: 1 row checksums checked, 0 rows from before checksums (not checkable), "
                    "1 problem(s)\n  store: table ledger row \"o-1\" no longer matches the checksum"));
    Json report = Json::parse(cairn_plain("check --db " + db + " --json").out);
    CHECK(report["ok"] == false);
    CHECK(report["damaged_events"] == 1);
    CHECK(report["damaged"][0]["run_id"] == "chk-1");
    CHECK(report["damaged_state_rows"] == 1);
    CHECK(report["damaged_state"].size() == 1);

    CHECK(cairn_plain("check").code == 2);
    Run missing = cairn_plain("check --db " + dir.file("missing.db") + " --json");
    CHECK(missing.code == 1);
    // A script reading stdout gets JSON, not nothing (the output here has stderr's line first).
    REQUIRE(missing.out.find('{') != std::string::npos);
    CHECK(Json::parse(missing.out.substr(missing.out.find('{')))["ok"] == false);
    CHECK(has(cairn_plain("help check"), "cairn check --db PATH"));
  }

  TEST_CASE("cairn check lists what SQLite found on a page too damaged to read, and says DAMAGED") {
    TempDir dir;
    const std::string db = dir.file("p.db");
    {
      ServerProcess server(db);
      REQUIRE(server.started());
      REQUIRE(cairn_cli(server.url(), "start bench.steps --input '{\"steps\":2}' --id pg-1").code == 0);
      REQUIRE(server.client().request("GET", "/v1/workflows/pg-1?wait=60s"));
    }
    cairn::store::test::damage_root_page(db, "events");
    Run damaged = cairn_plain("check --db " + db);
    CHECK(damaged.code == 1);
    CHECK(has(damaged, "integrity check:"));  // it printed SQLite's error alone, nothing listed
    CHECK(has(damaged, "DAMAGED"));
    Json report = Json::parse(cairn_plain("check --db " + db + " --json").out);
    CHECK(report["ok"] == false);
    CHECK_FALSE(report["integrity"].empty());
  }
}
