// HttpClient: blocking sockets, one request at a time; Content-Length, chunked and close-delimited
// answers.
#include "api/http_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "api/header_tokens.h"

namespace cairn::api {

namespace {

const std::string kNone;

// A space or a control character (CR, LF and NUL among them).
bool has_space_or_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

bool has_line_break_or_nul(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos; }

// Why a request with these parts cannot be sent as it is, or "".
std::string unsendable(std::string_view method, std::string_view target, std::string_view host,
                       const HttpHeaders& headers) {
  if (method.empty() || has_space_or_control(method))
    return "the method is empty or holds a space or control character";
  if (target.empty() || has_space_or_control(target))
    return "the request target is empty or holds a space or control character";
  if (has_line_break_or_nul(host)) return "the Host value holds CR, LF or NUL";
  for (const auto& [name, value] : headers) {
    if (name.empty() || has_space_or_control(name) || name.find(':') != std::string::npos)
      return "a header name is empty or holds `:`, a space or a control character";
    if (has_line_break_or_nul(value)) return "the value of header " + name + " holds CR, LF or NUL";
  }
  return {};
}

}  // namespace

const std::string& HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? kNone : it->second;
}

HttpClient::HttpClient(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}

HttpClient::~HttpClient() { close(); }

HttpClient::HttpClient(HttpClient&& o) noexcept
    : host_(std::move(o.host_)), port_(o.port_), fd_(std::exchange(o.fd_, -1)), buffer_(std::move(o.buffer_)),
      timeout_(o.timeout_) {}

Result<HttpClient> HttpClient::from_url(const std::string& url) {
  std::string_view u = url;
  if (starts_with_nocase(u, "https://"))
    return Status{Errc::kInvalidArgument, "https is not supported (Cairn speaks plain HTTP): use http://HOST:PORT, not " + url};
  if (starts_with_nocase(u, "http://")) u.remove_prefix(7);
  else if (u.find("://") != std::string_view::npos)
    return Status{Errc::kInvalidArgument, "server URL must start with http:// (or be HOST:PORT): " + url};
  while (!u.empty() && u.back() == '/') u.remove_suffix(1);
  auto colon = u.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || u.find('/') != std::string_view::npos ||
      has_space_or_control(u))
    return Status{Errc::kInvalidArgument, "server URL must look like http://host:port: " + url};
  int port = 0;
  for (char c : u.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return Status{Errc::kInvalidArgument, "bad port in " + url};
    port = port * 10 + (c - '0');
  }
  if (port <= 0 || port > 65535) return Status{Errc::kInvalidArgument, "bad port in " + url};
  std::string host(u.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return HttpClient(std::move(host), static_cast<std::uint16_t>(port));
}

void HttpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

Status HttpClient::connect() {
  close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(port_);
  if (int rc = ::getaddrinfo(host_.c_str(), port.c_str(), &hints, &res); rc != 0)
    return {Errc::kUnavailable, "cannot resolve " + host_ + ": " + gai_strerror(rc)};
  std::string why = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      timeval tv{static_cast<time_t>(timeout_.count() / 1000), static_cast<suseconds_t>(timeout_.count() % 1000 * 1000)};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      fd_ = fd;
      break;
    }
    why = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (fd_ < 0) return {Errc::kUnavailable, "cannot connect to " + host_ + ":" + port + ": " + why};
  return Status::ok();
}

Status HttpClient::write_all(std::string_view bytes) {
  bool sent = false;
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    // Before the first byte the server cannot have the request (request()'s error classes).
    if (n <= 0) return {sent ? Errc::kIoError : Errc::kUnavailable, std::string("send: ") + std::strerror(errno)};
    sent = true;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::ok();
}

Status HttpClient::fill(bool* closed) {
  char chunk[16384];
  for (;;) {
    // NOTE: the receive timeout is SO_RCVTIMEO (set at connect), not poll(): one syscall less
    // per answer, which the HTTP benchmark's client side feels.
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return {Errc::kTimeout, "no answer within " + std::to_string(timeout_.count()) + " ms"};
    if (n == 0) {
      if (closed) *closed = true;
      return {Errc::kIoError, "connection closed by the server"};
    }
    if (n < 0) return {Errc::kIoError, std::string("recv: ") + std::strerror(errno)};
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return Status::ok();
  }
}

