// Helpers shared by the store tests: a temporary directory per test, sample rows, and direct SQLite access
// for setting up files the Store itself would never write (foreign databases, newer versions, locks).
#pragma once
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "store/store.hpp"

namespace sv::store::test {

/// A fresh directory under /tmp, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sv_store_test_XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline RunInfo sample_run() {
  RunInfo run;
  run.name = "hpo-test";
  run.workflow = "hpo";
  run.spec_text = "workflow: hpo\nmodel: {kind: python}\n";
  run.spec_hash = "abc123";
  run.spec_path = "/home/user/hpo.yaml";
  run.out_dir = "/home/user/runs/hpo-test";
  run.status = "running";
  run.created = 1000.5;
  run.updated = 1000.5;
  return run;
}

inline TaskRow sample_task(std::int64_t id, TaskStatus status = TaskStatus::pending,
                           std::optional<double> objective = std::nullopt) {
  TaskRow t;
  t.id = id;
  t.node_id = "1." + std::to_string(id);
  t.model = "mnist";
  t.params = "{\"lr\":0.0" + std::to_string(id) + "}";
  t.params_hash = "h" + std::to_string(id);
  t.status = status;
  t.objective = objective;
  return t;
}

/// A plain SQLite connection, for doing to a store file what the Store API does not allow.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : "?";
      sqlite3_free(error);
      throw std::runtime_error(sql + ": " + message);
    }
  }
  std::int64_t scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    std::int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace sv::store::test
