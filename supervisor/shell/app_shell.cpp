// The only file that includes Boost.Process (heavy; see ../shared/TOOLCHAIN.md).
#include "shell/app_shell.hpp"

#include <boost/process.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <csignal>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/json_util.hpp"
#include "shell/child_exit.hpp"
#include "shell/task_files.hpp"

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace sv::shell {

std::string substitute_placeholders(const std::string& arg, const core::Json& values) {
  std::string out;
  for (std::size_t i = 0; i < arg.size(); ++i) {
    char c = arg[i];
    if (c == '{' && i + 1 < arg.size() && arg[i + 1] == '{') {
      out.push_back('{');
      ++i;
    } else if (c == '}' && i + 1 < arg.size() && arg[i + 1] == '}') {
      out.push_back('}');
      ++i;
    } else if (c == '{') {
      auto close = arg.find('}', i);
      if (close == std::string::npos)
        throw core::ModelError("model.command: unclosed '{' in argument '" + arg + "' (write {{ for a brace)");
      std::string name = arg.substr(i + 1, close - i - 1);
      auto it = values.find(name);
      if (it == values.end())
        throw core::ModelError("model.command: argument '" + arg + "' names {" + name +
                               "}, which is neither a parameter nor a task field");
      out += it->is_string() ? it->get<std::string>() : it->dump();
      i = close;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string last_line(const std::string& text) {
  std::size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  std::size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

std::string tail(const std::string& text, std::size_t max_bytes) {
  return text.size() <= max_bytes ? text : "..." + text.substr(text.size() - max_bytes);
}

// An app reports epochs by appending JSON lines ({"epoch": 3, "val_loss": 0.2}) to $SV_PROGRESS_FILE;
// the shell forwards each complete line while the app runs, as ctx.report() does for Python, so an app
// can be pruned (and its rows land in the metrics table).
class ProgressFile {
 public:
  ProgressFile(fs::path path, std::uint64_t task_id, const ProgressSink& sink)
      : path_(std::move(path)), task_id_(task_id), sink_(sink) {
    std::ofstream(path_, std::ios::trunc);  // a retry starts a fresh file
  }
  /// Forwards the lines completed since the last call.
  void poll() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return;
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t start = 0, nl;
    while ((nl = chunk.find('\n', start)) != std::string::npos) {
      forward(chunk.substr(start, nl - start));
      start = nl + 1;
    }
    offset_ += start;  // a partial last line waits for its newline
  }
  /// The forwarded rows as columns (the `history` of a result), for a stopped app's value reached.
  core::Json history() const {
    core::Json cols = core::Json::object();
    for (std::size_t i = 0; i < rows_.size(); ++i)
      for (auto it = rows_[i].begin(); it != rows_[i].end(); ++it) {
        core::Json& col = cols[it.key()];
        while (col.size() < i) col.push_back(nullptr);
        col.push_back(it.value());
      }
    return cols;
  }

 private:
  void forward(const std::string& line) {
    core::Json row = core::parse_result_json(line);
    auto epoch = row.is_object() ? row.find("epoch") : row.end();
    if (!row.is_object() || epoch == row.end() || !epoch->is_number()) return;  // not a report: ignored
    rows_.push_back(row);
    if (sink_) sink_(task_id_, row.dump());
  }
  fs::path path_;
  std::uint64_t task_id_;
  const ProgressSink& sink_;
  std::size_t offset_ = 0;
  std::vector<core::Json> rows_;
};

class AppShell : public Shell {
 public:
  AppShell(const ShellConfig& config, ProgressSink progress) : config_(config), progress_(std::move(progress)) {}

  core::TaskResult run(const core::TaskInput& task) override {
    return timed_outcome([&](core::TaskResult& out) { run_app(task, out); });
  }

 private:
  void run_app(const core::TaskInput& task, core::TaskResult& out) {
    const spec::ModelSpec& model = config_.models.at(task.model);
    core::Json params = core::merge_params(model.defaults, core::Json::parse(task.params));
    fs::path dir = task_dir(config_.run_dir, task.node_id);
    fs::create_directories(dir);
    fs::path params_file = dir / "params.json";
    write_text_atomic(params_file, params.dump(2) + "\n");

    core::Json values = params;
    values["task_dir"] = dir.string();
    values["node_id"] = std::string(task.node_id);
    values["task_id"] = task.task_id;
    values["attempt"] = task.attempt;
    values["params_file"] = params_file.string();
    values["workflow_dir"] = config_.source_dir;
    std::vector<std::string> argv;
    for (const auto& a : model.command) argv.push_back(substitute_placeholders(a, values));

    fs::path exe = resolve_executable(argv.at(0));
    argv.erase(argv.begin());

    bp::environment env = boost::this_process::environment();
    for (const auto& [k, v] : model.env) env[k] = v;
    env["SV_TASK_DIR"] = dir.string();
    env["SV_NODE_ID"] = std::string(task.node_id);
    env["SV_PARAMS_FILE"] = params_file.string();
    env["SV_ATTEMPT"] = std::to_string(task.attempt);
    ProgressFile progress(dir / "progress.jsonl", task.task_id, progress_);
    env["SV_PROGRESS_FILE"] = (dir / "progress.jsonl").string();

    fs::path cwd = model.cwd.empty() ? dir : fs::path(config_.source_dir) / model.cwd;
    fs::path out_path = dir / "stdout.log", err_path = dir / "stderr.log";

    bp::group group;  // the app and everything it starts, so a timeout ends them all
    bp::child child(exe.string(), bp::args(argv), bp::start_dir(cwd.string()), bp::std_in < bp::null,
                    bp::std_out > out_path.string(), bp::std_err > err_path.string(), env, group);
    Ended ended = wait(child, group, model, task.task_id, progress);
    progress.poll();  // what it wrote last
    int code = child.exit_code();
    std::string stdout_text = read_file(out_path);

    if (ended == Ended::stopped) {
      out.outcome = core::Outcome::failed;  // ShellSet::run records it as pruned, with the value its reports reached
      out.result = core::Json{{"history", progress.history()}}.dump();
      out.error = "stopped at the server's request (pruned)\n\nstderr tail:\n" + tail(read_file(err_path), 2000);
      return;
    }
    if (ended == Ended::timed_out) {
      out.outcome = core::Outcome::failed;
      out.error = "app timed out after " + core::format_duration(model.timeout_s) +
                  " and was killed (model.timeout)\n\nstderr tail:\n" + tail(read_file(err_path), 2000);
      return;
    }
    if (code != 0) {
      out.outcome = core::Outcome::failed;
      out.error = "app exited with status " + std::to_string(code) + " (logs in " + dir.string() +
                  ")\n\nstderr tail:\n" + tail(read_file(err_path), 2000);
      return;
    }
    std::string text = model.result_file.empty() ? last_line(stdout_text) : read_file(dir / model.result_file);
    core::Json result = core::parse_result_json(text);  // NaN as Python's json.dumps writes it
    if (result.is_discarded() || !(result.is_object() || result.is_number())) {
      out.outcome = core::Outcome::failed;
      out.error = model.result_file.empty()
                      ? "app's last stdout line is not a JSON object or number: '" + tail(text, 200) + "'"
                      : "app's result file " + model.result_file + " does not hold a JSON object or number";
      return;
    }
    // One rule for every model kind (core::pick_objective): objective.mode, and NaN / inf = a failed task.
    auto picked = core::pick_objective(result, config_.objective.metric, config_.objective.mode);
    if (result.is_number()) result = core::Json{{config_.objective.metric, result}};
    out.result = result.dump();
    if (!picked.value) {
      out.outcome = core::Outcome::failed;
      out.error = picked.error + " (the app's result)";
      return;
    }
    out.objective = picked.value;
    if (model.task_files) write_text_atomic(dir / "result.json", result.dump(2) + "\n");
  }

  fs::path resolve_executable(const std::string& name) const {
    if (name.find('/') == std::string::npos) {
      fs::path p = bp::search_path(name).string();
      if (p.empty()) throw core::ModelError("model.command: '" + name + "' not found on PATH");
      return p;
    }
    fs::path p = name;
    if (p.is_relative()) p = fs::path(config_.source_dir) / p;
    if (!fs::exists(p)) throw core::ModelError("model.command: '" + p.string() + "' does not exist");
    return p;
  }

  enum class Ended { exited, timed_out, stopped };

  // Waits for the app. Past its timeout it is killed with its process group (timed_out). Asked to stop
  // (pruning: request_task_stop), the group gets model.stop_signal, then SIGKILL after model.stop_grace_s
  // (stopped), so an app that traps the signal can save its state first.
  static Ended wait(bp::child& child, bp::group& group, const spec::ModelSpec& model, std::uint64_t task_id,
                    ProgressFile& progress) {
    double deadline = model.timeout_s > 0 ? core::mono_now() + model.timeout_s : -1;
    double kill_at = -1;  // set once the stop signal went out
    const ChildExit exit(child.id());  // naps end when the app does, not up to 20 ms later
    auto nap = std::chrono::microseconds(200);
    while (child.running()) {
      double now = core::mono_now();
      if ((deadline >= 0 && now >= deadline) || (kill_at >= 0 && now >= kill_at)) {
        std::error_code ec;
        group.terminate(ec);
        child.wait(ec);
        return kill_at >= 0 ? Ended::stopped : Ended::timed_out;
      }
      if (kill_at < 0 && task_stop_requested(task_id)) {
        ::killpg(group.native_handle(), model.stop_signal);
        kill_at = now + model.stop_grace_s;
      }
      exit.nap(nap);
      if (nap < std::chrono::milliseconds(20)) nap *= 2;
      progress.poll();
    }
    return kill_at >= 0 ? Ended::stopped : Ended::exited;
  }

  ShellConfig config_;
  ProgressSink progress_;
};

}  // namespace

std::unique_ptr<Shell> make_app_shell(const ShellConfig& config, ProgressSink progress) {
  return std::make_unique<AppShell>(config, std::move(progress));
}

}  // namespace sv::shell
