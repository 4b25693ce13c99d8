#include "balancer/mpi_comm.hpp"

#include <mpi.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "core/errors.hpp"

namespace sv::balancer {

namespace {
constexpr int kTagMsg = 11;       // a whole message
constexpr int kTagAnnounce = 12;  // a large message follows; body = its size (uint64)
constexpr int kTagLarge = 13;     // the large message itself
constexpr std::size_t kBufferBytes = 64 * 1024;

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    throw core::CommError(std::string(what) + " failed: " + std::string(msg, len));
  }
}
}  // namespace

struct MpiComm::Impl {
  std::mutex mutex;
  std::vector<char> buffer = std::vector<char>(kBufferBytes);
  MPI_Request request = MPI_REQUEST_NULL;
  // Sends in flight. Sends are non-blocking: a message above the transport's eager limit (4 KiB for
  // shared memory) waits for the receiver to take it, and a blocking send would stall this rank until
  // the peer polls again, each side waiting on the other. A deque keeps each buffer where MPI sees it.
  struct Outgoing {
    std::string bytes;
    std::uint64_t size = 0;  // the announcement's body for a large message
    MPI_Request requests[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  };
  std::deque<Outgoing> sends;

  /// Forgets the sends that have completed, oldest first.
  void reap() {
    while (!sends.empty()) {
      int done = 0;
      check(MPI_Testall(2, sends.front().requests, &done, MPI_STATUSES_IGNORE), "MPI_Testall");
      if (!done) return;
      sends.pop_front();
    }
  }

  void post() {
    check(MPI_Irecv(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG,
                    MPI_COMM_WORLD, &request),
          "MPI_Irecv");
  }
};

MpiComm::MpiComm() : impl_(std::make_unique<Impl>()) {
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  impl_->post();
}

MpiComm::~MpiComm() {
  // Let the last sends (shutdown messages, final results) finish; a peer that never takes them (a lost
  // worker) is not waited for beyond a few seconds.
  for (int i = 0; i < 5000 && !impl_->sends.empty(); ++i) {
    impl_->reap();
    if (!impl_->sends.empty()) usleep(1000);
  }
  if (impl_->request != MPI_REQUEST_NULL) {
    MPI_Cancel(&impl_->request);
    MPI_Request_free(&impl_->request);
  }
}

void MpiComm::send(int dest, std::string_view bytes) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->reap();
  Impl::Outgoing& out = impl_->sends.emplace_back();
  out.bytes.assign(bytes.data(), bytes.size());
  if (bytes.size() <= kBufferBytes) {
    check(MPI_Isend(out.bytes.data(), static_cast<int>(out.bytes.size()), MPI_BYTE, dest, kTagMsg, MPI_COMM_WORLD,
                    &out.requests[0]),
          "MPI_Isend");
    return;
  }
  out.size = out.bytes.size();
  check(MPI_Isend(&out.size, sizeof out.size, MPI_BYTE, dest, kTagAnnounce, MPI_COMM_WORLD, &out.requests[0]),
        "MPI_Isend");
  check(MPI_Isend(out.bytes.data(), static_cast<int>(out.bytes.size()), MPI_BYTE, dest, kTagLarge, MPI_COMM_WORLD,
                  &out.requests[1]),
        "MPI_Isend");
}

bool MpiComm::try_receive(int& source, std::string& bytes) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->reap();
  int done = 0;
  MPI_Status status;
  check(MPI_Test(&impl_->request, &done, &status), "MPI_Test");
  if (!done) return false;
  source = status.MPI_SOURCE;
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  if (status.MPI_TAG == kTagAnnounce) {
    // Non-overtaking order guarantees the payload is the next message from this source with kTagLarge;
    // receive it before re-posting the wildcard receive so the wildcard cannot take it.
    std::uint64_t n = 0;
    std::memcpy(&n, impl_->buffer.data(), sizeof n);
    bytes.resize(n);
    check(MPI_Recv(bytes.data(), static_cast<int>(n), MPI_BYTE, source, kTagLarge, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE),
          "MPI_Recv");
  } else {
    bytes.assign(impl_->buffer.data(), static_cast<std::size_t>(count));
  }
  impl_->post();
  return true;
}

}  // namespace sv::balancer
