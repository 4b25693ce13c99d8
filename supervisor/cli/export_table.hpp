// Export tables: a run's tasks and per-epoch metrics as flat rows, the shape `supervisor export` writes as
// CSV or JSON. Terms: a *column* is a name; a *cell* is a JSON value (null = empty). Task parameters become
// `param.<key>` columns and the scalar fields of a task's result `result.<key>` columns, in the order the
// keys first appear; nested parameter values stay JSON (text in CSV).
#pragma once
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/json_util.hpp"
#include "store/store.hpp"

namespace sv::cli {

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<core::Json>> rows;  // each as long as columns
};

/// Task id -> the devices (GPUs) its latest attempt ran on, as Store::task_devices gives them.
using TaskDevices = std::unordered_map<std::int64_t, std::string>;

/// One row per task: task_id, node_id, status, objective, attempts, worker, host, device (null = none
/// known), model, submit_time, dispatch_time, start_time, end_time (seconds since the Unix epoch; null =
/// not yet), duration_s, error (its first line), then param.* and result.* columns.
Table tasks_table(const std::vector<store::TaskRow>& tasks, const TaskDevices& devices = {});

/// One row per reported epoch: task_id, node_id, attempt, epoch, time, then one column per metric name
/// (prefixed `metric.` only where a name would clash with those five; an `epoch` metric equal to the row's
/// epoch, as ctx.report sends it, is not repeated).
Table metrics_table(const std::vector<store::MetricRow>& metrics);

/// A cell as CSV text: RFC 4180 quoting (fields holding a comma, quote, CR or LF, or leading or trailing
/// space, are quoted, quotes doubled), null as empty, numbers in shortest round-trip form, containers as JSON.
std::string csv_field(const core::Json& cell);
void write_csv(std::ostream& out, const Table& table);

/// The table as a JSON array of objects (column -> cell), keys in column order.
nlohmann::ordered_json table_json(const Table& table);

}  // namespace sv::cli
