// LoadConnection: one keep-alive HTTP/1.1 connection of a load generator, driven by C++20
// coroutines on an asio io_context, so that all of a benchmark's connections share one client
// thread (as wrk's do) instead of one blocking thread each. The load generator runs on the same
// cores as the server; a thread per connection cost it a wake-up per answer.
// Requests and answers are framed by api/http_client.h, as HttpClient's; requests are not pipelined.
#pragma once

#include <utility>  // before asio/awaitable.hpp: Boost 1.74's header misses it under g++ 12

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "api/http_client.h"
#include "cairn/status.h"

namespace cairn::bench {

struct LoadReply {
  int status = 0;  // 0: the connection failed (and stays failed)
  std::string body;
};

class LoadConnection {
 public:
  // Connects at once (blocking): a benchmark opens its connections before its clock starts.
  LoadConnection(boost::asio::io_context& io, const std::string& host, std::uint16_t port)
      : socket_(io), host_(api::authority(host, port)) {
    boost::asio::ip::tcp::resolver resolver(io);
    boost::system::error_code ec;
    boost::asio::connect(socket_, resolver.resolve(host, std::to_string(port), ec), ec);
    if (!ec) socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
    failed_ = static_cast<bool>(ec);
  }

  bool failed() const { return failed_; }

  // Sends one request (a non-empty body is sent as JSON) and reads its answer.
  boost::asio::awaitable<LoadReply> request(std::string_view method, std::string_view target,
                                            std::string_view body = {}, const api::HttpHeaders& headers = {}) {
    LoadReply reply;
    if (failed_) co_return reply;
    auto formatted = api::format_request(method, target, host_, body, headers);
    if (!formatted) {
      failed_ = true;
      co_return reply;
    }
    out_ = std::move(*formatted);
    boost::system::error_code ec;
    co_await boost::asio::async_write(socket_, boost::asio::buffer(out_), on_error(ec));
    Result<std::optional<api::ResponseFrame>> frame = std::optional<api::ResponseFrame>();
    while (!ec && (frame = api::frame_response(in_)) && !*frame) co_await read_more(ec);
    // Cairn's server frames every answer by Content-Length: any other framing is not its answer.
    if (frame && *frame && (*frame)->framing != api::BodyFraming::kLength)
      frame = Status{Errc::kIoError, "an answer not framed by Content-Length"};
    while (!ec && frame && in_.size() < (*frame)->size()) co_await read_more(ec);
    if (ec || !frame) {
      failed_ = true;
      co_return reply;
    }
    reply.status = (*frame)->status;
    reply.body.assign(in_, (*frame)->body_start, (*frame)->body_length);
    in_.erase(0, (*frame)->size());
    co_return reply;
  }

 private:
  static boost::asio::redirect_error_t<boost::asio::use_awaitable_t<>> on_error(boost::system::error_code& ec) {
    return boost::asio::redirect_error(boost::asio::use_awaitable, ec);
  }

  boost::asio::awaitable<void> read_more(boost::system::error_code& ec) {
    std::size_t n = co_await socket_.async_read_some(boost::asio::buffer(chunk_), on_error(ec));
    in_.append(chunk_.data(), n);
  }

  boost::asio::ip::tcp::socket socket_;
  std::string host_;  // the Host value: host:port
  std::string out_;  // the request being sent (its capacity is reused)
  std::string in_;   // bytes read and not yet consumed
  std::array<char, 16384> chunk_{};
  bool failed_ = false;
};

}  // namespace cairn::bench
