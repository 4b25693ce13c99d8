#include "balancer/mpi_comm.hpp"

#include <mpi.h>

#include <cstdint>
#include <cstring>
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
  if (impl_->request != MPI_REQUEST_NULL) {
    MPI_Cancel(&impl_->request);
    MPI_Request_free(&impl_->request);
  }
}

void MpiComm::send(int dest, std::string_view bytes) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (bytes.size() <= kBufferBytes) {
    check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, kTagMsg, MPI_COMM_WORLD),
          "MPI_Send");
    return;
  }
  std::uint64_t n = bytes.size();
  check(MPI_Send(&n, sizeof n, MPI_BYTE, dest, kTagAnnounce, MPI_COMM_WORLD), "MPI_Send");
  check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, kTagLarge, MPI_COMM_WORLD),
        "MPI_Send");
}

bool MpiComm::try_receive(int& source, std::string& bytes) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
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
