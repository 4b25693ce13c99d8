// Liveness: a side channel beside MPI that tells the server at once when a worker rank's process or node
// is gone. Terms: each worker rank holds one *liveness connection*, a TCP connection to rank 0 that carries
// nothing after its hello; the kernel ends it for us — EOF or RST when the worker's process dies (the
// kernel of its node closes the socket), a keepalive timeout (about kKeepIdleS + kKeepCount × kKeepIntervalS
// seconds) when its node or link goes silent. MPI cannot tell: under Open MPI's cm PML over libfabric's
// TCP provider a peer whose processes were all killed is not reported to rank 0 (nothing arrives, and a
// send to it blocks), so without this the server waits resources.lost_after_s.
// The *address* rank 0 hands every rank (in the start message) is "TOKEN@IP,IP,...:PORT": this host's IPv4
// addresses, loopback last, and a random token a stray connection cannot know.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sv::balancer {

constexpr int kKeepIdleS = 2;
constexpr int kKeepIntervalS = 1;
constexpr int kKeepCount = 3;
constexpr int kServerGoneGraceS = 30;

/// Rank 0's end: a listening socket and one connection per worker rank. Not thread-safe; poll() is called
/// from the server loop.
class LivenessServer {
 public:
  /// Listens on every address of this host, on a port the kernel picks. Throws core::CommError.
  LivenessServer();
  ~LivenessServer();
  LivenessServer(const LivenessServer&) = delete;
  LivenessServer& operator=(const LivenessServer&) = delete;

  const std::string& address() const { return address_; }

  /// Accepts and identifies new connections, and returns the ranks whose connection ended since the last
  /// call, each with why ("its connection to the server closed (EOF): its process or node ended").
  /// Never blocks.
  std::vector<std::pair<int, std::string>> poll();

 private:
  struct Peer {
    int fd = -1;
    int rank = -1;     // -1 until its hello ("TOKEN RANK\n") has arrived
    std::string hello;  // what arrived of the hello so far
  };
  int listen_fd_ = -1;
  std::string token_, address_;
  std::vector<Peer> peers_;
};

/// A worker rank's end: connects to `address` and says which rank it is; the connection lives as long as
/// this object (the worker's life). When no address answers, says so in one line on stderr and holds
/// nothing (the server then falls back on heartbeats and lost_after_s). The other way round, a thread
/// waits on the connection: once it ends the server is gone (its node died, it crashed), and a worker
/// still alive kServerGoneGraceS later says so and exits 1, so the step ends instead of waiting for a
/// server that will never speak again (at a normal end the worker leaves well within that grace).
class LivenessClient {
 public:
  LivenessClient(const std::string& address, int rank);
  ~LivenessClient();
  LivenessClient(const LivenessClient&) = delete;
  LivenessClient& operator=(const LivenessClient&) = delete;
  bool connected() const { return fd_ >= 0; }

 private:
  int fd_ = -1;  // closed by the waiting thread, never while it waits on it
  std::shared_ptr<std::atomic<bool>> leaving_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace sv::balancer
