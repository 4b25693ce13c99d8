// Process tree: the processes below one process, read from /proc. Terms: a *descendant* of a process is
// its child, its child's child, and so on; a *subreaper* (PR_SET_CHILD_SUBREAPER) adopts the orphans of
// its descendants, so a model's double-forked daemon stays below the worker instead of escaping to init.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <vector>

namespace sv::core {

/// Makes this process adopt its descendants' orphans. False where the kernel cannot (not Linux).
bool become_subreaper();

/// Descendants of `root` (zombies included), parents before their children.
std::vector<pid_t> descendants(pid_t root);

/// Ends every descendant of this process except the processes in `keep` (resident helpers such as an
/// isolated shell's Python; their own descendants are ended): SIGTERM, up to `grace_s` for them to go,
/// then SIGKILL; reaps those that are this process's children. Costs one system call when this process
/// has no children. Returns how many processes it signalled.
std::size_t end_descendants(const std::vector<pid_t>& keep, double grace_s);

}  // namespace sv::core
