// Server: Beast sessions as Asio coroutines, one strand per connection.
#include "api/server.h"

// NOTE: Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <pthread.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "api/errors.h"
#include "api/pending_replies.h"
#include "api/request_framing.h"
#include "api/validate.h"

namespace cairn::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::chrono::seconds kLinger{2};  // see linger_and_close()
constexpr std::size_t kMaxBufferedBytes = 32 * 1024;  // see session()

// Lingering close: the client may still be sending (the rest of a body refused with 413). Closing
// with unread bytes would reset the connection, and the client would get a broken pipe instead of
// our answer; so read and drop what comes until it closes, for at most kLinger.
asio::awaitable<void> linger_and_close(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(kLinger);
  std::vector<char> sink(16 * 1024);
  while (!ec) co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
}

// The route's side of a parked request. If every copy of the Reply is dropped without a call (an
// engine that stopped mid-request), the request still gets an answer, so no connection hangs.
struct ReplyTicket {
  ReplyTicket(std::shared_ptr<PendingReplies> p, std::uint64_t t) : pending(std::move(p)), ticket(t) {}
  ReplyTicket(const ReplyTicket&) = delete;
  ReplyTicket& operator=(const ReplyTicket&) = delete;
  ~ReplyTicket() {
    if (!answered.load(std::memory_order_relaxed)) pending->resolve(ticket, error_response(ApiError::kUnavailable, "the request was abandoned"));
  }
  // A second answer (a handler that answered, then threw into the router's catch) finds the
  // ticket resolved and is dropped: the client gets the first. It may come from another thread.
  void complete(Response r) {
    answered.store(true, std::memory_order_relaxed);
    pending->resolve(ticket, std::move(r));
  }
  std::shared_ptr<PendingReplies> pending;
  std::uint64_t ticket;
  std::atomic<bool> answered{false};
};

// What the router does with a request: Router::dispatch, or Router::screen for a head alone.
using RouteStep = void (Router::*)(Request, Reply);

// co_await-able Router::dispatch (or screen): resumes the session on its strand with the Response.
template <class Token>
auto async_route(Router& router, RouteStep step, const std::shared_ptr<PendingReplies>& pending, Request request,
                 Token&& token) {
  return asio::async_initiate<Token, void(Response)>(
      [&router, step, &pending](auto handler, Request req) {
        auto ticket = std::make_shared<ReplyTicket>(pending, pending->park(std::move(handler)));
        (router.*step)(std::move(req), [ticket](Response r) { ticket->complete(std::move(r)); });
      },
      token, std::move(request));
}

// Watches a long-poll's socket while its answer is pending: a peek that finds the end of the
// stream or an error is the client gone (it closed or reset). Data (a pipelined request) ends the
// watch and stays unread for the session. The session marks `gone` answered before the socket can
// close, and the handler runs on the session's strand, so it never touches a closed socket.
void watch_for_close(tcp::socket& socket, std::shared_ptr<ClientGone> gone) {
  socket.async_wait(tcp::socket::wait_read, [&socket, gone](const boost::system::error_code& ec) {
    if (ec || gone->is_answered()) return;
    char byte;
    const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) gone->gone();
  });
}

// Empty lines before a request line are skipped (RFC 9112 §2.2: a server SHOULD ignore at least
// one): some clients end a POST body with an extra CRLF, which would otherwise open the next
// request on that connection with a 400. Reads until a byte other than CR or LF is buffered; the
// caller's read timeout bounds how long a client can send only line ends.
asio::awaitable<void> skip_empty_lines(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                       boost::system::error_code& ec) {
  for (;;) {
    const auto* data = static_cast<const char*>(buffer.data().data());
    std::size_t ends = 0;
    while (ends < buffer.size() && (data[ends] == '\r' || data[ends] == '\n')) ++ends;
    buffer.consume(ends);
    if (buffer.size() > 0) co_return;
    const std::size_t n = co_await stream.async_read_some(buffer.prepare(kMaxBufferedBytes),
                                                          asio::redirect_error(asio::use_awaitable, ec));
    buffer.commit(n);
    if (ec) co_return;
  }
}

// Whether the client waits for `100 Continue` before it sends the body (`Expect: 100-continue`,
// which curl sends with a body over 1 KiB and then waits a second for).
bool wants_continue(const http::request_parser<http::string_body>& parser) {
  return !parser.is_done() && parser.get().version() == 11 &&
         beast::iequals(parser.get()[http::field::expect], "100-continue");
}

