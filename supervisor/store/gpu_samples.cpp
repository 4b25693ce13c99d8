// The gpu_samples table: GPU busy fraction and memory over time, per host and GPU. It is created by the
// first write rather than with the schema, so a store of a run that saw no GPU has no such table, and a
// store made before the table existed gains it on resume; readers treat "no table" as "no samples".
#include "store/statement.hpp"
#include "store/store.hpp"

namespace sv::store {

using detail::Statement;
using detail::Transaction;

void Store::add_gpu_samples(const std::vector<GpuSampleRow>& rows) {
  require_writable("add_gpu_samples");
  if (rows.empty()) return;
  sqlite3* db = conn();
  Transaction tx(db, path_);
  detail::exec(db, path_,
               "CREATE TABLE IF NOT EXISTS gpu_samples("
               "  id INTEGER PRIMARY KEY, time REAL NOT NULL, host TEXT NOT NULL, gpu INTEGER NOT NULL,"
               "  uuid TEXT NOT NULL, busy REAL NOT NULL, memory_used INTEGER NOT NULL,"
               "  memory_total INTEGER NOT NULL)");
  Statement insert(db, path_,
                   "INSERT INTO gpu_samples(time, host, gpu, uuid, busy, memory_used, memory_total) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  for (const auto& r : rows) {
    insert.bind_double(1, r.time);
    insert.bind_text(2, r.host);
    insert.bind_int(3, r.gpu);
    insert.bind_text(4, r.uuid);
    insert.bind_double(5, r.busy);
    insert.bind_int(6, r.memory_used);
    insert.bind_int(7, r.memory_total);
    insert.execute();
  }
  tx.commit();
}

std::vector<GpuSampleRow> Store::gpu_samples() const {
  Statement has(conn(), path_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpu_samples'");
  if (!has.step()) return {};
  Statement q(conn(), path_,
              "SELECT time, host, gpu, uuid, busy, memory_used, memory_total FROM gpu_samples ORDER BY time, id");
  std::vector<GpuSampleRow> out;
  while (q.step()) {
    GpuSampleRow r;
    r.time = q.column_double(0);
    r.host = q.column_text(1);
    r.gpu = static_cast<int>(q.column_int(2));
    r.uuid = q.column_text(3);
    r.busy = q.column_double(4);
    r.memory_used = q.column_int(5);
    r.memory_total = q.column_int(6);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sv::store
