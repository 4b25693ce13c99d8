#include "store/schema.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>

#include "core/errors.hpp"
#include "store/statement.hpp"
#include "store/store.hpp"

namespace sv::store::detail {
namespace {

// Version 3 (see migrate_schema for what changed since 1). Times are seconds since the Unix epoch, 0 meaning "not yet" (readers need no NULL case);
// only tasks.objective is NULL-able, because "no objective" differs from an objective of 0.
constexpr const char* kSchemaSql = R"sql(
CREATE TABLE meta(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE runs(
  id        INTEGER PRIMARY KEY,
  name      TEXT NOT NULL,
  workflow  TEXT NOT NULL,
  spec_text TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  spec_path TEXT NOT NULL,
  out_dir   TEXT NOT NULL,
  status    TEXT NOT NULL,
  created   REAL NOT NULL,
  updated   REAL NOT NULL);
CREATE TABLE sessions(
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  started REAL NOT NULL,
  ended   REAL NOT NULL,
  workers INTEGER NOT NULL,
  host    TEXT NOT NULL,
  job_id  TEXT NOT NULL,
  status  TEXT NOT NULL);
CREATE TABLE metrics(
  id      INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL,
  node_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  epoch   INTEGER NOT NULL,
  time    REAL NOT NULL,
  metrics TEXT NOT NULL);
CREATE TABLE events(
  id      INTEGER PRIMARY KEY,
  time    REAL NOT NULL,
  kind    TEXT NOT NULL,
  message TEXT NOT NULL);
CREATE INDEX metrics_node ON metrics(node_id);
)sql";

// The tasks table, apart from the rest because the 2 -> 3 migration makes it again under another name.
// The status CHECK keeps other writers (tools, hand edits) to the values TaskStatus can read back. It is
// written as comparisons, not `status IN (...)`: SQLite builds a temporary b-tree of an IN list each time it
// checks a row (two zeroed pages), a third of the store's work on a no-op sweep. Stores made with the IN form
// keep it (the same rule, only slower); tests/cpp/store/store_row_cost_test.cpp pins the cost.
std::string tasks_table_sql(const char* name) {
  return std::string("CREATE TABLE ") + name + "(" + R"sql(
  id            INTEGER PRIMARY KEY,
  node_id       TEXT NOT NULL,
  model         TEXT NOT NULL,
  params        TEXT NOT NULL,
  params_hash   TEXT NOT NULL,
  status        TEXT NOT NULL CHECK(status = 'pending' OR status = 'running' OR status = 'done' OR
                                status = 'failed' OR status = 'canceled' OR status = 'pruned'),
  attempts      INTEGER NOT NULL,
  worker        INTEGER NOT NULL,
  host          TEXT NOT NULL,
  submit_time   REAL NOT NULL,
  dispatch_time REAL NOT NULL,
  start_time    REAL NOT NULL,
  end_time      REAL NOT NULL,
  objective     REAL NULL,
  result        TEXT NOT NULL,
  error         TEXT NOT NULL,
  result_seq    INTEGER NOT NULL DEFAULT 0)sql" + ");";
}

// Indexes cost every task write, and the server writes a row per task (hundreds of thousands a second):
// node_id has none (the server keeps node ids unique; lookups by node are rare and scan), and the status
// index leaves out done tasks, the bulk of all writes; counts() gets the done count as total - the rest.
// (Stores made before this choice have a UNIQUE node_id and a full status index; both read the same.)
// Partial: pending and failed tasks (most writes) have no objective and so skip the objective index.
constexpr const char* kTasksIndexesSql = R"sql(
CREATE INDEX tasks_status ON tasks(status) WHERE status <> 'done';
CREATE INDEX tasks_objective ON tasks(objective) WHERE objective IS NOT NULL;
)sql";

// One row per batch job `supervisor submit` handed to a scheduler (the first, then each resubmission).
// Apart from the rest because a migration from version 1 creates it too.
constexpr const char* kSubmissionsSql = R"sql(
CREATE TABLE IF NOT EXISTS submissions(
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  time           REAL NOT NULL,
  scheduler      TEXT NOT NULL,
  job_id         TEXT NOT NULL,
  script         TEXT NOT NULL,
  site           TEXT NOT NULL,
  resubmits_left INTEGER NOT NULL);
)sql";

