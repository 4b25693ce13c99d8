// Export tables: flat columns from tasks and metrics, and CSV text that a CSV reader gives back unchanged.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "cli/export_table.hpp"

using sv::cli::csv_field;
using sv::cli::metrics_table;
using sv::cli::table_json;
using sv::cli::tasks_table;
using sv::core::Json;
using sv::store::MetricRow;
using sv::store::TaskRow;
using sv::store::TaskStatus;

namespace {

TaskRow task(std::int64_t id, const std::string& params, TaskStatus status = TaskStatus::done) {
  TaskRow t;
  t.id = id;
  t.node_id = std::to_string(id);
  t.model = "m";
  t.params = params;
  t.status = status;
  t.attempts = 1;
  t.worker = 1;
  t.host = "h";
  t.submit_time = 10;
  t.dispatch_time = 11;
  t.start_time = 12;
  t.end_time = 14.5;
  return t;
}

std::size_t column(const sv::cli::Table& t, const std::string& name) {
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i] == name) return i;
  FAIL("no column " << name);
  return 0;
}

}  // namespace

TEST_CASE("csv_field quotes only what needs quoting and doubles quotes", "[cli][export]") {
  CHECK(csv_field(Json(nullptr)).empty());
  CHECK(csv_field(Json("plain")) == "plain");
  CHECK(csv_field(Json("a,b")) == "\"a,b\"");
  CHECK(csv_field(Json("say \"hi\"")) == "\"say \"\"hi\"\"\"");
  CHECK(csv_field(Json("two\nlines")) == "\"two\nlines\"");
  CHECK(csv_field(Json("cr\rhere")) == "\"cr\rhere\"");
  CHECK(csv_field(Json(" padded")) == "\" padded\"");
  CHECK(csv_field(Json(3)) == "3");
  CHECK(csv_field(Json(0.1)) == "0.1");
  CHECK(csv_field(Json(true)) == "true");
  CHECK(csv_field(Json::parse(R"([64,32])")) == "\"[64,32]\"");
  CHECK(csv_field(Json::parse(R"({"a":1})")) == "\"{\"\"a\"\":1}\"");
}

TEST_CASE("tasks_table flattens parameters and scalar results into columns", "[cli][export]") {
  auto a = task(1, R"({"lr":0.01,"layers":[64,32],"act":"relu"})");
  a.objective = 0.5;
  a.result = R"({"val_loss":0.5,"history":{"loss":[1,0.5]}})";
  auto b = task(2, R"({"lr":0.1,"dropout":0.2})", TaskStatus::failed);
  b.error = "ValueError: bad\nTraceback (most recent call last):\n  ...";
  b.worker = -1;
  b.start_time = 0;
  b.end_time = 0;
  auto t = tasks_table({a, b});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.columns.front() == "task_id");
  CHECK(t.rows[0][column(t, "param.lr")] == 0.01);
  CHECK(t.rows[0][column(t, "param.layers")] == Json::parse("[64,32]"));
  CHECK(t.rows[0][column(t, "param.act")] == "relu");
  CHECK(t.rows[0][column(t, "param.dropout")].is_null());
  CHECK(t.rows[1][column(t, "param.dropout")] == 0.2);
  CHECK(t.rows[0][column(t, "result.val_loss")] == 0.5);
  for (const auto& c : t.columns) CHECK(c != "result.history");  // nested results stay in the store
  CHECK(t.rows[0][column(t, "duration_s")] == 2.5);
  CHECK(t.rows[0][column(t, "objective")] == 0.5);
  CHECK(t.rows[1][column(t, "objective")].is_null());
  CHECK(t.rows[1][column(t, "status")] == "failed");
  CHECK(t.rows[1][column(t, "error")] == "ValueError: bad");
  CHECK(t.rows[1][column(t, "worker")].is_null());
  CHECK(t.rows[1][column(t, "start_time")].is_null());
  CHECK(t.rows[1][column(t, "duration_s")].is_null());
  for (const auto& row : t.rows) CHECK(row.size() == t.columns.size());

  std::ostringstream csv;
  sv::cli::write_csv(csv, t);
  std::string text = csv.str();
  CHECK(text.rfind("task_id,node_id,status,objective,", 0) == 0);
  CHECK(text.find("\"[64,32]\"") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);

  auto json = table_json(t);
  CHECK(json.size() == 2);
  CHECK(json[0].begin().key() == "task_id");  // keys keep column order
  CHECK(json[0]["param.layers"] == nlohmann::ordered_json::parse("[64,32]"));
}

TEST_CASE("metrics_table has one column per metric, renamed only on a clash, the epoch not repeated", "[cli][export]") {
  MetricRow m1{1, "1", 1, 1, 100.0, R"({"epoch":1,"loss":0.9,"val_loss":1.0})"};
  MetricRow m2{1, "1", 1, 2, 101.0, R"({"loss":0.5,"epoch":7})"};
  auto t = metrics_table({m1, m2});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.columns == std::vector<std::string>{"task_id", "node_id", "attempt", "epoch", "time", "loss", "val_loss",
                                              "metric.epoch"});
  CHECK(t.rows[1][3] == 2);
  CHECK(t.rows[0][7].is_null());  // the epoch ctx.report repeats is left out
  CHECK(t.rows[1][7] == 7);       // a different "epoch" metric is kept, renamed
  CHECK(t.rows[1][6].is_null());
}
