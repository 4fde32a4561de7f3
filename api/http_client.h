// HttpClient: a small blocking HTTP/1.1 client with keep-alive, for the `cairn` admin commands,
// the HTTP tests and the HTTP benchmark. Plain sockets (no Beast: it would slow every build that
// includes it). Reads Content-Length bodies (what Cairn's server sends), and chunked or
// close-delimited ones (what a proxy in front of it may send instead).
// One client is one connection; use it from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/status.h"

namespace cairn::api {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  const std::string& header(const std::string& name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The Host header's value for a server (RFC 9110 §7.2): "host:port", an IPv6 literal in brackets
// ("[::1]:8080").
std::string authority(std::string_view host, std::uint16_t port);

// The text of one request: a non-empty body is JSON unless `headers` names a Content-Type, and
// POST/PUT always carry a Content-Length. `host` is the Host value (authority()). Shared by
// HttpClient and the benchmark's async client. kInvalidArgument, and no text, when a part would
// change the request's framing: a method or target holding a space or a control character, a
// header name that is empty or holds `:`, a space or a control character, or a header value (Host
// included) holding CR, LF or NUL (a key with "\r\n" in it would add headers, or whole requests).
Result<std::string> format_request(std::string_view method, std::string_view target, std::string_view host,
                                   std::string_view body = {}, const HttpHeaders& headers = {});

// An answer's body is at most this large (a server that is not Cairn's cannot fill the memory).
inline constexpr std::size_t kMaxAnswerBody = 64 << 20;

// How an answer's body ends (RFC 9112 §6.3).
enum class BodyFraming {
  kLength,      // Content-Length bytes (none for 1xx, 204 and 304 without one)
  kChunked,     // Transfer-Encoding chunked: next_chunk() walks it
  kUntilClose,  // neither: the body is all the server sends before it closes the connection
};

// Where one answer lies at the start of the bytes read so far.
struct ResponseFrame {
  int status = 0;
  std::size_t body_start = 0;   // just past the head's blank line
  std::size_t body_length = 0;  // Content-Length (0 when absent); kLength only
  BodyFraming framing = BodyFraming::kLength;
  std::size_t size() const { return body_start + body_length; }  // kLength only
};
// nullopt while the head is incomplete; kIoError for bytes that are not an HTTP answer, a head
// over 64 KiB, or a Content-Length that is not a number up to kMaxAnswerBody. `on_header(name,
// value)` sees each header line (name as sent, leading spaces of the value dropped).
Result<std::optional<ResponseFrame>> frame_response(
    std::string_view bytes, const std::function<void(std::string_view, std::string_view)>& on_header = {});

// One chunk at the start of a chunked body's bytes: its data is bytes.substr(data_start,
// data_length), and it takes `size` bytes with its size line and CRLF. The last chunk (size 0)
// has no data and takes its trailer lines and the blank line that ends the body.
struct Chunk {
  std::size_t data_start = 0;
  std::size_t data_length = 0;
  std::size_t size = 0;
  bool last = false;
};
// nullopt while the chunk is incomplete; kIoError for a size line that is not hex (extensions
// after `;` are ignored), a size over kMaxAnswerBody, data not followed by CRLF, or a size line or
// trailer over 64 KiB.
Result<std::optional<Chunk>> next_chunk(std::string_view bytes);

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port);
  ~HttpClient();
  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&&) = delete;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // "http://host:port" or "host:port" (the scheme's case is free, a trailing slash is allowed);
  // kInvalidArgument otherwise, saying so for https:// (no TLS here).
  static Result<HttpClient> from_url(const std::string& url);

  // Sends one request and reads the answer. A JSON body gets `Content-Type: application/json`
  // unless `headers` names a Content-Type; the Host header is authority(host(), port()).
  // Reconnects when the kept-alive connection was closed before the request was sent. Errors tell
  // whether the server may have got the request:
  // - nothing was sent: kInvalidArgument when format_request() refuses it, kUnavailable when the
  //   server cannot be resolved or connected to, or the connection failed before any byte of the
  //   request was written;
  // - something was sent, so the server may have applied it: kIoError when the connection broke
  //   (closed or reset before the whole answer came), kTimeout when no answer came within timeout().
  Result<HttpResponse> request(std::string_view method, std::string_view target, std::string_view body = {},
                               const HttpHeaders& headers = {});
  // Lower level, for tests: send bytes as they are (errors as request()'s), then read one answer,
  // an interim one (100 Continue) too (to a HEAD request when `head`: no body follows its head).
  Status send_raw(std::string_view bytes);
  Result<HttpResponse> read_response(bool head = false);

  // Applies from the next connection on.
  void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }
  void close();
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }

 private:
  Status connect();
  Status write_all(std::string_view bytes);
  // send_raw() then read_response().
  Result<HttpResponse> exchange(std::string_view request, bool head);
  // Reads more bytes into buffer_; kIoError on EOF, which also sets `*closed`.
  Status fill(bool* closed = nullptr);
  // The body of the answer `frame` heads in buffer_, which then starts past that answer.
  Result<std::string> read_body(const ResponseFrame& frame, bool head);
  // A chunked body starting at buffer_[pos].
  Result<std::string> read_chunked(std::size_t pos);

  std::string host_;
  std::uint16_t port_;
  int fd_ = -1;
  std::string buffer_;
  std::chrono::milliseconds timeout_{70'000};
};

}  // namespace cairn::api
