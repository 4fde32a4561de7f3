// Tables and timelines for the admin commands.
#include "cli/format.h"

#include <locale.h>
#include <wchar.h>

#include <algorithm>

#include <fmt/format.h>

#include "api/validate.h"

namespace cairn::cli {

namespace {

// The UTF-8 character that `s` starts with: its code point and length in bytes; `valid` false
// (and one byte long) for a byte that starts none.
struct Utf8Char {
  char32_t code = 0;
  std::size_t length = 1;
  bool valid = false;
};

Utf8Char first_char(std::string_view s) {
  const auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(0);
  const std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : (lead >> 3) == 30 ? 4 : 0;
  if (n == 0 || n > s.size()) return {lead};
  char32_t code = n == 1 ? lead : lead & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return {lead};
    code = (code << 6) | (byte(k) & 0x3F);
  }
  return {code, n, true};
}

// C1 controls (U+009B is CSI, as ESC [ is) and the bidirectional formatting characters, which
// reorder what follows them on the line ("Trojan Source", CVE-2021-42574).
bool escaped_code(char32_t c) {
  return (c >= 0x80 && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

// The columns `text` takes on a terminal, and the bytes of its longest head that takes at most
// `limit`: two columns for a wide character (CJK, most emoji), none for a combining mark, one for
// anything else (a byte of broken UTF-8 included). Widths are glibc's for C.UTF-8, whatever the
// caller's locale.
struct Columns {
  std::size_t width = 0;
  std::size_t head_bytes = 0;
};

Columns columns(std::string_view text, std::size_t limit = std::string_view::npos) {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
  const locale_t caller = utf8 ? uselocale(utf8) : locale_t{};
  Columns out;
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char c = first_char(text.substr(i));
    const int w = c.valid && utf8 ? wcwidth(static_cast<wchar_t>(c.code)) : 1;
    out.width += w < 0 ? 1 : static_cast<std::size_t>(w);
    i += c.length;
    if (out.width <= limit) out.head_bytes = i;
  }
  if (utf8) uselocale(caller);
  return out;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char c = first_char(text.substr(i));
    if (c.code == '\n') {
      out += "\\n";
    } else if (c.code == '\t') {
      out += "\\t";
    } else if (c.code < 0x20 || c.code == 0x7F) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(c.code));
    } else if (c.valid && escaped_code(c.code)) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c.code));
    } else {
      out.append(text.substr(i, c.length));
    }
    i += c.length;
  }
  return out;
}

std::string table(const std::vector<std::vector<std::string>>& rows) {
  struct Cell {
    std::string text;  // printable()
    std::size_t width;  // its columns on a terminal
  };
  std::vector<std::vector<Cell>> cells;
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    auto& shown = cells.emplace_back();
    for (std::size_t i = 0; i < row.size(); ++i) {
      std::string text = printable(row[i]);
      const std::size_t cell_width = columns(text).width;
      shown.push_back({std::move(text), cell_width});
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], cell_width);
    }
  }
  std::string out;
  for (const auto& row : cells) {
    // Padding only up to the last non-empty cell: a line never ends in spaces.
    std::size_t last = row.size();
    while (last > 0 && row[last - 1].text.empty()) --last;
    std::string line;
    for (std::size_t i = 0; i < last; ++i) {
      line += row[i].text;
      if (i + 1 < last) line += std::string(width[i] - row[i].width + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string brief(const Json& value, std::size_t max) {
  std::string s = value.is_string() ? value.get<std::string>() : value.dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr std::string_view kCut = "...";
  const Columns shown = columns(s, max - std::min(max, kCut.size()));
  if (shown.width > max) s = s.substr(0, shown.head_bytes).append(kCut);  // between characters
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
    std::string type = e.value("type", "");
    if (e.contains("damaged") && e["damaged"] == true) type += " DAMAGED";  // changed outside Cairn
    rows.push_back({"  " + std::to_string(e.value("seq", std::int64_t{0})), e.value("at", ""), std::move(type),
                    cmd ? std::to_string(cmd) : "", brief(data)});
  }
  return out + table(rows);
}

}  // namespace cairn::cli
