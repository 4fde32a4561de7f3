// `cairn show`, `list` and `audit` output: long fields cut on a UTF-8 character boundary, timer
// deadlines as times, control and bidi characters from the server escaped, columns aligned in
// terminal columns, no trailing spaces.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "cairn/json.h"
#include "cli/cli_run.h"
#include "cli/stub_server.h"

using cairn::Json;
using cairn::test::cairn_cli;
using cairn::test::has;
using cairn::test::Run;
using cairn::test::StubServer;

namespace {

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("show cuts long fields between characters and prints timer deadlines as times") {
    std::string long_text;
    for (int i = 0; i < 250; ++i) long_text += "\xC3\xA9";  // é: two bytes, one column; a byte cut would split one
    // One body that is both a run and a history page: the stub answers every request alike.
    Json body = {{"id", "r1"},          {"type", "t"},          {"version", 1},
                 {"status", "waiting"}, {"input", long_text},   {"result", nullptr},
                 {"error", nullptr},    {"stuck_reason", nullptr}, {"waiting_on", nullptr},
                 {"created_at", "2026-01-01T00:00:00.000Z"}, {"updated_at", "2026-01-01T00:00:00.000Z"},
                 {"parent_id", nullptr}, {"next_cursor", nullptr},
                 {"events", {{{"seq", 1}, {"type", "TimerStarted"}, {"cmd", 1}, {"at", "2026-01-01T00:00:00.000Z"},
                              {"data", {{"until", 1767225600000}}}}}}};
    StubServer stub(200, body.dump());
    Run show = cairn_cli(stub.url(), "show r1");
    CHECK(show.code == 0);
    CHECK(valid_utf8(show.out));
    CHECK(has(show, "..."));
    CHECK(has(show, "2026-01-01T00:00:00.000Z\"}"));  // {"until":"<time>"}, not 1767225600000
    CHECK_FALSE(has(show, "1767225600000"));
  }

  TEST_CASE("show marks an event the server flags damaged (its row changed outside Cairn)") {
    Json body = {{"id", "r1"}, {"type", "t"}, {"version", 1}, {"status", "completed"}, {"input", Json::object()},
                 {"result", nullptr}, {"error", nullptr}, {"stuck_reason", nullptr}, {"waiting_on", nullptr},
                 {"created_at", "2026-01-01T00:00:00.000Z"}, {"updated_at", "2026-01-01T00:00:00.000Z"},
                 {"parent_id", nullptr}, {"next_cursor", nullptr},
                 {"events", {{{"seq", 1}, {"type", "WorkflowStarted"}, {"cmd", 0}, {"at", "2026-01-01T00:00:00.000Z"},
                              {"data", Json::object()}},
                             {{"seq", 2}, {"type", "WorkflowCompleted"}, {"cmd", 1}, {"at", "2026-01-01T00:00:00.000Z"},
                              {"data", Json::object()}, {"damaged", true}}}}};
    StubServer stub(200, body.dump());
    Run show = cairn_cli(stub.url(), "show r1");
    CHECK(show.code == 0);
    CHECK(has(show, "WorkflowCompleted DAMAGED"));
    CHECK_FALSE(has(show, "WorkflowStarted DAMAGED"));
  }

  TEST_CASE("show cuts a long field at 200 terminal columns, not bytes: a wide character takes two") {
    std::string wide;
    for (int i = 0; i < 150; ++i) wide += "\xE6\xB3\xA8";  // 注: 3 bytes, 2 columns
    Json body = {{"id", "r1"}, {"type", "t"}, {"version", 1}, {"status", "running"}, {"input", wide},
                 {"result", nullptr}, {"error", nullptr}, {"stuck_reason", nullptr}, {"waiting_on", nullptr},
                 {"created_at", "x"}, {"updated_at", "x"}, {"parent_id", nullptr}, {"next_cursor", nullptr},
                 {"events", Json::array()}};
    StubServer stub(200, body.dump());
    Run show = cairn_cli(stub.url(), "show r1");
    CHECK(show.code == 0);
    const auto wide_chars = [](int n) {
      std::string s;
      for (int i = 0; i < n; ++i) s += "\xE6\xB3\xA8";
      return s;
    };
    CHECK(has(show, "  " + wide_chars(98) + "...\n"));  // 196 columns and "...": at most 200
    CHECK_FALSE(has(show, wide_chars(99)));
  }

  TEST_CASE("a timer without a name is shown without an empty name, and no line ends in spaces") {
    Json body = {{"id", "r1"}, {"type", "t"}, {"version", 1}, {"status", "waiting"}, {"input", Json::object()},
                 {"result", nullptr}, {"error", nullptr}, {"stuck_reason", nullptr},
                 {"waiting_on", {{"kind", "timer"}, {"name", ""}, {"until", "2026-01-01T00:00:00.000Z"}}},
                 {"created_at", "2026-01-01T00:00:00.000Z"}, {"updated_at", "2026-01-01T00:00:00.000Z"},
                 {"parent_id", nullptr}, {"next_cursor", nullptr},
                 {"events", {{{"seq", 1}, {"type", "WorkflowStarted"}, {"cmd", 0}, {"at", "2026-01-01T00:00:00.000Z"},
                              {"data", ""}}}},
                 {"workflows", {{{"id", "r1"}, {"type", "t"}, {"status", "completed"}, {"created_at", "x"},
                                 {"stuck_reason", nullptr}, {"waiting_on", nullptr}}}}};
    StubServer stub(200, body.dump());
    Run show = cairn_cli(stub.url(), "show r1");
    CHECK(show.code == 0);
    CHECK(has(show, "\nwaiting on  timer until 2026-01-01T00:00:00.000Z\n"));
    CHECK(has(show, "\n  1    2026-01-01T00:00:00.000Z  WorkflowStarted\n"));  // no CMD, no DATA
    Run list = cairn_cli(stub.url(), "list");
    CHECK(list.code == 0);
    CHECK(list.out == "ID  TYPE  STATUS     CREATED  WAITING ON / WHY STUCK\nr1  t     completed  x\n");
    for (const Run& r : {show, list}) CHECK_FALSE(has(r, " \n"));
  }

