// MpiComm: Comm over MPI_COMM_WORLD. A receive is always pre-posted (MPI_Irecv + MPI_Test), so polling
// costs no probe round and an idle rank sleeps between tests instead of spinning inside MPI_Recv.
// Messages above the pre-posted buffer's size go as an announcement followed by the payload. Calls are
// serialized by a mutex, so a worker's heartbeat thread can send while its main thread polls (MPI must be
// initialized with at least MPI_THREAD_SERIALIZED for that).
#pragma once
#include <memory>

#include "balancer/comm.hpp"

namespace sv::balancer {

class MpiComm : public Comm {
 public:
  /// MPI must be initialized; MpiComm does not finalize it.
  MpiComm();
  ~MpiComm() override;
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void send(int dest, std::string_view bytes) override;
  bool try_receive(int& source, std::string& bytes) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, size_ = 1;
};

}  // namespace sv::balancer
