// Protocol: the messages rank 0 (the server) and worker ranks exchange, and their binary encoding.
// Terms: a *task* message carries one node's parameter tuple to a worker; a *result* message carries the
// outcome back (and frees the worker's slot); *progress* messages stream per-epoch metrics while a task
// runs. Encoding is a flat little-endian layout (no JSON parse on the server's hot path); payloads that
// are JSON stay opaque strings here. One MPI message carries one or more *records* back to back: when tasks
// are short the server sends a worker several tasks at once and the worker returns several results at
// once, so the per-message cost is paid once per batch rather than once per task.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/task_result.hpp"

namespace sv::balancer {

enum class MsgType : std::uint8_t {
  hello = 1,     // worker -> server: I am up (host, pid)
  task = 2,      // server -> worker: run this
  result = 3,    // worker -> server: outcome of a task
  progress = 4,  // worker -> server: a metrics payload while a task runs
  shutdown = 5,  // server -> worker: no more work, exit
  fatal = 6,     // worker -> server: the worker cannot go on (message); the server stops the job
  heartbeat = 7, // worker -> server: still alive (sent by a thread of its own, also while a task runs)
  retire = 8,    // worker -> server: a task is stuck in this rank for good; give up on the rank
  gpu_samples = 9,  // [gpu2] worker -> server: its node's GPU readings (the node's leader worker only)
  stop_task = 10, // server -> worker: stop this one running task (pruning); the others run on
};

struct HelloMsg {
  std::string host;
  std::int64_t pid = 0;
  std::string devices;  // [gpu2] the GPUs this worker was bound to (its CUDA_VISIBLE_DEVICES value), "" = none
};

// A task message is the task's input as the worker runs it.
using TaskMsg = core::TaskInput;

struct ResultMsg {
  std::uint64_t task_id = 0;
  core::TaskResult result;  // the outcome travels as one byte, the objective as a flag and a double
};

struct ProgressMsg {
  std::uint64_t task_id = 0;
  double time = 0;
  std::string payload;  // JSON object text, e.g. {"epoch": 3, "loss": 0.2}
};

struct ShutdownMsg {};

struct FatalMsg {
  std::string message;
};

struct HeartbeatMsg {};

struct RetireMsg {
  std::uint64_t task_id = 0;  // the stuck task: this attempt failed with `message`
  std::string message;
};

// [gpu2] Opaque here: telemetry/sample_wire.hpp encodes and decodes the readings.
struct GpuSamplesMsg {
  std::string payload;
};

// Per-task stop (pruning): the running task `task_id` should return soon; a worker that no longer runs it
// ignores the message (its result is already on the way).
struct StopTaskMsg {
  std::uint64_t task_id = 0;
};


using Message = std::variant<HelloMsg, TaskMsg, ResultMsg, ProgressMsg, ShutdownMsg, FatalMsg, HeartbeatMsg,
                             RetireMsg, GpuSamplesMsg, StopTaskMsg>;

/// Writes the encoding of `m` to `out` (cleared first).
void encode(const Message& m, std::string& out);
std::string encode(const Message& m);
/// Appends one record to `out`, after the records already there.
void append(const Message& m, std::string& out);

/// Appends a task record straight from its parts, sparing the server a copy of the parameter text.
void append_task(std::string& out, std::uint64_t task_id, std::uint32_t model, std::uint32_t attempt,
                 std::string_view node_id, std::string_view params);

/// Decodes the record starting at `pos` and moves `pos` past it. Throws core::CommError on a truncated or
/// unknown record.
Message decode_record(std::string_view bytes, std::size_t& pos);

/// Decodes a message of exactly one record (throws core::CommError otherwise).
Message decode(std::string_view bytes);

/// Calls f(Message&&) for each record of a message, in order.
template <class F>
void decode_each(std::string_view bytes, F&& f) {
  std::size_t pos = 0;
  do {
    f(decode_record(bytes, pos));
  } while (pos < bytes.size());
}

}  // namespace sv::balancer