// Every Transfer-Encoding field's value joined, or nullopt when there is none.
std::optional<std::string> transfer_encoding(const http::request<http::string_body>& in) {
  auto [first, last] = in.equal_range(http::field::transfer_encoding);
  if (first == last) return std::nullopt;
  std::string joined;
  for (auto it = first; it != last; ++it)
    joined.append(joined.empty() ? "" : ", ").append(it->value().data(), it->value().size());
  return joined;
}

// True, with the answer in `out`, for a request that is refused before routing: one that could
// not be parsed (400 saying why; 413 over the body limit) or whose framing cannot be served (see
// refuse_framing()); the connection then closes. False for a request to route, and for a read
// error with nobody to answer: the client closed, reset or timed out, even mid-request.
bool refusal(const boost::system::error_code& ec, const http::request<http::string_body>& in, bool trailers,
             Response& out) {
  std::optional<Response> refused;
  if (!ec && trailers) {
    refused = error_response(ApiError::kBadRequest, "trailer fields (after a chunked body) are not accepted");
  } else if (!ec) {
    refused = refuse_framing(in.version(), transfer_encoding(in), in.count(http::field::host));
  } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    if (ec == http::error::body_limit)
      refused = error_response(ApiError::kPayloadTooLarge, "the body is larger than 1 MiB");
    else if (ec == http::error::header_limit)
      refused = error_response(ApiError::kBadRequest, "the headers are larger than 16 KiB");
    else if (ec == http::error::buffer_overflow)
      refused = error_response(ApiError::kBadRequest, "a chunk header or trailer is larger than 32 KiB");
    else
      refused = error_response(ApiError::kBadRequest, "malformed HTTP request: " + ec.message());
  }
  if (refused) out = std::move(*refused);
  return refused.has_value();
}

// The Date header every answer carries (RFC 9110, 6.6.1), formatted once a second per thread.
beast::string_view http_date() {
  thread_local std::time_t shown = -1;
  thread_local char text[32];
  const std::time_t now = std::time(nullptr);
  if (now != shown) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[utc.tm_wday], utc.tm_mday,
                  kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    shown = now;
  }
  return text;
}

Request to_request(const http::request<http::string_body>& in, bool& target_ok) {
  Request r;
  r.method = std::string(in.method_string());
  target_ok = parse_target(std::string(in.target()), r);
  static constexpr std::pair<http::field, const char*> kHeaders[] = {
      {http::field::authorization, "authorization"}, {http::field::content_type, "content-type"},
      {http::field::host, "host"}, {http::field::origin, "origin"}, {http::field::cookie, "cookie"}};
  for (const auto& [field, name] : kHeaders)
    if (auto it = in.find(field); it != in.end()) r.headers.emplace(name, std::string(it->value()));
  if (auto it = in.find("Idempotency-Key"); it != in.end()) r.headers.emplace("idempotency-key", std::string(it->value()));
  r.body = in.body();
  return r;
}

// A field a request may send once that it sent more than once, or nullopt. Routes read the first
// value, and a proxy or the client may have meant another (which key binds the start, whose token
// counts): the request is refused rather than read one way.
std::optional<std::string_view> repeated_field(const http::request<http::string_body>& in) {
  static constexpr std::string_view kOnce[] = {"Authorization", "Content-Type", "Idempotency-Key", "Origin"};
  for (std::string_view name : kOnce)
    if (in.count(beast::string_view(name.data(), name.size())) > 1) return name;
  return std::nullopt;
}

}  // namespace

struct Server::Impl {
  Impl(Router& r, Context& c, ServerOptions o)
      : router(r), ctx(c), options(std::move(o)), iocs(make_iocs(options.threads)),
        accept_strand(asio::make_strand(*iocs.front())), acceptor(accept_strand) {}

