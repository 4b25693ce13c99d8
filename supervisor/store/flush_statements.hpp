// The prepared statements flush() runs, kept by the Store across flushes: preparing (parsing, planning)
// a statement costs more than executing it once, and flush() is the store's hot path.
#pragma once
#include <string>

#include "store/statement.hpp"

namespace sv::store::detail {

struct FlushStatements {
  FlushStatements(sqlite3* db, const std::string& path);

  Statement upsert_task;        // a task with its params (first write)
  Statement update_task_state;  // a task's state, its params already written
  Statement insert_metric;
  Statement insert_event;
  Statement touch_run;  // updated time, and status when one is buffered
};

}  // namespace sv::store::detail
