#include "cli/export_table.hpp"

#include <set>
#include <unordered_map>

namespace sv::cli {

namespace {

using core::Json;

Json time_cell(double t) { return t > 0 ? Json(t) : Json(nullptr); }

/// Columns named by keys as they first appear, each mapped to its position.
class KeyColumns {
 public:
  explicit KeyColumns(std::string prefix) : prefix_(std::move(prefix)) {}
  std::size_t index(const std::string& key) {
    auto [it, added] = index_.try_emplace(key, keys_.size());
    if (added) keys_.push_back(key);
    return it->second;
  }
  std::size_t size() const { return keys_.size(); }
  std::string name(std::size_t i) const { return prefix_ + keys_[i]; }

 private:
  std::string prefix_;
  std::vector<std::string> keys_;
  std::unordered_map<std::string, std::size_t> index_;
};

Json parse_or_text(const std::string& text) {
  if (text.empty()) return Json(nullptr);
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json(text) : j;
}

}  // namespace

Table tasks_table(const std::vector<store::TaskRow>& tasks, const TaskDevices& devices) {
  static const std::vector<std::string> fixed = {
      "task_id",       "node_id",    "status",   "objective",  "attempts",   "worker", "host", "device", "model",
      "submit_time", "dispatch_time", "start_time", "end_time", "duration_s", "error"};
  KeyColumns params("param."), results("result.");
  struct Cells {
    std::vector<std::pair<std::size_t, Json>> params, results;
  };
  std::vector<Cells> cells(tasks.size());
  // First pass: the union of keys (their columns), in first-seen order.
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    Json p = parse_or_text(tasks[i].params);
    if (p.is_object()) {
      for (auto& [k, v] : p.items()) cells[i].params.emplace_back(params.index(k), v);
    } else if (!p.is_null()) {
      cells[i].params.emplace_back(params.index("value"), p);
    }
    Json r = parse_or_text(tasks[i].result);
    if (r.is_object()) {
      for (auto& [k, v] : r.items())
        if (v.is_primitive()) cells[i].results.emplace_back(results.index(k), v);
    } else if (r.is_primitive() && !r.is_null()) {
      cells[i].results.emplace_back(results.index("value"), r);
    }
  }
  Table t;
  t.columns = fixed;
  for (std::size_t i = 0; i < params.size(); ++i) t.columns.push_back(params.name(i));
  for (std::size_t i = 0; i < results.size(); ++i) t.columns.push_back(results.name(i));
  const std::size_t p0 = fixed.size(), r0 = fixed.size() + params.size();
  t.rows.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const auto& task = tasks[i];
    std::vector<Json> row(t.columns.size(), Json(nullptr));
    double duration = task.start_time > 0 && task.end_time >= task.start_time ? task.end_time - task.start_time : -1;
    row[0] = task.id;
    row[1] = task.node_id;
    row[2] = store::to_string(task.status);
    row[3] = task.objective ? Json(*task.objective) : Json(nullptr);
    row[4] = task.attempts;
    row[5] = task.worker >= 0 ? Json(task.worker) : Json(nullptr);
    row[6] = task.host.empty() ? Json(nullptr) : Json(task.host);
    auto device = devices.find(task.id);
    row[7] = device == devices.end() || device->second.empty() ? Json(nullptr) : Json(device->second);
    row[8] = task.model;
    row[9] = time_cell(task.submit_time);
    row[10] = time_cell(task.dispatch_time);
    row[11] = time_cell(task.start_time);
    row[12] = time_cell(task.end_time);
    row[13] = duration >= 0 ? Json(duration) : Json(nullptr);
    row[14] = task.error.empty() ? Json(nullptr) : Json(task.error.substr(0, task.error.find('\n')));
    for (auto& [col, v] : cells[i].params) row[p0 + col] = std::move(v);
    for (auto& [col, v] : cells[i].results) row[r0 + col] = std::move(v);
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table metrics_table(const std::vector<store::MetricRow>& metrics) {
  static const std::vector<std::string> fixed = {"task_id", "node_id", "attempt", "epoch", "time"};
  const std::set<std::string> taken(fixed.begin(), fixed.end());
  KeyColumns keys("");
  std::vector<std::vector<std::pair<std::size_t, Json>>> cells(metrics.size());
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    Json m = parse_or_text(metrics[i].metrics);
    if (!m.is_object()) continue;
    for (auto& [k, v] : m.items()) {
      if (k == "epoch" && v == metrics[i].epoch) continue;  // ctx.report repeats the epoch among the metrics
      cells[i].emplace_back(keys.index(taken.count(k) ? "metric." + k : k), v);
    }
  }
  Table t;
  t.columns = fixed;
  for (std::size_t i = 0; i < keys.size(); ++i) t.columns.push_back(keys.name(i));
  t.rows.reserve(metrics.size());
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& m = metrics[i];
    std::vector<Json> row(t.columns.size(), Json(nullptr));
    row[0] = m.task_id;
    row[1] = m.node_id;
    row[2] = m.attempt;
    row[3] = m.epoch;
    row[4] = time_cell(m.time);
    for (auto& [col, v] : cells[i]) row[fixed.size() + col] = std::move(v);
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string csv_field(const Json& cell) {
  std::string text;
  if (cell.is_null()) return text;
  if (cell.is_string()) {
    text = cell.get<std::string>();
  } else {
    text = cell.dump();  // numbers in shortest round-trip form; objects and arrays as compact JSON
  }
  bool quote = text.find_first_of(",\"\r\n") != std::string::npos ||
               (!text.empty() && (text.front() == ' ' || text.back() == ' ' || text.front() == '\t'));
  if (!quote) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void write_csv(std::ostream& out, const Table& table) {
  for (std::size_t i = 0; i < table.columns.size(); ++i) out << (i ? "," : "") << csv_field(Json(table.columns[i]));
  out << '\n';
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << csv_field(row[i]);
    out << '\n';
  }
}

nlohmann::ordered_json table_json(const Table& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& row : table.rows) {
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < row.size(); ++i) obj[table.columns[i]] = row[i];
    rows.push_back(std::move(obj));
  }
  return rows;
}

}  // namespace sv::cli
