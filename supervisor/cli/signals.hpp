// Drain signals: the signals that ask a job to end early but resumably — Ctrl-C (SIGINT), a scheduler's
// SIGTERM before its SIGKILL, a walltime warning (SIGUSR1) — end it as a walltime drain does. Rank 0
// stops dispatching and drains; a worker rank passes the request to its running model
// (ctx.should_stop() turns true) and stays alive to report the interrupted task; the launcher
// (`supervisor run` outside MPI) turns them into SIGUSR1 for mpiexec, which passes that to every rank
// (Open MPI's mpiexec would kill the ranks on TERM or INT).
#pragma once
#include <atomic>
#include <string>

namespace sv::cli {

/// Every rank, as soon as it is one: from now on a drain signal does not end the process; it is
/// remembered in drain_signal() (read by rank 0's server) and asks models to stop (shell::request_stop,
/// read by a worker's shells). A worker calls it again once its interpreters have started, in case one
/// took the signals over.
void catch_drain_signals();

/// The first drain signal this process received, 0 while none has come.
const std::atomic<int>& drain_signal();

/// "SIGTERM" for SIGTERM, "signal 42" for a number without a name.
std::string signal_name(int sig);

}  // namespace sv::cli
