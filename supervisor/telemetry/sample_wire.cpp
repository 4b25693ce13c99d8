#include "telemetry/sample_wire.hpp"

#include "core/errors.hpp"
#include "core/json_util.hpp"

namespace sv::telemetry {

std::string encode_readings(const std::string& host, const std::vector<TimedReading>& readings) {
  core::Json rows = core::Json::array();
  for (const auto& r : readings)
    rows.push_back({r.time, r.gpu.index, r.gpu.uuid, r.gpu.busy, r.gpu.memory_used, r.gpu.memory_total});
  return core::Json{{"host", host}, {"rows", std::move(rows)}}.dump();
}

namespace {
core::CommError unreadable(const std::string& why) {
  return core::CommError("a worker sent GPU readings the server cannot read (mixed supervisor builds in one "
                         "job?): " + why);
}
}  // namespace

HostReadings decode_readings(std::string_view payload) {
  auto doc = core::Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("rows") || !doc["rows"].is_array()) throw unreadable("no rows");
  HostReadings out;
  try {
    out.host = doc.at("host").get<std::string>();
    for (const auto& r : doc["rows"]) {
      TimedReading t;
      t.time = r.at(0).get<double>();
      t.gpu.index = r.at(1).get<int>();
      t.gpu.uuid = r.at(2).get<std::string>();
      t.gpu.busy = r.at(3).get<double>();
      t.gpu.memory_used = r.at(4).get<std::int64_t>();
      t.gpu.memory_total = r.at(5).get<std::int64_t>();
      out.readings.push_back(std::move(t));
    }
  } catch (const core::Json::exception& e) {
    throw unreadable(e.what());
  }
  return out;
}

void SampleInbox::add(const std::string& host, std::vector<TimedReading> readings) {
  for (auto& t : readings)
    rows_.push_back(store::GpuSampleRow{t.time, host, t.gpu.index, std::move(t.gpu.uuid), t.gpu.busy,
                                        t.gpu.memory_used, t.gpu.memory_total});
}

void SampleInbox::add_payload(std::string_view payload) {
  HostReadings r = decode_readings(payload);
  add(r.host, std::move(r.readings));
}

void SampleInbox::write_to(store::Store& store) {
  if (rows_.empty()) return;
  store.add_gpu_samples(rows_);
  rows_.clear();  // only once written: a failed write keeps them for the next tick
}

}  // namespace sv::telemetry
