// Test support for the cli suite: a loopback HTTP server that is not Cairn. It answers every
// request with one fixed status and body (or, with kNoAnswer, nothing; or exact bytes of its own,
// as a proxy in front of Cairn may frame them), then closes the connection, and keeps the requests
// it read.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cairn::test {

class StubServer {
 public:
  // As a status: read the request, then close without answering (a server that died mid-request).
  static constexpr int kNoAnswer = 0;

  // An answer sent as these bytes, whatever they are.
  struct Raw {
    std::string bytes;
  };

  StubServer(int status, const std::string& body)
      : StubServer(Raw{status == kNoAnswer
                           ? std::string()
                           : "HTTP/1.1 " + std::to_string(status) + " Whatever\r\nContent-Type: text/html\r\n" +
                                 "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                                 body}) {}

  explicit StubServer(Raw answer) : answer_(std::move(answer.bytes)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("stub server: cannot listen");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~StubServer() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes the blocked accept()
    thread_.join();
    ::close(fd_);
  }
  StubServer(const StubServer&) = delete;
  StubServer& operator=(const StubServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }
  // The bytes of every request read so far, as they came.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    for (;;) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      std::string request = read_request(c);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(std::move(request));
      }
      ::send(c, answer_.data(), answer_.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  // Reads the head and a Content-Length body, so closing does not reset the connection early.
  static std::string read_request(int c) {
    std::string in;
    char buf[4096];
    std::size_t head_end = std::string::npos, want = 0;
    while (head_end == std::string::npos || in.size() < want) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return in;
      in.append(buf, static_cast<std::size_t>(n));
      if (head_end != std::string::npos || (head_end = in.find("\r\n\r\n")) == std::string::npos) continue;
      std::string head = in.substr(0, head_end);
      for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      auto at = head.find("content-length:");
      want = head_end + 4 + (at == std::string::npos ? 0 : std::stoul(head.substr(at + 15)));
    }
    return in;
  }

  std::string answer_;  // empty: kNoAnswer
  int fd_ = -1;
  std::uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace cairn::test