Status HttpClient::send_raw(std::string_view bytes) {
  if (fd_ < 0)
    if (Status s = connect(); !s) return s;
  return write_all(bytes);
}

Result<HttpResponse> HttpClient::read_response(bool head) {
  HttpResponse r;
  auto keep_header = [&r](std::string_view name, std::string_view value) { r.headers[lowercase(name)] = std::string(value); };
  std::optional<ResponseFrame> frame;
  for (;;) {
    auto framed = frame_response(buffer_, keep_header);
    if (!framed) return framed.status();
    if ((frame = *framed)) break;
    if (Status s = fill(); !s) return s;
  }
  auto body = read_body(*frame, head);
  if (!body) return body.status();
  r.status = frame->status;
  r.body = std::move(body).value();
  if (iequals(r.header("connection"), "close") || frame->framing == BodyFraming::kUntilClose) close();
  return r;
}

Result<std::string> HttpClient::read_body(const ResponseFrame& frame, bool head) {
  const bool none = head || frame.status < 200 || frame.status == 204 || frame.status == 304;
  if (none || frame.framing == BodyFraming::kLength) {
    const std::size_t size = none ? frame.body_start : frame.size();  // a HEAD's Content-Length is the GET's
    while (buffer_.size() < size)
      if (Status s = fill(); !s) return s;
    std::string body = buffer_.substr(frame.body_start, size - frame.body_start);
    buffer_.erase(0, size);
    return body;
  }
  if (frame.framing == BodyFraming::kChunked) return read_chunked(frame.body_start);
  bool closed = false;
  while (buffer_.size() - frame.body_start <= kMaxAnswerBody) {
    if (Status s = fill(&closed); !s && !closed) return s;
    if (closed) {
      std::string body = buffer_.substr(frame.body_start);
      buffer_.clear();
      return body;
    }
  }
  return Status{Errc::kIoError, "the answer's body is larger than 64 MiB"};
}

Result<std::string> HttpClient::read_chunked(std::size_t pos) {
  std::string body;
  for (;;) {
    auto chunk = next_chunk(std::string_view(buffer_).substr(pos));
    if (!chunk) return chunk.status();
    if (!*chunk) {
      if (Status s = fill(); !s) return s;
      continue;
    }
    body.append(buffer_, pos + (*chunk)->data_start, (*chunk)->data_length);
    pos += (*chunk)->size;
    if (body.size() > kMaxAnswerBody) return Status{Errc::kIoError, "the answer's body is larger than 64 MiB"};
    if ((*chunk)->last) break;
  }
  buffer_.erase(0, pos);
  return body;
}

Result<HttpResponse> HttpClient::exchange(std::string_view request, bool head) {
  if (Status s = send_raw(request); !s) return s;
  for (;;) {
    auto r = read_response(head);
    // An interim answer (100 Continue, 103 Early Hints) comes before the one to the request.
    if (!r || r->status < 100 || r->status >= 200 || r->status == 101) return r;
  }
}

Result<HttpResponse> HttpClient::request(std::string_view method, std::string_view target, std::string_view body,
                                         const HttpHeaders& headers) {
  const auto req = format_request(method, target, authority(host_, port_), body, headers);
  if (!req) return req.status();
  const bool reused = fd_ >= 0, head = method == "HEAD";
  auto r = exchange(*req, head);
  // A kept-alive connection the server closed meanwhile fails at once: try a fresh one.
  if (!r && reused && (r.status().code() == Errc::kIoError || r.status().code() == Errc::kUnavailable)) {
    const Status first = r.status();
    close();
    r = exchange(*req, head);
    // The first attempt may have reached the server: a retry that sends nothing does not make
    // the request unsent.
    if (!r && r.status().code() == Errc::kUnavailable && first.code() == Errc::kIoError) r = first;
  }
  if (!r) close();
  return r;
}

