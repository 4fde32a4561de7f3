// LoadConnection: one keep-alive HTTP/1.1 connection of a load generator, driven by C++20
// coroutines on an asio io_context, so that all of a benchmark's connections share one client
// thread (as wrk's do) instead of one blocking thread each. The load generator runs on the same
// cores as the server; a thread per connection cost it a wake-up per answer.
// Reads Content-Length bodies only, which is what the server sends; requests are not pipelined.
#pragma once

#include <utility>  // before asio/awaitable.hpp: Boost 1.74's header misses it under g++ 12

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace cairn::bench {

struct LoadReply {
  int status = 0;  // 0: the connection failed (and stays failed)
  std::string body;
};

class LoadConnection {
 public:
  // Connects at once (blocking): a benchmark opens its connections before its clock starts.
  LoadConnection(boost::asio::io_context& io, const std::string& host, std::uint16_t port)
      : socket_(io), host_(host) {
    boost::asio::ip::tcp::resolver resolver(io);
    boost::system::error_code ec;
    boost::asio::connect(socket_, resolver.resolve(host, std::to_string(port), ec), ec);
    if (!ec) socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
    failed_ = static_cast<bool>(ec);
  }

  bool failed() const { return failed_; }

  // Sends one request (a non-empty body is sent as JSON) and reads its answer.
  boost::asio::awaitable<LoadReply> request(std::string_view method, std::string_view target,
                                            std::string_view body = {}) {
    LoadReply reply;
    if (failed_) co_return reply;
    out_.assign(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host_);
    if (!body.empty())
      out_.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size()));
    out_.append("\r\n\r\n").append(body);
    boost::system::error_code ec;
    co_await boost::asio::async_write(socket_, boost::asio::buffer(out_), on_error(ec));
    std::size_t head_end = std::string::npos;
    while (!ec && (head_end = in_.find("\r\n\r\n")) == std::string::npos) co_await read_more(ec);
    const std::size_t length = ec ? 0 : content_length(std::string_view(in_).substr(0, head_end));
    while (!ec && in_.size() < head_end + 4 + length) co_await read_more(ec);
    if (ec || !in_.starts_with("HTTP/1.") || head_end < 12) {
      failed_ = true;
      co_return reply;
    }
    reply.status = std::atoi(in_.c_str() + 9);
    reply.body.assign(in_, head_end + 4, length);
    in_.erase(0, head_end + 4 + length);
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

  // The Content-Length header's value in a response head (0 when absent).
  static std::size_t content_length(std::string_view head) {
    constexpr std::string_view kName = "content-length:";
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos; at = head.find("\r\n", at + 2)) {
      std::string_view line = head.substr(at + 2, kName.size());
      bool match = line.size() == kName.size();
      for (std::size_t i = 0; match && i < kName.size(); ++i)
        match = (line[i] | 0x20) == kName[i];  // ASCII case-insensitive, enough for the server's headers
      if (match) return static_cast<std::size_t>(std::strtoull(line.data() + kName.size(), nullptr, 10));
    }
    return 0;
  }

  boost::asio::ip::tcp::socket socket_;
  std::string host_;
  std::string out_;  // the request being sent (its capacity is reused)
  std::string in_;   // bytes read and not yet consumed
  std::array<char, 16384> chunk_{};
  bool failed_ = false;
};

}  // namespace cairn::bench
