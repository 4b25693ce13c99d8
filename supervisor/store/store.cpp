// Store lifecycle: creating a run store, opening an existing one, closing it. Buffered writes are in
// store_write.cpp, reads in store_read.cpp.
#include "store/store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <utility>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "store/flush_statements.hpp"
#include "store/schema.hpp"
#include "store/statement.hpp"

namespace sv::store {
namespace {

using detail::check;

/// Owns a connection until it is handed to a Store, so every early throw closes it.
struct Connection {
  sqlite3* db = nullptr;
  ~Connection() { sqlite3_close_v2(db); }
  sqlite3* release() { return std::exchange(db, nullptr); }
};

void open_connection(Connection& conn, const std::string& path, int flags) {
  // SQLite counts every allocation under a global mutex unless told not to; nothing here reads those
  // counts. Only possible before SQLite initializes (later calls return SQLITE_MISUSE, harmlessly).
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  // NOMUTEX: a Store is used by one thread at a time (see store.hpp), so SQLite's own mutexes are waste.
  const int rc = sqlite3_open_v2(path.c_str(), &conn.db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string detail = conn.db ? sqlite3_errmsg(conn.db) : sqlite3_errstr(rc);
    throw core::StoreError(path + ": cannot open run store (" + detail + ")");
  }
  sqlite3_extended_result_codes(conn.db, 1);
  // Rank 0 writes while `supervisor status` reads: wait for the other's lock instead of failing at once.
  check(conn.db, sqlite3_busy_timeout(conn.db, detail::kBusyTimeoutMs), path, "busy_timeout");
}

/// Settings of a writing connection. synchronous=NORMAL in WAL mode loses at most the last commits on
/// power loss, never consistency; FULL would cost an fsync per flush. A 64 MiB page cache (a ceiling,
/// filled only as needed) keeps the task indexes of runs with millions of tasks in memory on rank 0.
void configure_writer(sqlite3* db, const std::string& path) {
  detail::exec(db, path, "PRAGMA synchronous = NORMAL");
  detail::exec(db, path, "PRAGMA cache_size = -65536");
  detail::exec(db, path, "PRAGMA wal_autocheckpoint = 10000");
}

void remove_store_files(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path + suffix).c_str());
}

/// PRAGMA quick_check: O(size) but skips the slow index cross-checks of integrity_check.
void quick_check(sqlite3* db, const std::string& path) {
  detail::Statement check_stmt(db, path, "PRAGMA quick_check");
  if (!check_stmt.step()) return;
  const std::string first = check_stmt.column_text(0);
  if (first == "ok") return;
  throw core::StoreError(path + ": not a Supervisor run store (corrupted: " + first +
                         "); restore it from a backup or start a new run");
}

}  // namespace

const char* to_string(TaskStatus s) {
  switch (s) {
    case TaskStatus::pending: return "pending";
    case TaskStatus::running: return "running";
    case TaskStatus::done: return "done";
    case TaskStatus::failed: return "failed";
    case TaskStatus::canceled: return "canceled";
    case TaskStatus::pruned: return "pruned";
  }
  return "unknown";  // not reached for valid enum values
}

TaskStatus task_status_from_string(const std::string& s) {
  for (TaskStatus status : {TaskStatus::pending, TaskStatus::running, TaskStatus::done, TaskStatus::failed,
                            TaskStatus::canceled, TaskStatus::pruned}) {
    if (s == to_string(status)) return status;
  }
  throw core::StoreError("unknown task status '" + s +
                         "' (expected pending, running, done, failed, canceled or pruned)");
}

