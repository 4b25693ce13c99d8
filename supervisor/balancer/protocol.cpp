#include "balancer/protocol.hpp"

#include <cstring>

#include "core/errors.hpp"

namespace sv::balancer {

namespace {

// Fixed-width fields are copied as host bytes: every rank of one job runs the same build on the same
// architecture, so no byte swapping is needed.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  template <class T>
  void pod(T v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void str(std::string_view s) {
    pod<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    out_.append(s.data(), s.size());
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  Reader(std::string_view in, std::size_t pos) : in_(in), pos_(pos) {}
  std::size_t pos() const { return pos_; }
  template <class T>
  T pod() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, in_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string str() {
    auto n = pod<std::uint32_t>();
    need(n);
    std::string s(in_.data() + pos_, n);
    pos_ += n;
    return s;
  }

 private:
  void need(std::size_t n) {
    if (pos_ + n > in_.size()) throw core::CommError("truncated message from a peer rank");
  }
  std::string_view in_;
  std::size_t pos_;
};

}  // namespace

namespace {

struct EncodeVisitor {
  std::string& out;
  Writer& w;
  void operator()(const HelloMsg& m) {
    w.pod(MsgType::hello);
    w.pod(m.pid);
    w.str(m.host);
    w.str(m.devices);  // [gpu2]
  }
  void operator()(const TaskMsg& m) { append_task(out, m.task_id, m.model, m.attempt, m.node_id, m.params); }
  void operator()(const ResultMsg& m) {
    w.pod(MsgType::result);
    const core::TaskResult& r = m.result;
    w.pod(m.task_id);
    w.pod(r.outcome);
    w.pod<std::uint8_t>(r.objective ? 1 : 0);
    w.pod(r.objective.value_or(0.0));
    w.pod(r.start_time);
    w.pod(r.end_time);
    w.str(r.result);
    w.str(r.error);
  }
  void operator()(const ProgressMsg& m) {
    w.pod(MsgType::progress);
    w.pod(m.task_id);
    w.pod(m.time);
    w.str(m.payload);
  }
  void operator()(const ShutdownMsg&) { w.pod(MsgType::shutdown); }
  void operator()(const HeartbeatMsg&) { w.pod(MsgType::heartbeat); }
  void operator()(const RetireMsg& m) {
    w.pod(MsgType::retire);
    w.pod(m.task_id);
    w.str(m.message);
  }
  void operator()(const FatalMsg& m) {
    w.pod(MsgType::fatal);
    w.str(m.message);
  }
  void operator()(const GpuSamplesMsg& m) {  // [gpu2]
    w.pod(MsgType::gpu_samples);
    w.str(m.payload);
  }
  void operator()(const StopTaskMsg& m) {
    w.pod(MsgType::stop_task);
    w.pod(m.task_id);
  }
};

}  // namespace

void append(const Message& m, std::string& out) {
  Writer w(out);
  std::visit(EncodeVisitor{out, w}, m);
}

void encode(const Message& m, std::string& out) {
  out.clear();
  append(m, out);
}

void append_task(std::string& out, std::uint64_t task_id, std::uint32_t model, std::uint32_t attempt,
                 std::string_view node_id, std::string_view params) {
  Writer w(out);
  w.pod(MsgType::task);
  w.pod(task_id);
  w.pod(model);
  w.pod(attempt);
  w.str(node_id);
  w.str(params);
}

std::string encode(const Message& m) {
  std::string out;
  encode(m, out);
  return out;
}

namespace {
Message decode_body(Reader& r) {
  auto type = r.pod<MsgType>();
  switch (type) {
    case MsgType::hello: {
      HelloMsg m;
      m.pid = r.pod<std::int64_t>();
      m.host = r.str();
      m.devices = r.str();  // [gpu2]
      return m;
    }
    case MsgType::task: {
      TaskMsg m;
      m.task_id = r.pod<std::uint64_t>();
      m.model = r.pod<std::uint32_t>();
      m.attempt = r.pod<std::uint32_t>();
      m.node_id = r.str();
      m.params = r.str();
      return m;
    }
    case MsgType::result: {
      ResultMsg m;
      core::TaskResult& t = m.result;
      m.task_id = r.pod<std::uint64_t>();
      t.outcome = r.pod<core::Outcome>();
      bool has_objective = r.pod<std::uint8_t>() != 0;
      double objective = r.pod<double>();
      if (has_objective) t.objective = objective;
      t.start_time = r.pod<double>();
      t.end_time = r.pod<double>();
      t.result = r.str();
      t.error = r.str();
      return m;
    }
    case MsgType::progress: {
      ProgressMsg m;
      m.task_id = r.pod<std::uint64_t>();
      m.time = r.pod<double>();
      m.payload = r.str();
      return m;
    }
    case MsgType::shutdown:
      return ShutdownMsg{};
    case MsgType::heartbeat:
      return HeartbeatMsg{};
    case MsgType::retire: {
      RetireMsg m;
      m.task_id = r.pod<std::uint64_t>();
      m.message = r.str();
      return m;
    }
    case MsgType::fatal: {
      FatalMsg m;
      m.message = r.str();
      return m;
    }
    case MsgType::gpu_samples:  // [gpu2]
      return GpuSamplesMsg{r.str()};
    case MsgType::stop_task: {
      StopTaskMsg m;
      m.task_id = r.pod<std::uint64_t>();
      return m;
    }
  }
  throw core::CommError("unknown message type " + std::to_string(static_cast<int>(type)) +
                        " from a peer rank (mixed supervisor builds in one job?)");
}
}  // namespace

Message decode(std::string_view bytes) {
  std::size_t pos = 0;
  Message m = decode_record(bytes, pos);
  if (pos != bytes.size()) throw core::CommError("a message from a peer rank holds more than one record");
  return m;
}

Message decode_record(std::string_view bytes, std::size_t& pos) {
  Reader r(bytes, pos);
  Message m = decode_body(r);
  pos = r.pos();
  return m;
}

}  // namespace sv::balancer
