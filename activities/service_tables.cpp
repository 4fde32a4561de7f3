// Exactly-once effects over cairn::Tables.
#include "activities/service_tables.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>

#include "cairn/errors.h"

namespace cairn::activities {

namespace {
constexpr const char* kIdempotency = "svc_idempotency";
constexpr const char* kCounters = "svc_counters";
}  // namespace

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string rfc3339(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

Json run_once(Tables& tables, const std::string& op, const std::string& key,
              const std::function<Effect(TableTx&)>& fn) {
  const std::string id = op + "|" + key;
  Effect effect;
  std::exception_ptr error;
  Status st = tables.transact([&](TableTx& tx) -> Status {
    if (auto done = get_json(tx, kIdempotency, id)) {
      effect = done->contains("error")
                   ? Effect::terminal((*done)["error"]["type"], (*done)["error"]["message"])
                   : Effect::ok((*done)["value"]);
      return Status::ok();
    }
    try {
      effect = fn(tx);
    } catch (...) {
      // NOTE: an exception must not cross the store's transaction; roll back and rethrow after.
      error = std::current_exception();
      return Status(Errc::kInternal, op + ": the operation threw");
    }
    if (effect.kind == Effect::Kind::kOk) put_json(tx, kIdempotency, id, Json{{"value", effect.value}});
    if (effect.kind == Effect::Kind::kTerminal)
      put_json(tx, kIdempotency, id,
               Json{{"error", {{"type", effect.error_type}, {"message", effect.error_message}}}});
    return Status::ok();
  });
  if (error) std::rethrow_exception(error);
  if (!st.is_ok()) throw RetryableError("store", op + ": " + st.to_string());
  switch (effect.kind) {
    case Effect::Kind::kOk: return effect.value;
    case Effect::Kind::kTerminal: throw TerminalError(effect.error_message, effect.error_type);
    case Effect::Kind::kRetry: throw RetryableError(effect.error_type, effect.error_message);
  }
  return nullptr;
}

std::optional<Json> get_json(TableTx& tx, const std::string& table, const std::string& key) {
  auto text = tx.get(table, key);
  if (!text) return std::nullopt;
  return Json::parse(*text);
}

void put_json(TableTx& tx, const std::string& table, const std::string& key, const Json& value) {
  tx.put(table, key, value.dump());
}

std::int64_t next_seq(TableTx& tx, const std::string& name) {
  auto text = tx.get(kCounters, name);
  std::int64_t n = text ? std::stoll(*text) + 1 : 1;
  tx.put(kCounters, name, std::to_string(n));
  return n;
}

std::string seq_key(std::int64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%012lld", static_cast<long long>(n));
  return buf;
}

std::vector<std::pair<std::string, Json>> scan_json(Tables& tables, const std::string& table,
                                                    const std::string& prefix) {
  auto rows = tables.scan_table(table, prefix);
  if (!rows) throw RetryableError("store", table + ": " + rows.status().to_string());
  std::vector<std::pair<std::string, Json>> out;
  out.reserve(rows->size());
  for (auto& [k, v] : *rows) out.emplace_back(k, Json::parse(v));
  return out;
}

}  // namespace cairn::activities
