// Test support for the cli suite: a loopback HTTP server that is not Cairn. It answers every
// request with one fixed status and body, then closes the connection.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

namespace cairn::test {

class StubServer {
 public:
  StubServer(int status, const std::string& body) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("stub server: cannot listen");
    port_ = ntohs(addr.sin_port);
    answer_ = "HTTP/1.1 " + std::to_string(status) + " Whatever\r\nContent-Type: text/html\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
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

 private:
  void serve() {
    for (;;) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      read_request(c);
      ::send(c, answer_.data(), answer_.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  // Reads the head and a Content-Length body, so closing does not reset the connection early.
  static void read_request(int c) {
    std::string in;
    char buf[4096];
    std::size_t head_end = std::string::npos, want = 0;
    while (head_end == std::string::npos || in.size() < want) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      in.append(buf, static_cast<std::size_t>(n));
      if (head_end != std::string::npos || (head_end = in.find("\r\n\r\n")) == std::string::npos) continue;
      std::string head = in.substr(0, head_end);
      for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      auto at = head.find("content-length:");
      want = head_end + 4 + (at == std::string::npos ? 0 : std::stoul(head.substr(at + 15)));
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string answer_;
  std::thread thread_;
};

}  // namespace cairn::test