std::string authority(std::string_view host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  return (v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::to_string(port);
}

Result<std::string> format_request(std::string_view method, std::string_view target, std::string_view host,
                                   std::string_view body, const HttpHeaders& headers) {
  if (std::string why = unsendable(method, target, host, headers); !why.empty())
    return Status{Errc::kInvalidArgument, "request not sent: " + why};
  std::string req;
  req.reserve(256 + body.size());
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    has_type |= iequals(name, "content-type");
    req.append(name).append(": ").append(value).append("\r\n");
  }
  if (!body.empty() && !has_type) req.append("Content-Type: application/json\r\n");
  if (!body.empty() || method == "POST" || method == "PUT")
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  req.append("\r\n").append(body);
  return req;
}

Result<std::optional<ResponseFrame>> frame_response(
    std::string_view bytes, const std::function<void(std::string_view, std::string_view)>& on_header) {
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (bytes.size() > 64 * 1024) return Status{Errc::kIoError, "response headers too large"};
    return std::optional<ResponseFrame>();
  }
  const std::string_view head = bytes.substr(0, end);
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12)
    return Status{Errc::kIoError, "not an HTTP answer"};
  ResponseFrame frame;
  frame.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
  std::optional<std::string_view> length, transfer_encoding;
  frame.body_start = end + 4;
  std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto next = head.find("\r\n", pos);
    if (next == std::string_view::npos) next = head.size();
    std::string_view line = head.substr(pos, next - pos);
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
      if (iequals(name, "content-length")) length = value;
      if (iequals(name, "transfer-encoding")) transfer_encoding = value;
      if (on_header) on_header(name, value);
    }
    pos = next + 2;
  }
  if (transfer_encoding) {
    // It wins over a Content-Length; a body whose last coding is not chunked ends at the close
    // (RFC 9112 §6.3).
    const auto list = codings(*transfer_encoding);
    frame.framing = !list.empty() && iequals(list.back(), "chunked") ? BodyFraming::kChunked : BodyFraming::kUntilClose;
  } else if (length) {
    const auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), frame.body_length);
    if (length->empty() || ec != std::errc{} || end != length->data() + length->size() ||
        frame.body_length > kMaxAnswerBody)
      return Status{Errc::kIoError, "bad Content-Length: " + std::string(*length)};
  } else if (frame.status >= 200 && frame.status != 204 && frame.status != 304) {
    frame.framing = BodyFraming::kUntilClose;
  }
  return std::optional(frame);
}

Result<std::optional<Chunk>> next_chunk(std::string_view bytes) {
  constexpr std::size_t kMaxLine = 64 * 1024;
  const std::size_t line_end = bytes.find("\r\n");
  if (line_end == std::string_view::npos) {
    if (bytes.size() > kMaxLine) return Status{Errc::kIoError, "a chunk size line is over 64 KiB"};
    return std::optional<Chunk>();
  }
  const std::string_view line = bytes.substr(0, line_end);
  const std::string_view size_text = trim(line.substr(0, line.find(';')));  // without chunk extensions
  Chunk chunk;
  chunk.data_start = line_end + 2;
  const auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), chunk.data_length, 16);
  if (size_text.empty() || ec != std::errc{} || end != size_text.data() + size_text.size()) {
    const std::string_view shown = bytes.substr(0, std::min<std::size_t>(line_end, 32));
    return Status{Errc::kIoError, "bad chunk size: " + std::string(shown)};
  }
  if (chunk.data_length > kMaxAnswerBody) return Status{Errc::kIoError, "a chunk is larger than 64 MiB"};
  if (chunk.data_length == 0) {
    // Trailer lines, each ended by CRLF, then a blank line.
    std::size_t pos = chunk.data_start;
    for (;;) {
      const std::size_t end = bytes.find("\r\n", pos);
      if (end == std::string_view::npos) {
        if (bytes.size() - chunk.data_start > kMaxLine) return Status{Errc::kIoError, "a trailer is over 64 KiB"};
        return std::optional<Chunk>();
      }
      const bool blank = end == pos;
      pos = end + 2;
      if (blank) break;
    }
    chunk.size = pos;
    chunk.last = true;
    return std::optional(chunk);
  }
  if (bytes.size() < chunk.data_start + chunk.data_length + 2) return std::optional<Chunk>();
  if (bytes.substr(chunk.data_start + chunk.data_length, 2) != "\r\n")
    return Status{Errc::kIoError, "a chunk's data is not followed by CRLF"};
  chunk.size = chunk.data_start + chunk.data_length + 2;
  return std::optional(chunk);
}

}  // namespace cairn::api
