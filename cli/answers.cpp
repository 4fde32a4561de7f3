// The shapes of the API's answers, and the check that walks a JSON value against one.
#include "cli/answers.h"

namespace cairn::cli {

namespace {

std::string kinds_text(unsigned kinds) {
  static constexpr std::pair<Kind, const char*> kNames[] = {{kNull, "null"},     {kString, "a string"},
                                                            {kNumber, "a number"}, {kBool, "a boolean"},
                                                            {kObject, "an object"}, {kArray, "an array"}};
  std::string out;
  for (const auto& [kind, name] : kNames)
    if (kinds & kind) out += (out.empty() ? "" : " or ") + std::string(name);
  return out;
}

unsigned kind_of(const Json& v) {
  if (v.is_null()) return kNull;
  if (v.is_string()) return kString;
  if (v.is_number()) return kNumber;
  if (v.is_boolean()) return kBool;
  return v.is_object() ? kObject : kArray;
}

std::optional<std::string> mismatch_at(const Json& object, const std::vector<Field>& fields, const std::string& path) {
  for (const Field& f : fields) {
    const std::string at = path.empty() ? f.name : path + "." + f.name;
    auto it = object.find(f.name);
    if (it == object.end()) return at + " is missing";
    if (!(kind_of(*it) & f.kinds)) return at + " is " + kinds_text(kind_of(*it)) + ", not " + kinds_text(f.kinds);
    if (!f.members) continue;
    if (it->is_object()) {
      if (auto m = mismatch_at(*it, *f.members, at)) return m;
    } else if (it->is_array()) {
      for (std::size_t i = 0; i < it->size(); ++i) {
        const std::string item = at + "[" + std::to_string(i) + "]";
        if (!(*it)[i].is_object()) return item + " is " + kinds_text(kind_of((*it)[i])) + ", not an object";
        if (auto m = mismatch_at((*it)[i], *f.members, item)) return m;
      }
    }
  }
  return std::nullopt;
}

const std::vector<Field> kWaitingOn = {{"kind", kString}, {"name", kString}, {"until", kString | kNull}};
const std::vector<Field> kRunSummary = {{"id", kString},
                                        {"type", kString},
                                        {"status", kString},
                                        {"created_at", kString},
                                        {"stuck_reason", kString | kNull},
                                        {"waiting_on", kObject | kNull, &kWaitingOn}};
const std::vector<Field> kEvent = {{"seq", kNumber}, {"type", kString}, {"cmd", kNumber}, {"at", kString}, {"data", kAnyKind}};
const std::vector<Field> kAuditEntry = {{"at", kString},     {"actor", kString},  {"role", kString | kNull},
                                        {"action", kString}, {"target", kString}, {"outcome", kString}};
const std::vector<Field> kType = {{"name", kString}, {"versions", kArray}, {"signals", kArray}, {"queries", kArray}};
const std::vector<Field> kError = {{"code", kString}, {"message", kString}};

}  // namespace

std::optional<std::string> mismatch(const Json& object, const std::vector<Field>& fields) {
  return mismatch_at(object, fields, "");
}

const Expected kStartAnswer = {{200, 201}, {{"id", kString}, {"type", kString}, {"status", kString}}};
const Expected kRunListAnswer = {{200}, {{"workflows", kArray, &kRunSummary}, {"next_cursor", kString | kNull}}};
const Expected kRunAnswer = {{200},
                             {{"id", kString},
                              {"type", kString},
                              {"version", kNumber},
                              {"status", kString},
                              {"input", kAnyKind},
                              {"result", kAnyKind},
                              {"error", kString | kNull},
                              {"stuck_reason", kString | kNull},
                              {"waiting_on", kObject | kNull, &kWaitingOn},
                              {"created_at", kString},
                              {"updated_at", kString},
                              {"parent_id", kString | kNull}}};
const Expected kHistoryAnswer = {{200}, {{"events", kArray, &kEvent}, {"next_cursor", kNumber | kNull}}};
const Expected kSignalAnswer = {{202}, {{"seq", kNumber}}};
const Expected kActionAnswer = {{202}, {}};
const Expected kAuditAnswer = {{200}, {{"entries", kArray, &kAuditEntry}, {"next_cursor", kString | kNull}}};
const Expected kTypesAnswer = {{200}, {{"types", kArray, &kType}}};
const std::vector<Field> kErrorFields = {{"error", kObject, &kError}};

}  // namespace cairn::cli
