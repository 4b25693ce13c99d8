#include "store/statement.hpp"

#include <sqlite3.h>

#include "core/errors.hpp"

namespace sv::store::detail {
namespace {

// A statement's opening words ("INSERT INTO tasks"), enough to say in an error which write failed
// without pasting a 16-column upsert into a message a user reads.
std::string label(sqlite3_stmt* stmt) {
  const std::string sql = stmt ? sqlite3_sql(stmt) : "";
  std::string out = sql.substr(0, sql.find_first_of("(\n"));
  if (out.size() > 60) out = out.substr(0, 57) + "...";
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

void check(sqlite3* db, int rc, const std::string& path, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  // errmsg describes the latest failed call on this connection, which is the one being checked.
  const std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {  // primary code; the extended bits only refine it
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw core::StoreError(path + ": the run store is locked by another process (waited " +
                             std::to_string(kBusyTimeoutMs / 1000) + " s: " + detail +
                             "); is another supervisor writing this run?");
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      throw core::StoreError(path + ": not a Supervisor run store (" + detail + ")");
    case SQLITE_READONLY:
      throw core::StoreError(path + ": " + what + ": " + detail +
                             "; check the permissions of the file and its directory");
    default:
      throw core::StoreError(path + ": " + what + ": " + detail);
  }
}

void exec(sqlite3* db, const std::string& path, const char* sql) {
  check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr), path, sql);
}

// --- Statement ---

Statement::Statement(sqlite3* db, const std::string& path, const char* sql, Lifetime lifetime)
    : db_(db), path_(path) {
  const unsigned flags = lifetime == Lifetime::cached ? SQLITE_PREPARE_PERSISTENT : 0;
  check(db_, sqlite3_prepare_v3(db_, sql, -1, flags, &stmt_, nullptr), path_, sql);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind_int(int index, std::int64_t value) {
  check(db_, sqlite3_bind_int64(stmt_, index, value), path_, "bind");
}

void Statement::bind_double(int index, double value) {
  check(db_, sqlite3_bind_double(stmt_, index, value), path_, "bind");
}

void Statement::bind_text(int index, const std::string& value) {
  check(db_, sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC),
        path_, "bind");
}

void Statement::bind_static_text(int index, const char* value) {
  check(db_, sqlite3_bind_text(stmt_, index, value, -1, SQLITE_STATIC), path_, "bind");
}

void Statement::bind_optional(int index, const std::optional<double>& value) {
  if (value) {
    bind_double(index, *value);
  } else {
    bind_null(index);
  }
}

void Statement::bind_null(int index) { check(db_, sqlite3_bind_null(stmt_, index), path_, "bind"); }

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  check(db_, rc, path_, label(stmt_).c_str());
  return false;  // not reached: check throws on every other code
}

void Statement::execute() {
  const int rc = sqlite3_step(stmt_);
  // Reset before reporting so a cached statement is reusable (and holds no lock) after a failure.
  sqlite3_reset(stmt_);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) check(db_, rc, path_, label(stmt_).c_str());
}

void Statement::reset() { sqlite3_reset(stmt_); }

std::int64_t Statement::column_int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::column_double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
}

std::optional<double> Statement::column_optional(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(stmt_, column);
}

// --- Transaction ---

Transaction::Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) {
  exec(db_, path_, "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  // Also reached after a failed COMMIT, which can leave the transaction open. Errors are ignored: a
  // destructor cannot throw, and after some errors SQLite has already rolled back by itself.
  if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  exec(db_, path_, "COMMIT");
  done_ = true;
}

}  // namespace sv::store::detail
