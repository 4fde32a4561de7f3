// Admin subcommands over HTTP: requests, error and exit-code handling, output.
#include "cli/admin.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>

#include "api/validate.h"
#include "cli/args.h"
#include "cli/format.h"
#include "cli/output.h"
#include "cli/session.h"

namespace cairn::cli {

namespace {

struct Command {
  const char* help;
  std::set<std::string> flags;
  std::set<std::string> options;
  std::size_t positional;  // exact number of positional arguments
  const char* required = nullptr;  // an option the command cannot do without (a usage error, exit 2)
};

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> kCommands = {
      {"start",
       {"usage: cairn start TYPE --input JSON|@FILE [--id ID] [--idempotency-key K]\n"
        "  Starts a run of workflow TYPE. Prints `ID STATUS (created)`, or `(already existed)` when that id or\n"
        "  key was started before with the same input (--json adds \"created\": true|false).\n",
        {},
        {"input", "id", "idempotency-key"},
        1,
        "input"}},
      {"list",
       {"usage: cairn list [--status S] [--type T] [--stuck] [--created-after TIME] [--created-before TIME]\n"
        "                  [--limit N] [--cursor C]\n"
        "  Lists runs, newest first. S: running waiting stuck completed failed cancelled terminated.\n"
        "  TIME is RFC 3339 (2026-01-31T12:00:00Z); --created-after is inclusive, --created-before exclusive.\n",
        {"stuck"},
        {"status", "type", "created-after", "created-before", "limit", "cursor"},
        0}},
      {"show",
       {"usage: cairn show ID\n  Shows a run: status, why it is stuck, what it waits on, and its history.\n", {}, {}, 1}},
      {"signal",
       {"usage: cairn signal ID NAME --data JSON|@FILE [--idempotency-key K]\n  Delivers signal NAME to run ID.\n",
        {},
        {"data", "idempotency-key"},
        2,
        "data"}},
      {"cancel", {"usage: cairn cancel ID\n  Asks run ID to cancel (it compensates). Needs the admin role.\n", {}, {}, 1}},
      {"terminate",
       {"usage: cairn terminate ID --reason R\n  Stops run ID at once, without compensation. Needs the admin role.\n",
        {},
        {"reason"},
        1,
        "reason"}},
      {"retry", {"usage: cairn retry ID\n  Resumes a stuck or failed run at its failed step. Needs the admin role.\n", {}, {}, 1}},
      {"skip",
       {"usage: cairn skip ID --result JSON|@FILE\n  Ends the skippable activity stuck run ID is paused on with RESULT in its place;\n"
        "  the run goes on from there. Needs the admin role.\n",
        {},
        {"result"},
        1,
        "result"}},
      {"audit", {"usage: cairn audit [--limit N] [--cursor C]\n  Lists the audit log, newest first. Needs the admin role.\n",
                 {},
                 {"limit", "cursor"},
                 0}},
      {"types", {"usage: cairn types\n  Lists the registered workflow types.\n", {}, {}, 0}},
  };
  return kCommands;
}

constexpr int kMaxLimit = 1000;  // API.md: a page holds at most 1000 entries

constexpr const char* kCommon =
    "common options: --server URL (or CAIRN_SERVER; default http://127.0.0.1:8080), --token T (or CAIRN_TOKEN),\n"
    "                --json (print the API's JSON answer)\n";

// Percent-encodes a query value or path segment.
std::string encode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The query string of the options named `keys` that were given (--created-after becomes
// created_after). --limit is checked here as the
// API would (an integer from 1 to 1000): a usage error, not a request.
std::string query(const Args& args, std::initializer_list<const char*> keys) {
  std::string q;
  for (const char* key : keys) {
    auto v = args.get(key);
    if (!v) continue;
    if (std::string_view(key) == "limit") {
      int n = 0;
      auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc() || end != v->data() + v->size() || n < 1 || n > kMaxLimit) {
        std::fprintf(stderr, "cairn: --limit must be an integer from 1 to %d, not %s\n", kMaxLimit, v->c_str());
        throw Failure{kExitUsage};
      }
    }
    std::string param = key;
    std::replace(param.begin(), param.end(), '-', '_');
    q += (q.empty() ? "?" : "&") + param + "=" + encode(*v);
  }
  return q;
}

// JSON given inline or as @file; a usage error otherwise, naming the file when there is one.
std::string json_argument(const std::string& name, const std::string& value) {
  std::string text = value, source = "--" + name;
  if (!value.empty() && value[0] == '@') {
    const std::string path = value.substr(1);
    source += " file " + path;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    char buf[65536];
    std::size_t n = 0;
    text.clear();
    while (f && (n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    const int err = !f ? errno : std::ferror(f) ? errno : 0;  // a directory opens, then fails to read
    if (f) std::fclose(f);
    if (err) {
      std::fprintf(stderr, "cairn: cannot read %s: %s\n", path.c_str(), std::strerror(err));
      throw Failure{kExitUsage};
    }
  }
  if (Json::parse(text, nullptr, false).is_discarded()) {
    std::fprintf(stderr, "cairn: %s is not valid JSON\n", source.c_str());
    throw Failure{kExitUsage};
  }
  return text;
}

// An environment variable set to "" counts as unset (`CAIRN_SERVER= cairn list` uses the default).
std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// `more: --cursor C` after a page that has a next one.
void print_more(const Json& page) {
  if (page["next_cursor"].is_string())
    write_out("more: --cursor " + printable(page["next_cursor"].get<std::string>()) + "\n");
}

// A usage error (cli/args.h) when the token or idempotency key cannot go into a header as it is:
// a line break in either would add headers, or whole requests, of the caller's making.
void check_header_values(const std::string& command, const std::string& token, const Args& args) {
  if (!api::visible_ascii(token)) {
    std::fprintf(stderr,
                 "cairn %s: the token (--token or CAIRN_TOKEN) may hold only visible ASCII characters (! to ~): "
                 "it holds a space, a control character or a non-ASCII byte\n",
                 command.c_str());
    throw Failure{kExitUsage};
  }
  if (auto key = args.get("idempotency-key"); key && !api::valid_key(*key)) {
    std::fprintf(stderr,
                 "cairn %s: --idempotency-key must be 1 to 256 visible ASCII characters (! to ~, no space), not %s\n",
                 command.c_str(), printable(*key).c_str());
    throw Failure{kExitUsage};
  }
}

int execute(const std::string& name, const Args& args, Session& api, bool json) {
  const auto& pos = args.positional;
  auto show_json = [&](const Json& j) { write_out(j.dump(2) + "\n"); };
  if (name == "start") {
    const std::string input = *args.get("input");
    Json body{{"type", pos[0]}, {"input", Json::parse(json_argument("input", input))}};
    if (auto id = args.get("id")) body["id"] = *id;
    Reply r = api.call("POST", "/v1/workflows", kStartAnswer, body.dump(), args.get("idempotency-key").value_or(""));
    const bool created = r.status == 201;  // 200: the run already existed
    r.body["created"] = created;
    json ? show_json(r.body)
         : write_out(printable(r.body.value("id", "") + " " + r.body.value("status", "")) +
                     (created ? " (created)\n" : " (already existed)\n"));
  } else if (name == "list") {
    std::string q = query(args, {"status", "type", "created-after", "created-before", "limit", "cursor"});
    if (args.flag("stuck")) q += std::string(q.empty() ? "?" : "&") + "stuck=true";
    Json r = api.call("GET", "/v1/workflows" + q, kRunListAnswer).body;
    if (json) return show_json(r), kExitOk;
    std::vector<std::vector<std::string>> rows = {{"ID", "TYPE", "STATUS", "CREATED", "WAITING ON / WHY STUCK"}};
    for (const Json& w : r["workflows"])
      rows.push_back({w.value("id", ""), w.value("type", ""), w.value("status", ""), w.value("created_at", ""),
                      w["stuck_reason"].is_string() ? brief(w["stuck_reason"], 60) : waiting_text(w["waiting_on"])});
    write_out(table(rows));
    print_more(r);
  } else if (name == "show") {
    std::string base = "/v1/workflows/" + encode(pos[0]);
    Json run = api.call("GET", base, kRunAnswer).body;
    std::vector<Json> events;
    // A cursor that does not move forward would page forever.
    for (std::int64_t after = 0;;) {
      Json page = api.call("GET", base + "/history?limit=1000&after=" + std::to_string(after), kHistoryAnswer).body;
      for (Json& e : page["events"]) events.push_back(std::move(e));
      if (!page["next_cursor"].is_number() || page["next_cursor"].get<std::int64_t>() <= after) break;
      after = page["next_cursor"].get<std::int64_t>();
    }
    if (json) return show_json(Json{{"run", run}, {"history", events}}), kExitOk;
    write_out(run_report(run, events));
  } else if (name == "signal") {
    const std::string data = *args.get("data");
    Json r = api.call("POST", "/v1/workflows/" + encode(pos[0]) + "/signals/" + encode(pos[1]), kSignalAnswer,
                      json_argument("data", data), args.get("idempotency-key").value_or(""))
                 .body;
    json ? show_json(r) : write_out("delivered as event " + std::to_string(r.value("seq", std::int64_t{0})) + "\n");
  } else if (name == "cancel" || name == "retry") {
    Json r = api.call("POST", "/v1/workflows/" + encode(pos[0]) + "/" + name, kActionAnswer).body;
    json ? show_json(r) : write_out(name + " accepted for " + pos[0] + "\n");
  } else if (name == "skip") {
    const std::string result = *args.get("result");
    Json body{{"result", Json::parse(json_argument("result", result))}};
    Json r = api.call("POST", "/v1/workflows/" + encode(pos[0]) + "/skip", kActionAnswer, body.dump()).body;
    json ? show_json(r) : write_out("skip accepted for " + pos[0] + "\n");
  } else if (name == "terminate") {
    const std::string reason = *args.get("reason");
    Json r = api.call("POST", "/v1/workflows/" + encode(pos[0]) + "/terminate", kActionAnswer,
                      Json{{"reason", reason}}.dump())
                 .body;
    json ? show_json(r) : write_out("terminate accepted for " + pos[0] + "\n");
  } else if (name == "audit") {
    Json r = api.call("GET", "/v1/audit" + query(args, {"limit", "cursor"}), kAuditAnswer).body;
    if (json) return show_json(r), kExitOk;
    std::vector<std::vector<std::string>> rows = {{"AT", "ACTOR", "ROLE", "ACTION", "TARGET", "OUTCOME"}};
    for (const Json& e : r["entries"])
      rows.push_back({e.value("at", ""), e.value("actor", ""), e["role"].is_string() ? e["role"].get<std::string>() : "",
                      e.value("action", ""), e.value("target", ""), e.value("outcome", "")});
    write_out(table(rows));
    print_more(r);
  } else if (name == "types") {
    Json r = api.call("GET", "/v1/workflow-types", kTypesAnswer).body;
    if (json) return show_json(r), kExitOk;
    std::vector<std::vector<std::string>> rows = {{"TYPE", "VERSIONS", "SIGNALS", "QUERIES"}};
    for (const Json& t : r["types"])
      rows.push_back({t.value("name", ""), brief(t["versions"]), brief(t["signals"]), brief(t["queries"])});
    write_out(table(rows));
  }
  return kExitOk;
}

}  // namespace

bool is_admin_command(const std::string& command) { return commands().count(command) > 0; }

std::string admin_help(const std::string& command) {
  auto it = commands().find(command);
  return it == commands().end() ? std::string() : std::string(it->second.help) + kCommon;
}

int run_admin(int argc, char** argv) {
  const std::string name = argv[1];
  const Command& cmd = commands().at(name);
  std::set<std::string> flags = cmd.flags, options = cmd.options;
  flags.insert({"json", "help"});
  options.insert({"server", "token"});
  std::string error;
  std::set<std::string> required;
  if (cmd.required) required.insert(cmd.required);
  auto args = parse_args(argc, argv, 2, flags, options, error, required);
  if (args && args->flag("help")) {
    write_out(admin_help(name));
    return kExitOk;
  }
  if (args && args->positional.size() != cmd.positional)
    error = "expected " + std::to_string(cmd.positional) + " argument(s), got " + std::to_string(args->positional.size());
  else if (args && cmd.required && args->get(cmd.required).value_or("").empty())
    error = std::string("--") + cmd.required + " is required";
  if (!error.empty()) {
    std::fprintf(stderr, "cairn %s: %s\n%s", name.c_str(), error.c_str(), admin_help(name).c_str());
    return kExitUsage;
  }
  std::string url = args->get("server").value_or(env_or("CAIRN_SERVER", "http://127.0.0.1:8080"));
  auto client = api::HttpClient::from_url(url);
  if (!client) {
    std::fprintf(stderr, "cairn: %s\n", client.status().message().c_str());
    return kExitUsage;
  }
  const std::string token = args->get("token").value_or(env_or("CAIRN_TOKEN", ""));
  Session session(std::move(client).value(), token);
  try {
    check_header_values(name, token, *args);
    return execute(name, *args, session, args->flag("json"));
  } catch (const Failure& f) {
    return f.code;
  }
}

}  // namespace cairn::cli