// Version 1 -> 2. Version 1 was extended in place while unreleased, so a version-1 store may lack
// tasks.result_seq (the order in which the server took final results, which a resume replays to the
// optimizer) and the submissions table. A store without result_seq gets it numbered from its final
// results in the order they ended (end_time, then id): the order a replay needs.
// (Version-1 stores may also have a UNIQUE node_id and a full status index; both read the same.)
constexpr const char* kAddResultSeqSql = R"sql(
ALTER TABLE tasks ADD COLUMN result_seq INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET result_seq = ranked.seq
  FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY end_time, id) AS seq
        FROM tasks WHERE status IN ('done', 'failed')) AS ranked
  WHERE tasks.id = ranked.id;
)sql";

// Version 2 -> 3: status `pruned`. SQLite cannot change a CHECK in place, so the tasks table is rebuilt
// with the version-3 definition (tasks_table_sql) and its rows copied as they are (ids, results and order
// kept); its two indexes are made again. (A version-1 UNIQUE node_id does not survive the copy; both read the same.)
constexpr const char* kCopyTasksSql = R"sql(
INSERT INTO tasks_v3(id, node_id, model, params, params_hash, status, attempts, worker, host, submit_time,
                     dispatch_time, start_time, end_time, objective, result, error, result_seq)
  SELECT id, node_id, model, params, params_hash, status, attempts, worker, host, submit_time,
         dispatch_time, start_time, end_time, objective, result, error, result_seq FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_v3 RENAME TO tasks;
)sql";
// Version 2 -> 3. Version 2 had an `artifacts` table that nothing in the product wrote or read (a task's
// weights and checkpoints are named in its result, `artifacts.weights`, which the weight hand-off reads):
// dropped, so the schema holds only what a run records. Its rows, if any tool wrote some, go with it.
constexpr const char* kDropArtifactsSql = "DROP TABLE IF EXISTS artifacts;";

void record_version(sqlite3* db, const std::string& path) {
  // The version is a compile-time integer, so formatting it into the pragma injects nothing.
  exec(db, path, ("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
  Statement meta(db, path, "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?1)");
  const std::string version = std::to_string(kSchemaVersion);
  meta.bind_text(1, version);
  meta.execute();
}

}  // namespace

void create_schema(sqlite3* db, const std::string& path) {
  Transaction tx(db, path);
  exec(db, path, kSchemaSql);
  exec(db, path, tasks_table_sql("tasks").c_str());
  exec(db, path, kTasksIndexesSql);
  exec(db, path, kSubmissionsSql);
  record_version(db, path);
  tx.commit();
}

bool has_column(sqlite3* db, const std::string& path, const char* table, const char* column) {
  Statement q(db, path, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2");
  q.bind_static_text(1, table);
  q.bind_static_text(2, column);
  return q.step();
}

bool has_table(sqlite3* db, const std::string& path, const char* table) {
  Statement q(db, path, "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1");
  q.bind_static_text(1, table);
  return q.step();
}

void migrate_schema(sqlite3* db, const std::string& path, int version) {
  if (version >= kSchemaVersion) return;
  Transaction tx(db, path);
  // Step by step, each version to the next; the whole chain commits or nothing does.
  if (version < 2) {
    if (!has_column(db, path, "tasks", "result_seq")) exec(db, path, kAddResultSeqSql);
    exec(db, path, kSubmissionsSql);
  }
  if (version < 3) {
    exec(db, path, kDropArtifactsSql);
    exec(db, path, tasks_table_sql("tasks_v3").c_str());
    exec(db, path, kCopyTasksSql);
    exec(db, path, kTasksIndexesSql);
  }
  record_version(db, path);
  tx.commit();
}

int read_schema_version(sqlite3* db, const std::string& path) {
  // Reading sqlite_master is the first real read of the file: a non-SQLite file fails here (NOTADB),
  // and check() turns that into "not a Supervisor run store".
  Statement has_meta(db, path, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  if (!has_meta.step()) {
    throw core::StoreError(path + ": not a Supervisor run store (an SQLite database without a meta table)");
  }
  Statement version(db, path, "SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version.step()) {
    throw core::StoreError(path + ": not a Supervisor run store (its meta table has no schema_version)");
  }
  const std::string text = version.column_text(0);
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < 1 || value > 1'000'000) {
    throw core::StoreError(path + ": not a Supervisor run store (schema_version '" + text +
                           "' is not a version number)");
  }
  return static_cast<int>(value);
}

void check_schema_version(int version, const std::string& path) {
  if (version > kSchemaVersion) {
    throw core::StoreError(path + ": store schema version " + std::to_string(version) +
                           " is newer than this supervisor understands (" + std::to_string(kSchemaVersion) +
                           "); use a newer supervisor");
  }
  // Older versions are readable as they are and migrated when opened for writing (migrate_schema).
}

}  // namespace sv::store::detail