  // One io_context per thread: threads sharing one contend on its queue's lock and its reactor
  // (two threads on one answered 30 % fewer /healthz a second than one thread did).
  static std::vector<std::unique_ptr<asio::io_context>> make_iocs(std::size_t threads) {
    std::vector<std::unique_ptr<asio::io_context>> v;
    for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) v.push_back(std::make_unique<asio::io_context>(1));
    return v;
  }
  // The io_context the next connection is served on, in turn.
  asio::io_context& next_ioc() { return *iocs[next_connection++ % iocs.size()]; }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket);
  // `over_limit`: this connection came past --max-connections (only its requests are shed).
  // `step`: &Router::screen answers a head whose client waits for 100 Continue (100, or the refusal).
  asio::awaitable<Response> answer(http::request<http::string_body>& request, bool& keep_alive, tcp::socket& socket,
                                   bool over_limit, RouteStep step = &Router::dispatch);

  Router& router;
  Context& ctx;
  ServerOptions options;
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  std::size_t next_connection = 0;  // next_ioc(): used on accept_strand only
  // The acceptor is not thread-safe: the accept loop and drain()'s close run on this strand.
  asio::strand<asio::io_context::executor_type> accept_strand;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::shared_ptr<PendingReplies> pending = std::make_shared<PendingReplies>();
  std::atomic<bool> draining{false};
  std::atomic<std::int64_t> active{0};  // requests read and not yet fully written
  std::chrono::steady_clock::time_point drained_at;  // set by drain(), read by wait_idle()
  std::uint16_t bound_port = 0;
  bool stopped = false;
};

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::make_strand(next_ioc()), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!acceptor.is_open()) co_return;
      // Out of file descriptors or a transient error: back off briefly instead of spinning.
      asio::steady_timer pause(accept_strand, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto ex = socket.get_executor();
    asio::co_spawn(ex, session(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "cairn api: session ended by exception: %s\n", ex.what());
      }
    });
  }
}

// g++ 12 reports -Wmismatched-new-delete at the end of this coroutine (the frame is freed by
// asio's sized operator delete, which it pairs with the wrong operator new): a false positive
// that comes and goes with the frame's size, so it is silenced here only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<Response> Server::Impl::answer(http::request<http::string_body>& in, bool& keep_alive,
                                               tcp::socket& socket, bool over_limit, RouteStep step) {
  if (draining.load()) {
    keep_alive = false;
    co_return error_response(ApiError::kUnavailable, "the server is shutting down");
  }
  bool target_ok = false;
  Request request = to_request(in, target_ok);
  if (!target_ok) co_return error_response(ApiError::kBadRequest, "malformed request target");
  if (auto name = repeated_field(in))
    co_return error_response(ApiError::kBadRequest, fmt::format("the {} header is sent more than once", *name));
  bool operational = Router::is_operational(request.path);
  if (!operational && (over_limit || ctx.counters.in_flight.load() >= options.max_in_flight)) {
    ctx.counters.shed.fetch_add(1, std::memory_order_relaxed);
    if (over_limit) {
      keep_alive = false;
      co_return error_response(ApiError::kOverloaded, "too many connections; retry later");
    }
    co_return error_response(ApiError::kOverloaded, "too many requests in flight; retry later");
  }
  if (request.method != "GET" || !request.query.count("wait") || step != &Router::dispatch)
    co_return co_await async_route(router, step, pending, std::move(request), asio::use_awaitable);
  auto gone = std::make_shared<ClientGone>();
  request.client_gone = gone;
  watch_for_close(socket, gone);
  Response res = co_await async_route(router, step, pending, std::move(request), asio::use_awaitable);
  gone->answered();
  boost::system::error_code ignored;
  socket.cancel(ignored);  // the watch, if it is still pending
  if (gone->is_gone()) keep_alive = false;
  co_return res;
}
#pragma GCC diagnostic pop

