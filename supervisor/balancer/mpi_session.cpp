#include "balancer/mpi_session.hpp"

#include <mpi.h>

#include <cstdlib>
#include <exception>

#include "core/errors.hpp"

namespace sv::balancer {

namespace {
int to_mpi(ThreadLevel level) {
  switch (level) {
    case ThreadLevel::single: return MPI_THREAD_SINGLE;
    case ThreadLevel::funneled: return MPI_THREAD_FUNNELED;
    case ThreadLevel::serialized: return MPI_THREAD_SERIALIZED;
    case ThreadLevel::multiple: return MPI_THREAD_MULTIPLE;
  }
  return MPI_THREAD_MULTIPLE;
}

ThreadLevel from_mpi(int level) {
  // MPI orders the levels, but their values are the library's: compare, do not cast.
  if (level >= MPI_THREAD_MULTIPLE) return ThreadLevel::multiple;
  if (level >= MPI_THREAD_SERIALIZED) return ThreadLevel::serialized;
  if (level >= MPI_THREAD_FUNNELED) return ThreadLevel::funneled;
  return ThreadLevel::single;
}
}  // namespace

ThreadLevel requested_thread_level() {
  const char* v = std::getenv("SV_MPI_THREADS");
  if (!v || !*v) return ThreadLevel::multiple;
  const std::string s = v;
  if (s == "single") return ThreadLevel::single;
  if (s == "funneled") return ThreadLevel::funneled;
  if (s == "serialized") return ThreadLevel::serialized;
  if (s == "multiple") return ThreadLevel::multiple;
  throw core::UsageError("SV_MPI_THREADS='" + s + "': expected single, funneled, serialized or multiple");
}

const char* thread_level_name(ThreadLevel level) {
  switch (level) {
    case ThreadLevel::single: return "MPI_THREAD_SINGLE";
    case ThreadLevel::funneled: return "MPI_THREAD_FUNNELED";
    case ThreadLevel::serialized: return "MPI_THREAD_SERIALIZED";
    case ThreadLevel::multiple: return "MPI_THREAD_MULTIPLE";
  }
  return "MPI_THREAD_?";
}

MpiSession::MpiSession(ThreadLevel requested) {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, to_mpi(requested), &provided);
  provided_ = from_mpi(provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  if (std::uncaught_exceptions() == 0) finalize();
}

void MpiSession::broadcast(std::string& bytes) {
  unsigned long long n = bytes.size();
  MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  bytes.resize(n);
  MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_BYTE, 0, MPI_COMM_WORLD);
}

NodeAnswer MpiSession::on_each_node(const std::function<bool()>& leader_work) {
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int node_rank = 0;
  MPI_Comm_rank(node, &node_rank);
  NodeAnswer answer;
  answer.leader = node_rank == 0;
  int ok = answer.leader && leader_work();
  MPI_Bcast(&ok, 1, MPI_INT, 0, node);
  MPI_Comm_free(&node);
  answer.ok = ok != 0;
  return answer;
}

int MpiSession::sum_at_root(int value) {
  int sum = 0;
  MPI_Reduce(&value, &sum, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
  return rank_ == 0 ? sum : 0;
}

void MpiSession::finalize() {
  if (finalized_) return;
  finalized_ = true;
  MPI_Finalize();
}

void MpiSession::abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();  // MPI_Abort does not return; this says so to the compiler
}

}  // namespace sv::balancer