std::unique_ptr<Store> Store::create(const std::string& path, const RunInfo& run) {
  // O_EXCL makes "must not exist" atomic: two supervisors started on one run directory cannot both
  // believe they created it. SQLite treats the empty file as an empty database.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) {
      throw core::StoreError(path + ": a run store already exists here; resume that run or choose a new "
                                    "output directory");
    }
    throw core::StoreError(path + ": cannot create run store (" + std::strerror(errno) + ")");
  }
  ::close(fd);

  try {
    Connection conn;
    open_connection(conn, path, SQLITE_OPEN_READWRITE);
    // WAL lets readers (status, report) run while rank 0 writes. journal_mode answers with the mode it
    // got: a filesystem without shared-memory support keeps "delete", and readers would then block.
    detail::Statement wal(conn.db, path, "PRAGMA journal_mode = WAL");
    if (wal.step() && wal.column_text(0) != "wal") {
      std::cerr << "supervisor: warning: " << path << ": the filesystem does not support WAL (journal mode '"
                << wal.column_text(0) << "'); `supervisor status` will wait while the run writes\n";
    }
    wal.reset();
    configure_writer(conn.db, path);
    detail::create_schema(conn.db, path);

    const double now = core::wall_now();
    detail::Statement insert(conn.db, path,
                             "INSERT INTO runs(id, name, workflow, spec_text, spec_hash, spec_path, out_dir, "
                             "status, created, updated) VALUES(1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    // A run without explicit status or creation time is starting now.
    const std::string status = run.status.empty() ? "running" : run.status;
    const double created = run.created != 0 ? run.created : now;
    insert.bind_text(1, run.name);
    insert.bind_text(2, run.workflow);
    insert.bind_text(3, run.spec_text);
    insert.bind_text(4, run.spec_hash);
    insert.bind_text(5, run.spec_path);
    insert.bind_text(6, run.out_dir);
    insert.bind_text(7, status);
    insert.bind_double(8, created);
    insert.bind_double(9, run.updated != 0 ? run.updated : created);
    insert.execute();
    return std::unique_ptr<Store>(new Store(conn.release(), path, true));
  } catch (...) {
    // A half-made store would make the retry fail with "already exists"; the connection is closed by now.
    remove_store_files(path);
    throw;
  }
}

std::unique_ptr<Store> Store::open(const std::string& path, OpenMode mode) {
  // Checked here because SQLite's own message for a missing file is only "unable to open database file".
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      throw core::StoreError(path + ": no such run store; check the run directory (a run's store is "
                                    "created by `supervisor run`)");
    }
    throw core::StoreError(path + ": cannot open run store (" + std::strerror(errno) + ")");
  }
  if (S_ISDIR(st.st_mode)) throw core::StoreError(path + ": is a directory, not a run store file");

  const bool writable = mode == OpenMode::read_write;
  Connection conn;
  open_connection(conn, path, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
  const int version = detail::read_schema_version(conn.db, path);
  detail::check_schema_version(version, path);
  if (writable) {
    configure_writer(conn.db, path);
    // Only the writer pays for this: a resume must not build on a damaged file, while `status` (a
    // read_only open, possibly every few seconds) should stay instant on large stores.
    quick_check(conn.db, path);
    // The writer brings an older store up to date; a reader never changes the file and reads it as it is.
    detail::migrate_schema(conn.db, path, version);
  }
  return std::unique_ptr<Store>(new Store(conn.release(), path, writable));
}

Store::Store(sqlite3* db, std::string path, bool writable)
    : db_(db),
      path_(std::move(path)),
      writable_(writable),
      has_result_seq_(detail::has_column(db_, path_, "tasks", "result_seq")) {}

Store::~Store() {
  if (committer_.joinable()) committer_.join();
  if (writable_ && (pending_writes() > 0 || commit_error_)) {
    const bool told = failure_reported_;
    try {
      flush();
    } catch (const std::exception& e) {
      // A destructor cannot throw. When the caller already had these writes' failure (and says so), a second
      // line would only repeat it; otherwise this is the one place the loss can be told.
      if (!told)
        std::cerr << "supervisor: " << e.what() << " (" << pending_writes()
                  << " buffered writes were never committed: the store was closed before a flush)\n";
    }
  }
  flush_stmts_.reset();  // statements must be finalized before the connection can really close
  sqlite3_close_v2(db_);
}

void Store::exec(const char* sql) { detail::exec(conn(), path_, sql); }

void Store::require_writable(const char* operation) const {
  if (!writable_) {
    throw core::StoreError(path_ + ": " + operation + " on a store opened read-only; only the run's " +
                           "supervisor (rank 0) writes its store");
  }
}

}  // namespace sv::store
