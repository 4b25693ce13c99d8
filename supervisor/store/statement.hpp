// Thin RAII layer over the SQLite C API for the store: `check` turns a return code into a StoreError
// naming the store's path, `Statement` owns one prepared statement, `Transaction` rolls back unless
// committed. Internal to the store component (not installed, not included by other components).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace sv::store::detail {

/// Throws StoreError "PATH: WHAT: <sqlite message>" unless rc is SQLITE_OK, SQLITE_ROW or SQLITE_DONE.
/// Busy/locked codes get a message that says who to look for, since busy_timeout has already waited.
void check(sqlite3* db, int rc, const std::string& path, const char* what);

/// Runs SQL that returns no rows the caller needs (schema, pragmas, BEGIN/COMMIT).
void exec(sqlite3* db, const std::string& path, const char* sql);

/// How long a connection waits on another connection's lock before giving up.
inline constexpr int kBusyTimeoutMs = 5000;

enum class Lifetime { once, cached };

/// One prepared statement. Parameters are 1-based and columns 0-based, as in SQLite. Text is bound
/// without a copy (SQLITE_STATIC): the caller keeps the string alive until the statement is reset.
class Statement {
 public:
  /// `cached` hints SQLite that the statement will be reused across many flushes.
  Statement(sqlite3* db, const std::string& path, const char* sql, Lifetime lifetime = Lifetime::once);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind_int(int index, std::int64_t value);
  void bind_double(int index, double value);
  void bind_text(int index, const std::string& value);
  void bind_static_text(int index, const char* value);  // a string literal or other static storage
  void bind_optional(int index, const std::optional<double>& value);  // nullopt -> NULL
  void bind_null(int index);

  /// Advances one row: true while a row is available, false when done; throws on error.
  bool step();
  /// Runs a statement that returns no rows, then resets it for the next use (also when it fails).
  void execute();
  void reset();

  std::int64_t column_int(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;  // NULL reads as ""
  std::optional<double> column_optional(int column) const;

  /// Binds `values` to parameters 1, 2, ... by type (integers, double, std::string, optional<double>):
  /// one call per row for an INSERT whose parameters follow a row struct's fields.
  template <class... Values>
  void bind_row(const Values&... values) {
    int index = 0;
    (bind_value(++index, values), ...);
  }

 private:
  template <class T>
  void bind_value(int index, const T& value) {
    if constexpr (std::is_same_v<T, std::string>) {
      bind_text(index, value);
    } else if constexpr (std::is_same_v<T, std::optional<double>>) {
      bind_optional(index, value);
    } else if constexpr (std::is_floating_point_v<T>) {
      bind_double(index, value);
    } else {
      static_assert(std::is_integral_v<T>, "bind_row binds integers, doubles, strings and optional doubles");
      bind_int(index, static_cast<std::int64_t>(value));
    }
  }
  sqlite3* db_;
  std::string path_;  // for error messages
  sqlite3_stmt* stmt_ = nullptr;
};

/// Steps `q` to its end and returns read(q) for each row: the loop of every multi-row read.
template <class Read>
auto read_rows(Statement& q, Read read) {
  std::vector<std::decay_t<decltype(read(q))>> rows;
  while (q.step()) rows.push_back(read(q));
  return rows;
}

/// `BEGIN IMMEDIATE` on construction (takes the write lock up front, so a read-then-write never fails
/// with "database is locked" halfway); ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  sqlite3* db_;
  std::string path_;
  bool done_ = false;
};

}  // namespace sv::store::detail
