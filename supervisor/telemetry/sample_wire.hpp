// GPU readings on their way to the store. A node's leader worker encodes each round of readings, with its
// host, as the payload of a balancer::GpuSamplesMsg; rank 0's SampleInbox collects them beside rank 0's
// own readings, and writes everything to gpu_samples on the server loop's
// tick (one transaction a tick, not one per message).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"
#include "telemetry/gpu_sampler.hpp"

namespace sv::telemetry {

/// The readings of one host: a few GPUs every few seconds.
struct HostReadings {
  std::string host;
  std::vector<TimedReading> readings;
};

/// JSON {"host": ..., "rows": [[time, index, uuid, busy, memory_used, memory_total], ...]}. The host
/// travels with the readings because a worker's first readings may overtake its hello.
std::string encode_readings(const std::string& host, const std::vector<TimedReading>& readings);
/// Throws core::CommError on a payload that is not such an object (mixed supervisor builds in one job).
HostReadings decode_readings(std::string_view payload);

class SampleInbox {
 public:
  void add(const std::string& host, std::vector<TimedReading> readings);
  /// A leader worker's message. Throws core::CommError as decode_readings.
  void add_payload(std::string_view payload);
  /// Writes everything collected in one transaction and forgets it; nothing when empty.
  void write_to(store::Store& store);
  std::size_t size() const { return rows_.size(); }

 private:
  std::vector<store::GpuSampleRow> rows_;
};

}  // namespace sv::telemetry
