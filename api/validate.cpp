// Input checks: ids, query parameters, times and JSON bodies.
#include "api/validate.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "api/header_tokens.h"

namespace cairn::api {

namespace {

Status bad(std::string message) { return {Errc::kInvalidArgument, std::move(message)}; }

bool parse_uint(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
}

unsigned days_in_month(int y, int m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// A literal as quoted in a message: at most 40 characters of it.
std::string shown(std::string_view literal) {
  std::string out(literal.substr(0, 40));
  if (literal.size() > 40) out += "...";
  return out;
}

// nlohmann::json::sax_parse's handler for a request body: nlohmann's own DOM builder (the one
// Json::parse uses; in nlohmann::detail, like engine/dump_json.h's serializer) wrapped to refuse,
// as the parse goes, what the API does not take. One pass over the text; before, a pre-scan for
// these limits lexed it once more.
class BodyReader {
 public:
  explicit BodyReader(Json& root) : dom_(root, /*allow_exceptions=*/false) {}

  // Why a callback stopped the parse; empty when the parser itself found the text malformed.
  std::string error;

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(std::int64_t v) { return dom_.number_integer(v); }
  bool number_unsigned(std::uint64_t v) { return dom_.number_unsigned(v); }
  // The lexer hands over, as a double, any literal with a fraction or exponent and any integer
  // that fits neither int64 nor uint64; `text` is the literal as sent.
  bool number_float(double v, const std::string& text) {
    // As a double it would be rounded: 2^64 + 1 reads back as 2^64.
    if (text.find_first_of(".eE") == std::string::npos)
      return refuse("the integer " + shown(text) + " does not fit in 64 bits; send it as a string");
    // Non-zero digits before the exponent, yet 0 (1e-400): it underflowed.
    if (v == 0 && text.find_first_of("123456789") < text.find_first_of("eE"))
      return refuse("the number " + shown(text) + " is too small for a 64-bit float (it would read as 0); send it "
                    "as a string");
    return dom_.number_float(v, text);
  }
  bool string(std::string& v) { return dom_.string(v); }
  bool binary(Json::binary_t&) { return false; }  // never called for JSON text
  bool start_object(std::size_t n) { return deeper() && dom_.start_object(n); }
  bool key(std::string& k) { return dom_.key(k); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return deeper() && dom_.start_array(n); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t, const std::string& token, const Json::exception& e) {
    if (e.id == 406)  // out_of_range.406: a number past the double range (1e400)
      return refuse("the number " + shown(token) + " is too large for a 64-bit float; send it as a string");
    return false;
  }

 private:
  bool refuse(std::string message) {
    error = std::move(message);
    return false;
  }
  bool deeper() { return ++depth_ <= kMaxJsonDepth || refuse("JSON nested deeper than 64 levels"); }

  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  int depth_ = 0;  // arrays and objects open
};

}  // namespace

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return false;
  try {
    (void)Json(std::string(name)).dump();  // throws on invalid UTF-8
  } catch (const Json::exception&) {
    return false;
  }
  return true;
}

bool visible_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '!' && c <= '~'; });
}

bool valid_key(std::string_view key) { return !key.empty() && key.size() <= 256 && visible_ascii(key); }

Result<Millis> parse_wait(std::string_view text) {
  std::uint64_t n = 0;
  Millis ms = 0;
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms" && parse_uint(text.substr(0, text.size() - 2), n)) {
    ms = n > static_cast<std::uint64_t>(kMaxWaitMs) ? kMaxWaitMs + 1 : static_cast<Millis>(n);
  } else if (text.size() > 1 && text.back() == 's' && parse_uint(text.substr(0, text.size() - 1), n)) {
    ms = n > static_cast<std::uint64_t>(kMaxWaitMs) ? kMaxWaitMs + 1 : static_cast<Millis>(n) * 1000;
  } else {
    return bad("wait must look like 500ms or 5s");
  }
  if (ms > kMaxWaitMs) return bad("wait must be at most 60s");
  return ms;
}

Result<std::size_t> parse_limit(std::string_view text) {
  std::uint64_t n = 0;
  if (!parse_uint(text, n) || n == 0 || n > kMaxPageLimit) return bad("limit must be an integer from 1 to 1000");
  return static_cast<std::size_t>(n);
}

Result<std::int64_t> parse_seq(std::string_view text) {
  std::uint64_t n = 0;
  if (!parse_uint(text, n)) return bad("after must be a non-negative integer");
  return static_cast<std::int64_t>(n);
}

Result<bool> parse_bool(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return bad("expected true or false");
}

Result<Millis> parse_rfc3339(std::string_view s) {
  Status err = bad("time must be RFC 3339, e.g. 2026-01-01T00:00:00Z");
  int y, mo, d, h, mi, se;
  if (s.size() < 20 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return err;
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
    return err;
  std::size_t pos = 19;
  int frac_ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return err;
    for (std::size_t n = pos - start; n < 3; ++n) frac_ms *= 10;
  }
  if (pos >= s.size()) return err;
  Millis offset_ms = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (int hours = 0; s[pos] == ' ' && digits(s, pos + 1, 2, hours)) {
    // "+01:00" written unescaped in a query string arrives as " 01:00" ('+' is a space there).
    return bad("time must be RFC 3339: a space stands where its offset's sign should be (a '+' in a "
               "query string means a space: send it as %2B)");
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return err;
    offset_ms = (oh * 60 + om) * 60'000LL * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return err;
  }
  if (pos != s.size()) return err;
  Millis days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60'000LL + std::min(se, 59) * 1000LL + frac_ms - offset_ms;
}

std::string format_rfc3339(Millis ms) {
  Millis days = ms >= 0 ? ms / 86'400'000 : -((-ms + 86'399'999) / 86'400'000);
  Millis rem = ms - days * 86'400'000;
  int y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, static_cast<int>(rem / 3'600'000),
                static_cast<int>(rem / 60'000 % 60), static_cast<int>(rem / 1000 % 60), static_cast<int>(rem % 1000));
  return buf;
}

bool is_json_content_type(std::string_view ct) { return iequals(trim(ct.substr(0, ct.find(';'))), "application/json"); }

Result<Json> parse_json(std::string_view text) {
  // nlohmann's lexer takes a NUL outside a string for the end of the input (lexer.hpp: `case '\0':
  // return token_type::end_of_input`), strict mode or not, and would accept what precedes it. No
  // JSON text holds one (a string must escape it), so a NUL is refused up front: a memchr.
  if (auto nul = text.find('\0'); nul != std::string_view::npos)
    return bad("malformed JSON body: a NUL byte at offset " + std::to_string(nul));
  Json root;
  BodyReader reader(root);
  if (!Json::sax_parse(text, &reader))
    return bad(reader.error.empty() ? "malformed JSON body" : std::move(reader.error));
  return root;
}

}  // namespace cairn::api
