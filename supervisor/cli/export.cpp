// `supervisor export RUN_DIR --format csv|json [--out FILE]`: a run's tasks (one row each, parameters
// flattened into columns) and per-epoch metrics, for pandas, R or a spreadsheet. Reads the store read-only,
// so it works while the run is going.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/export_table.hpp"
#include "core/errors.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;

namespace sv::cli {

namespace {

/// Where the metrics table goes beside the tasks file: metrics.csv next to tasks.csv, else
/// NAME-metrics.EXT next to NAME.EXT.
fs::path metrics_path_for(const fs::path& tasks_file) {
  if (tasks_file.filename() == "tasks.csv") return tasks_file.parent_path() / "metrics.csv";
  return tasks_file.parent_path() / (tasks_file.stem().string() + "-metrics" + tasks_file.extension().string());
}

/// Writes through a temporary file renamed into place, so a reader never sees half an export.
template <class Write>
void write_file(const fs::path& path, Write&& write) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw core::UsageError(path.string() + ": cannot write the export (is the folder there and writable?)");
    write(out);
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw core::UsageError(path.string() + ": writing the export failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw core::UsageError(path.string() + ": cannot write the export (" + ec.message() + ")");
}

}  // namespace

int cmd_export(const ExportArgs& args) {
  if (!fs::is_directory(args.run_dir)) throw core::UsageError(args.run_dir + ": no such run directory");
  const std::string db = store_path(args.run_dir);
  if (!fs::exists(db)) throw core::UsageError(args.run_dir + ": not a run directory (no supervisor.db inside)");
  if (args.format != "csv" && args.format != "json")
    throw core::UsageError("--format " + args.format + ": expected csv or json");
  auto store = store::Store::open(db, store::OpenMode::read_only);
  const store::RunInfo run = store->run();
  const Table tasks = tasks_table(store->tasks(), store->task_devices());
  const Table metrics = metrics_table(store->metrics());
  const bool to_stdout = args.out == "-";

  if (args.format == "json") {
    nlohmann::ordered_json doc;
    doc["run"] = {{"name", run.name},       {"workflow", run.workflow}, {"status", run.status},
                  {"created", run.created}, {"updated", run.updated},   {"dir", args.run_dir}};
    doc["columns"] = {{"tasks", tasks.columns}, {"metrics", metrics.columns}};
    doc["tasks"] = table_json(tasks);
    doc["metrics"] = table_json(metrics);
    if (to_stdout) {
      std::cout << doc.dump() << '\n';
      return 0;
    }
    fs::path out = args.out.empty() ? fs::path(args.run_dir) / "export.json" : fs::path(args.out);
    write_file(out, [&doc](std::ostream& o) { o << doc.dump(1) << '\n'; });
    std::printf("wrote %zu tasks and %zu metric rows to %s\n", tasks.rows.size(), metrics.rows.size(),
                out.string().c_str());
    return 0;
  }

  if (to_stdout) {  // one table fits a pipe: the tasks
    write_csv(std::cout, tasks);
    std::cout.flush();
    return 0;
  }
  fs::path out = args.out.empty() ? fs::path(args.run_dir) / "tasks.csv" : fs::path(args.out);
  fs::path metrics_out = metrics_path_for(out);
  write_file(out, [&tasks](std::ostream& o) { write_csv(o, tasks); });
  write_file(metrics_out, [&metrics](std::ostream& o) { write_csv(o, metrics); });
  std::printf("wrote %zu tasks to %s and %zu metric rows to %s\n", tasks.rows.size(), out.string().c_str(),
              metrics.rows.size(), metrics_out.string().c_str());
  return 0;
}

}  // namespace sv::cli