  TEST_CASE("tables align in terminal columns: wide characters take two, combining accents none") {
    const std::string wide = "\xE6\xB3\xA8\xE6\x96\x87-1";  // 注文-1: 8 bytes, 6 columns
    const std::string accent = "e\xCC\x81";                      // e + U+0301: 3 bytes, 1 column
    Json rows = {{"workflows", {{{"id", wide}, {"type", accent}, {"status", "completed"}, {"created_at", "x"},
                                 {"stuck_reason", nullptr}, {"waiting_on", nullptr}},
                                {{"id", "r1"}, {"type", "t"}, {"status", "completed"}, {"created_at", "x"},
                                 {"stuck_reason", nullptr}, {"waiting_on", nullptr}}}},
                 {"next_cursor", nullptr}};
    StubServer stub(200, rows.dump());
    Run list = cairn_cli(stub.url(), "list");
    CHECK(list.code == 0);
    CHECK(list.out == "ID      TYPE  STATUS     CREATED  WAITING ON / WHY STUCK\n" +
                          wide + "  " + accent + "     completed  x\n"
                          "r1      t     completed  x\n");
  }

  TEST_CASE("bidirectional formatting characters from the server are escaped: they would reorder the line") {
    const std::string rlo = "\xE2\x80\xAE";  // U+202E RIGHT-TO-LEFT OVERRIDE
    Json entries = {{"entries", {{{"at", "2026-12-03T09:00:00.000Z"}, {"actor", "anonymous"}, {"role", nullptr},
                                  {"action", "GET"}, {"target", "caf\xC3\xA9-" + rlo + "1 dennacs"}, {"outcome", "unauthorized"}}}},
                    {"next_cursor", nullptr}};
    StubServer stub(200, entries.dump());
    Run audit = cairn_cli(stub.url(), "audit");
    CHECK(audit.code == 0);
    CHECK(audit.out.find(rlo) == std::string::npos);
    CHECK(has(audit, "caf\xC3\xA9-\\u202e1 dennacs"));  // é and the rest pass as they are
  }

  TEST_CASE("the next page's cursor is escaped like all server text") {
    const std::string cursor = "c\x1b[2J\nforged line";
    StubServer list(200, Json{{"workflows", Json::array()}, {"next_cursor", cursor}}.dump());
    Run l = cairn_cli(list.url(), "list");
    CHECK(l.code == 0);
    CHECK(has(l, "more: --cursor c\\x1b[2J\\nforged line\n"));
    CHECK(l.out.find('\x1b') == std::string::npos);
    StubServer audit(200, Json{{"entries", Json::array()}, {"next_cursor", cursor}}.dump());
    Run a = cairn_cli(audit.url(), "audit");
    CHECK(a.code == 0);
    CHECK(has(a, "more: --cursor c\\x1b[2J\\nforged line\n"));
  }

  TEST_CASE("text from the server cannot drive the terminal or forge a line: control characters are escaped") {
    // Anyone who can reach the port writes an audit entry (a 401 records the id it asked for),
    // and a terminate reason is shown in `error`: both once reached the terminal raw.
    const std::string evil = "\x1b[31mEVIL\x1b[0m\n2026-12-03T09:00:30.000Z  admin#1  admin  terminate\t\xC2\x9B" "2J";
    Json entries = {{"entries", {{{"at", "2026-12-03T09:00:00.000Z"}, {"actor", "anonymous"}, {"role", nullptr},
                                  {"action", "GET"}, {"target", evil}, {"outcome", "unauthorized"}}}},
                    {"next_cursor", nullptr}};
    StubServer audit_stub(200, entries.dump());
    Run audit = cairn_cli(audit_stub.url(), "audit");
    CHECK(audit.code == 0);
    CHECK(audit.out.find('\x1b') == std::string::npos);
    CHECK(audit.out.find("\xC2\x9B") == std::string::npos);
    CHECK(has(audit, "\\x1b[31mEVIL\\x1b[0m\\n2026-12-03T09:00:30.000Z  admin#1  admin  terminate\\t\\u009b2J"));
    CHECK(std::count(audit.out.begin(), audit.out.end(), '\n') == 2);  // the header and one entry

    Json run = {{"id", "r1"}, {"type", "t"}, {"version", 1}, {"status", "terminated"}, {"input", Json::object()},
                {"result", nullptr}, {"error", evil}, {"stuck_reason", nullptr}, {"waiting_on", nullptr},
                {"created_at", "2026-01-01T00:00:00.000Z"}, {"updated_at", "2026-01-01T00:00:00.000Z"},
                {"parent_id", nullptr}, {"next_cursor", nullptr}, {"events", Json::array()}};
    StubServer run_stub(200, run.dump());
    Run show = cairn_cli(run_stub.url(), "show r1");
    CHECK(show.code == 0);
    CHECK(show.out.find('\x1b') == std::string::npos);
    CHECK(has(show, "\\x1b[31mEVIL\\x1b[0m\\n2026"));
  }
}
