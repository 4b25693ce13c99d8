// The gpu_samples table: GPU busy fraction and memory over time, per host and GPU. It is created by the
// first write rather than with the schema, so a store of a run that saw no GPU has no such table, and a
// store made before the table existed gains it on resume; readers treat "no table" as "no samples".
#include "store/schema.hpp"
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
    insert.bind_row(r.time, r.host, r.gpu, r.uuid, r.busy, r.memory_used, r.memory_total);
    insert.execute();
  }
  tx.commit();
}

std::vector<GpuSampleRow> Store::gpu_samples() const {
  if (!detail::has_table(conn(), path_, "gpu_samples")) return {};
  Statement q(conn(), path_,
              "SELECT time, host, gpu, uuid, busy, memory_used, memory_total FROM gpu_samples ORDER BY time, id");
  return detail::read_rows(q, [](const Statement& r) {
    return GpuSampleRow{r.column_double(0), r.column_text(1), static_cast<int>(r.column_int(2)), r.column_text(3),
                        r.column_double(4), r.column_int(5),  r.column_int(6)};
  });
}

}  // namespace sv::store