asio::awaitable<void> Server::Impl::session(tcp::socket socket) {
  // Decided once, when the connection arrives: the connections already served keep being served.
  const bool over_limit = ctx.counters.connections.fetch_add(1) >= options.max_connections;
  struct Uncount {
    std::atomic<std::int64_t>& n;
    ~Uncount() { n.fetch_sub(1); }
  } uncount{ctx.counters.connections};
  beast::tcp_stream stream(std::move(socket));
  // What the parser needs at once: a head (16 KiB at most), a chunk's size line, or the trailer
  // with the last chunk's line. Bodies pass through it. A cap also keeps a trailer field from
  // reaching the 64 KiB where Beast's field storage throws (it once took the server down).
  beast::flat_buffer buffer{kMaxBufferedBytes};
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(kMaxBodyBytes);
    boost::system::error_code ec;
    stream.expires_after(options.read_timeout);
    // The header, then the body (a body over the limit fails at the header, before any 100).
    co_await skip_empty_lines(stream, buffer, ec);
    if (!ec) co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    // Fields that come after a chunked body are added to the head's by Beast (RFC 9110 §6.5.1
    // forbids acting on them as header fields): a request that has any is refused. Counted only
    // for chunked bodies, the only ones that can have them.
    const auto fields = [&] { return parser.chunked() ? std::distance(parser.get().begin(), parser.get().end()) : 0; };
    const auto head_fields = fields();
    Response res;
    bool keep_alive = false;  // a refused request closes the connection
    // A client that waits for 100 Continue is refused on the head when the head decides (400 for
    // its framing, 401, 404, 415, 429, ...): its body is never read, and the close discards it
    // (RFC 9110 §10.1.1).
    bool refused_on_head = false;
    if (!ec && wants_continue(parser)) {
      refused_on_head = refusal(ec, parser.get(), /*trailers=*/false, res);
      if (!refused_on_head) {
        active.fetch_add(1);
        res = co_await answer(parser.get(), keep_alive, stream.socket(), over_limit, &Router::screen);
        active.fetch_sub(1);
        refused_on_head = res.status != 100;
      }
      http::response<http::empty_body> go{http::status::continue_, 11};
      if (!refused_on_head) co_await http::async_write(stream, go, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec && !refused_on_head && !parser.is_done()) {
      const auto length = parser.content_length();
      if (length && buffer.size() >= *length)
        http::read(stream, buffer, parser, ec);  // the whole body came with the header: parsed, no wait
      else
        co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    }
    const bool trailers = fields() != head_fields;
    const bool refused = refused_on_head || refusal(ec, parser.get(), trailers, res);
    if (ec && !refused) break;  // nobody to answer
    active.fetch_add(1);
    if (!refused) {
      // A connection past --max-connections is closed after one answer (a 429, or an exempt
      // route's): it does not hold a slot the limit was meant to keep free.
      keep_alive = parser.get().keep_alive() && !over_limit;
      res = co_await answer(parser.get(), keep_alive, stream.socket(), over_limit);
      if (draining.load()) keep_alive = false;  // an answer that waited (a long-poll) into the drain
    }
    http::response<http::string_body> out{static_cast<http::status>(res.status), parser.get().version() == 10 ? 10u : 11u};
    out.set(http::field::content_type, beast::string_view(res.content_type.data(), res.content_type.size()));
    out.set(http::field::date, http_date());
    for (const auto& [name, value] : res.headers) out.set(name, value);
    out.body() = std::move(res.body);
    out.keep_alive(keep_alive);
    out.prepare_payload();
    if (parser.get().method() == http::verb::head) out.body().clear();  // Content-Length stays the GET's
    // The write times out when the client takes nothing for read_timeout, not when a large
    // answer takes longer than that to a client reading it steadily.
    http::response_serializer<http::string_body> serializer{out};
    boost::system::error_code written;
    while (!written && !serializer.is_done()) {
      stream.expires_after(options.read_timeout);
      co_await http::async_write_some(stream, serializer, asio::redirect_error(asio::use_awaitable, written));
    }
    active.fetch_sub(1);
    if (written || !keep_alive) break;
  }
  co_await linger_and_close(stream);
}

Server::Server(Router& router, Context& ctx, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, ctx, std::move(options))) {}

Server::~Server() { stop(); }

namespace {

// Opens, binds and listens `acc` on host:port. kInvalidArgument for a bad host, kIoError when the
// address cannot be bound.
template <class Acceptor>
Status listen_on(Acceptor& acc, const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return {Errc::kInvalidArgument, "bad listen address `" + host + "`: " + ec.message()};
  tcp::endpoint endpoint{address, port};
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return {Errc::kIoError, "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message()};
  return Status::ok();
}

}  // namespace

Status check_can_listen(const std::string& host, std::uint16_t port) {
  asio::io_context ioc;
  tcp::acceptor probe(ioc);
  return listen_on(probe, host, port);  // closed again on return
}

Status Server::start() {
  auto& acc = impl_->acceptor;
  if (Status st = listen_on(acc, impl_->options.host, impl_->options.port); !st) return st;
  impl_->bound_port = acc.local_endpoint().port();
  asio::co_spawn(impl_->accept_strand, impl_->accept_loop(), asio::detached);
  for (auto& ioc : impl_->iocs)
    impl_->threads.emplace_back([&ioc] {
      pthread_setname_np(pthread_self(), "cairn-http");  // shown by top -H, perf, gdb
      // Kept running while it has no connection yet, until stop().
      auto idle = asio::make_work_guard(*ioc);
      ioc->run();
    });
  return Status::ok();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::drain() {
  impl_->drained_at = std::chrono::steady_clock::now();
  impl_->draining.store(true);
  asio::post(impl_->accept_strand, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
  });
}

bool Server::wait_idle(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  auto grace_ends = impl_->drained_at + impl_->options.drain_grace;
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    // Within the grace an open connection may still bring a request, to be answered 503.
    bool quiet = impl_->ctx.counters.connections.load() == 0 || now >= grace_ends;
    if (impl_->active.load() == 0 && quiet) return true;
    if (now >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  for (auto& ioc : impl_->iocs) ioc->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->pending->close();
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

}  // namespace cairn::api
