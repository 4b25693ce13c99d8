#include "balancer/liveness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <thread>

#include "core/errors.hpp"

namespace sv::balancer {

namespace {

constexpr int kConnectTimeoutMs = 5000;  // per address, when a worker connects
constexpr std::size_t kMaxHello = 128;

// Keepalive on both ends: a silent peer (dead node, cut link) ends the connection with ETIMEDOUT after
// about kKeepIdleS + kKeepCount × kKeepIntervalS seconds.
void keep_alive(int fd) {
  int on = 1, idle = kKeepIdleS, interval = kKeepIntervalS, count = kKeepCount;
  unsigned timeout_ms = static_cast<unsigned>((kKeepIdleS + kKeepCount * kKeepIntervalS) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout_ms, sizeof timeout_ms);
}

// This host's IPv4 addresses, loopback last (a worker on another node cannot use it; one on this node can).
std::vector<std::string> host_addresses() {
  std::vector<std::string> out, loopback;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !(a->ifa_flags & IFF_UP)) continue;
      char text[INET_ADDRSTRLEN] = {0};
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
      ((a->ifa_flags & IFF_LOOPBACK) ? loopback : out).push_back(text);
    }
    freeifaddrs(list);
  }
  out.insert(out.end(), loopback.begin(), loopback.end());
  if (out.empty()) out.push_back("127.0.0.1");
  return out;
}

std::string random_token() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

// One non-blocking connect with a deadline; the socket back in blocking mode, or -1.
int connect_to(const std::string& ip, int port) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &to.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    rc = (::poll(&p, 1, kConnectTimeoutMs) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
             ? 0
             : -1;
  }
  if (rc != 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

}  // namespace

LivenessServer::LivenessServer() : token_(random_token()) {
  // One descriptor per worker rank: a job of thousands needs more than the usual soft limit of 1024.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t len = sizeof any;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 ||
      listen(listen_fd_, SOMAXCONN) != 0 || getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&any), &len) != 0) {
    std::string why = std::strerror(errno);
    if (listen_fd_ >= 0) close(listen_fd_);
    throw core::CommError("cannot listen for liveness connections: " + why);
  }
  std::string ips;
  for (const auto& ip : host_addresses()) ips += (ips.empty() ? "" : ",") + ip;
  address_ = token_ + "@" + ips + ":" + std::to_string(ntohs(any.sin_port));
}

LivenessServer::~LivenessServer() {
  for (auto& p : peers_) close(p.fd);
  if (listen_fd_ >= 0) close(listen_fd_);
}

std::vector<std::pair<int, std::string>> LivenessServer::poll() {
  for (int fd; (fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0;) {
    keep_alive(fd);
    peers_.push_back(Peer{fd, -1, {}});
  }
  std::vector<std::pair<int, std::string>> dropped;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    Peer& p = peers_[i];
    std::string ended;  // why the connection is over; "" while it lives
    char buf[256];
    while (ended.empty()) {
      ssize_t n = recv(p.fd, buf, sizeof buf, 0);
      if (n > 0) {
        if (p.rank >= 0) continue;  // nothing is expected after the hello
        p.hello.append(buf, static_cast<std::size_t>(n));
        auto eol = p.hello.find('\n');
        if (eol == std::string::npos) {
          if (p.hello.size() > kMaxHello) ended = "bad hello";
          continue;
        }
        std::istringstream words(p.hello.substr(0, eol));
        std::string token;
        int rank = -1;
        if (!(words >> token >> rank) || token != token_ || rank <= 0) ended = "bad hello";
        p.rank = rank;
      } else if (n == 0) {
        ended = "closed (EOF): its process or node ended";
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        break;
      } else if (errno != EINTR) {
        ended = errno == ETIMEDOUT ? "silent past its keepalive: its node or link went away"
                                   : std::string(std::strerror(errno)) + ": its process or node ended";
      }
    }
    if (ended.empty()) {
      peers_[kept++] = p;
      continue;
    }
    close(p.fd);
    if (p.rank > 0 && ended != "bad hello")
      dropped.emplace_back(p.rank, "lost its liveness connection to the server (" + ended + ")");
  }
  peers_.resize(kept);
  return dropped;
}

LivenessClient::LivenessClient(const std::string& address, int rank) {
  auto at = address.find('@'), colon = address.rfind(':');
  if (at == std::string::npos || colon == std::string::npos || colon < at) return;
  const std::string token = address.substr(0, at);
  const int port = std::atoi(address.c_str() + colon + 1);
  std::istringstream ips(address.substr(at + 1, colon - at - 1));
  for (std::string ip; fd_ < 0 && std::getline(ips, ip, ',');) fd_ = connect_to(ip, port);
  if (fd_ < 0) {
    std::fprintf(stderr,
                 "supervisor: rank %d: cannot reach the server's liveness port (%s); if this node dies, the "
                 "server notices only after resources.lost_after_s\n",
                 rank, address.substr(at + 1).c_str());
    return;
  }
  keep_alive(fd_);
  const std::string hello = token + " " + std::to_string(rank) + "\n";
  if (send(fd_, hello.data(), hello.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(hello.size())) {
    close(fd_);
    fd_ = -1;
    return;
  }
  // Detached: it ends with the process. The server never writes, so any return means the connection ended.
  std::thread([fd = fd_, rank, leaving = leaving_] {
    char byte;
    while (recv(fd, &byte, 1, 0) < 0 && errno == EINTR) {
    }
    if (!leaving->load()) std::this_thread::sleep_for(std::chrono::seconds(kServerGoneGraceS));
    if (leaving->load()) {  // the worker let go of it (its normal end)
      close(fd);
      return;
    }
    std::fprintf(stderr, "supervisor: rank %d: the server (rank 0) is gone: its liveness connection ended %d s ago; "
                 "leaving\n", rank, kServerGoneGraceS);
    std::_Exit(1);
  }).detach();
}

LivenessClient::~LivenessClient() {
  if (fd_ < 0) return;
  leaving_->store(true);
  shutdown(fd_, SHUT_RDWR);  // ends the waiting thread's recv; the thread closes the descriptor
}

}  // namespace sv::balancer
