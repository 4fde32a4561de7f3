// Tables and timelines for the admin commands.
#include "cli/format.h"

#include <algorithm>

#include <fmt/format.h>

#include "api/validate.h"

namespace cairn::cli {

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {  // U+0080..U+009F: C1 controls (0x9B is CSI)
      out += fmt::format("\\u{:04x}", next);
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    auto& shown = cells.emplace_back();
    for (std::size_t i = 0; i < row.size(); ++i) {
      shown.push_back(printable(row[i]));
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], shown[i].size());
    }
  }
  std::string out;
  for (const auto& row : cells) {
    // Padding only up to the last non-empty cell: a line never ends in spaces.
    std::size_t last = row.size();
    while (last > 0 && row[last - 1].empty()) --last;
    std::string line;
    for (std::size_t i = 0; i < last; ++i) {
      line += row[i];
      if (i + 1 < last) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string brief(const Json& value, std::size_t max) {
  std::string s = value.is_string() ? value.get<std::string>() : value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > max) {
    std::size_t cut = max - 3;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
    s = s.substr(0, cut) + "...";
  }
  return s;
}

std::string waiting_text(const Json& w) {
  if (!w.is_object()) return "";
  std::string s = w.value("kind", "");
  if (const std::string name = w.value("name", ""); !name.empty()) s += " " + name;  // a plain sleep has none
  if (w.contains("until") && w["until"].is_string()) s += " until " + w["until"].get<std::string>();
  return s;
}

std::string run_report(const Json& run, const std::vector<Json>& events) {
  auto text = [](const Json& v) { return v.is_null() ? std::string() : brief(v, 200); };
  std::vector<std::vector<std::string>> fields = {
      {"id", text(run.value("id", Json()))},
      {"type", text(run.value("type", Json())) + " v" + text(run.value("version", Json()))},
      {"status", text(run.value("status", Json()))},
      {"why stuck", text(run.value("stuck_reason", Json()))},
      {"waiting on", waiting_text(run.value("waiting_on", Json()))},
      {"error", text(run.value("error", Json()))},
      {"created", text(run.value("created_at", Json()))},
      {"updated", text(run.value("updated_at", Json()))},
      {"parent", text(run.value("parent_id", Json()))},
      {"input", text(run.value("input", Json()))},
      {"result", text(run.value("result", Json()))},
  };
  std::erase_if(fields, [](const auto& row) { return row[1].empty(); });
  std::string out = table(fields);
  out += "\nhistory (" + std::to_string(events.size()) + " events)\n";
  std::vector<std::vector<std::string>> rows = {{"  SEQ", "AT", "EVENT", "CMD", "DATA"}};
  for (const Json& e : events) {
    std::int64_t cmd = e.value("cmd", std::int64_t{0});
    Json data = e.value("data", Json());
    // The journal keeps a timer's deadline as epoch milliseconds.
    if (data.is_object() && data.contains("until") && data["until"].is_number_integer())
      data["until"] = api::format_rfc3339(data["until"].get<std::int64_t>());
    rows.push_back({"  " + std::to_string(e.value("seq", std::int64_t{0})), e.value("at", ""), e.value("type", ""),
                    cmd ? std::to_string(cmd) : "", brief(data)});
  }
  return out + table(rows);
}

}  // namespace cairn::cli
