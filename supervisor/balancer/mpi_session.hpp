// MpiSession: this process's part in the MPI job, from MPI_Init to MPI_Finalize, and the few collective
// calls the job makes beside the dispatcher's Comm (the start broadcast, one MPS daemon per node). Terms:
// *rank 0* is the server, the others are workers; a *node* is the ranks on one host, and its *leader* is
// the lowest of them. This file and mpi_comm.cpp are the only ones that call MPI.
#pragma once
#include <functional>
#include <string>

namespace sv::balancer {

/// What MPI is asked for about threads (MPI_THREAD_*, in the same order).
enum class ThreadLevel { single, funneled, serialized, multiple };

/// SV_MPI_THREADS (single | funneled | serialized | multiple; default multiple), for an MPI whose
/// multi-threaded mode is slow or broken. Calls no MPI, so the launcher can check it before the job.
/// Throws core::UsageError for another value.
ThreadLevel requested_thread_level();

/// "MPI_THREAD_SINGLE", ...
const char* thread_level_name(ThreadLevel level);

/// What each rank of a node learns from MpiSession::on_each_node.
struct NodeAnswer {
  bool leader = false;  // this rank is its node's leader (it ran the work)
  bool ok = false;      // the leader's work succeeded
};

class MpiSession {
 public:
  /// MPI_Init_thread with `requested`; one session per process, ever (MPI cannot be initialized twice).
  explicit MpiSession(ThreadLevel requested);
  /// MPI_Finalize, unless finalize() already ran or an exception is leaving the scope: a rank that fails
  /// alone must not wait in MPI_Finalize for ranks that wait for it; mpiexec ends the job instead.
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  ThreadLevel provided() const { return provided_; }

  /// Collective: rank 0's `bytes` replace every other rank's.
  void broadcast(std::string& bytes);
  /// Collective: on each node the leader runs `leader_work` (true: it succeeded), and every rank of the
  /// node learns the answer.
  NodeAnswer on_each_node(const std::function<bool()>& leader_work);
  /// Collective: the sum of every rank's `value`, at rank 0 (other ranks get 0).
  int sum_at_root(int value);

  /// Ends MPI for this process (waits for every rank). Later calls do nothing.
  void finalize();
  /// Ends the whole job at once with `code` (MPI_Abort): for ranks that cannot be told to stop.
  [[noreturn]] void abort(int code);

 private:
  int rank_ = 0, size_ = 1;
  ThreadLevel provided_ = ThreadLevel::single;
  bool finalized_ = false;
};

}  // namespace sv::balancer
