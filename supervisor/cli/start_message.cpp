#include "cli/start_message.hpp"

#include "core/json_util.hpp"

namespace sv::cli {

std::string encode(const StartMessage& m) {
  return core::Json{{"ok", m.ok},
                    {"error", m.error},
                    {"spec_text", m.spec_text},
                    {"spec_path", m.spec_path},
                    {"source_dir", m.source_dir},
                    {"out_dir", m.out_dir},
                    {"drain_at", m.drain_at},
                    {"stop_at", m.stop_at},
                    {"liveness", m.liveness}}
      .dump();
}

StartMessage decode_start(const std::string& bytes) {
  core::Json j = core::Json::parse(bytes);
  StartMessage m;
  m.ok = j["ok"];
  m.error = j["error"];
  m.spec_text = j["spec_text"];
  m.spec_path = j["spec_path"];
  m.source_dir = j["source_dir"];
  m.out_dir = j["out_dir"];
  m.drain_at = j["drain_at"];
  m.stop_at = j["stop_at"];
  m.liveness = j["liveness"];
  return m;
}

}  // namespace sv::cli
