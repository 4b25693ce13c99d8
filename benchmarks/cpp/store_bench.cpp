// Store write throughput: task rows committed per second through the real Store (batched upserts in WAL
// mode), the way the server writes them: each task written once, done, with a small result.
//   build/bin/sv-bench-store [tasks] [batch]   -> prints one JSON line
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/store.hpp"

int main(int argc, char** argv) {
  const long tasks = argc > 1 ? std::atol(argv[1]) : 200000;
  const long batch = argc > 2 ? std::atol(argv[2]) : 50000;
  char tmpl[] = "/tmp/sv-bench-store-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  sv::store::RunInfo info;
  info.name = "bench";
  info.status = "running";
  auto store = sv::store::Store::create(dir + "/supervisor.db", info);
  sv::store::TaskRow row;
  row.model = "noop";
  row.params_hash = "0123456789abcdef";
  row.status = sv::store::TaskStatus::done;
  row.attempts = 1;
  row.worker = 1;
  row.host = "node0001";
  row.submit_time = row.dispatch_time = row.start_time = row.end_time = 1.7e9;
  row.objective = 0.5;
  row.result = R"({"val_loss":0.5})";
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 1; i <= tasks; ++i) {
    row.id = i;
    row.node_id = std::to_string(i);
    row.params = R"({"i":)" + row.node_id + "}";
    row.result_seq = i;
    store->put_task(row);
    if (i % batch == 0) store->flush();
  }
  store->flush();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"tasks\": %ld, \"batch\": %ld, \"seconds\": %.4f, \"rows_per_s\": %.0f}\n", tasks, batch, s,
              tasks / s);
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
