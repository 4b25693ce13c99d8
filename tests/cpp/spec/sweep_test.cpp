#include <catch2/catch.hpp>

#include "spec/parse.hpp"
#include "spec_test_util.hpp"

using sv::core::Json;
using namespace sv::spec;
using sv::spec::test::config_error;
using sv::spec::test::TempDir;

namespace {

const std::string kHead = "workflow: sweep\nmodel: {entry: m.n:f}\n";

std::vector<Json> expand(const std::string& sweep_yaml, const std::string& dir = "/tmp") {
  return expand_sweep(parse_workflow(kHead + sweep_yaml, "s.yaml", dir));
}

// Writes `text` as `name` in `dir` and expands a sweep over that file.
std::vector<Json> expand_file(const TempDir& dir, const std::string& name, const std::string& text) {
  dir.write(name, text);
  return expand("sweep: {file: " + name + "}\n", dir.path());
}

}  // namespace

TEST_CASE("a grid expands to its cartesian product with the first key varying slowest") {
  std::vector<Json> t =
      expand("sweep:\n  grid:\n    lr: [0.1, 0.01]\n    batch: [32, 64, 128]\n    opt: [adam]\n");
  REQUIRE(t.size() == 6);
  CHECK(t[0] == Json::parse(R"({"lr": 0.1, "batch": 32, "opt": "adam"})"));
  CHECK(t[1] == Json::parse(R"({"lr": 0.1, "batch": 64, "opt": "adam"})"));
  CHECK(t[2] == Json::parse(R"({"lr": 0.1, "batch": 128, "opt": "adam"})"));
  CHECK(t[3] == Json::parse(R"({"lr": 0.01, "batch": 32, "opt": "adam"})"));
  CHECK(t[5] == Json::parse(R"({"lr": 0.01, "batch": 128, "opt": "adam"})"));
  CHECK(t[0]["batch"].is_number_integer());
}

TEST_CASE("grid values may be lists or mappings and keep their types") {
  std::vector<Json> t = expand("sweep:\n  grid:\n    layers: [[64, 32], [128]]\n    flag: [true, 'x']\n");
  REQUIRE(t.size() == 4);
  CHECK(t[0] == Json::parse(R"({"layers": [64, 32], "flag": true})"));
  CHECK(t[3] == Json::parse(R"({"layers": [128], "flag": "x"})"));
}

TEST_CASE("a list sweep yields its mappings in order") {
  std::vector<Json> t = expand("sweep:\n  list:\n    - {lr: 0.1, tag: a}\n    - {lr: 1, tag: '2'}\n");
  REQUIRE(t.size() == 2);
  CHECK(t[0] == Json::parse(R"({"lr": 0.1, "tag": "a"})"));
  CHECK(t[1]["lr"].is_number_integer());
  CHECK(t[1]["tag"] == Json("2"));
}

TEST_CASE("a CSV sweep types numbers and booleans and keeps other cells as strings") {
  TempDir dir;
  std::vector<Json> t =
      expand_file(dir, "p.csv", "lr,batch,act,flag,id\n0.1,32,relu,true,007\n1e-3, 64 ,tanh,false,x1\n");
  REQUIRE(t.size() == 2);
  CHECK(t[0] == Json::parse(R"({"lr": 0.1, "batch": 32, "act": "relu", "flag": true, "id": "007"})"));
  CHECK(t[1]["lr"].get<double>() == Approx(0.001));
  CHECK(t[1]["batch"] == Json(64));  // spaces around unquoted cells are not part of the value
  CHECK(t[1]["flag"] == Json(false));
}

TEST_CASE("CSV quoted cells may hold commas, doubled quotes and newlines") {
  TempDir dir;
  std::vector<Json> t = expand_file(dir, "q.csv",
                                    "name,\"note, long\",n\r\n"
                                    "\"a,b\",\"say \"\"hi\"\"\",1\r\n"
                                    "\"two\nlines\",\"\",2\r\n");
  REQUIRE(t.size() == 2);
  CHECK(t[0] == Json::parse(R"({"name": "a,b", "note, long": "say \"hi\"", "n": 1})"));
  CHECK(t[1]["name"] == Json("two\nlines"));
  CHECK(t[1]["note, long"] == Json(""));
}

TEST_CASE("CSV empty lines and a byte-order mark are skipped") {
  TempDir dir;
  std::vector<Json> t = expand_file(dir, "e.csv", "\xEF\xBB\xBF\na,b\n\n1,2\n\n3,4\n");
  REQUIRE(t.size() == 2);
  CHECK(t[1] == Json::parse(R"({"a": 3, "b": 4})"));
}

TEST_CASE("CSV errors name the file and line") {
  TempDir dir;
  std::string f = dir.path() + "/bad.csv";
  CHECK(config_error([&] { expand_file(dir, "bad.csv", "a,b\n1,2\n\n3\n"); }) ==
        f + ":4: row has 1 cells, the header has 2");
  CHECK(config_error([&] { expand_file(dir, "bad.csv", "a,b\n1,2,3\n"); }) ==
        f + ":2: row has 3 cells, the header has 2");
  CHECK(config_error([&] { expand_file(dir, "bad.csv", "a,b\n\"1,2\n"); }) ==
        f + ":2: a quoted cell is never closed (a \" is missing)");
  CHECK(config_error([&] { expand_file(dir, "bad.csv", "a,b\n\"1\"x,2\n"); }) ==
        f + ":2: text after a closing quote (quote the whole cell and double inner quotes: \"\")");
  CHECK(config_error([&] { expand_file(dir, "bad.csv", "a,,c\n1,2,3\n"); }) ==
        f + ":1: column 2 of the header has no name");
  CHECK(config_error([&] { expand_file(dir, "bad.csv", "a,a\n1,2\n"); }) ==
        f + ":1: the header names \"a\" twice");
  CHECK(config_error([&] { expand_file(dir, "bad.csv", "a,b\n"); }) ==
        f + ": no rows (a CSV sweep needs a header row and at least one row)");
}

TEST_CASE("a JSONL sweep reads one object per non-empty line") {
  TempDir dir;
  std::vector<Json> t =
      expand_file(dir, "p.jsonl", "{\"lr\": 0.1, \"layers\": [1, 2]}\n\n  \n{\"lr\": 1, \"tag\": \"x\"}\n");
  REQUIRE(t.size() == 2);
  CHECK(t[0] == Json::parse(R"({"lr": 0.1, "layers": [1, 2]})"));
  CHECK(t[1]["lr"] == Json(1));
}

TEST_CASE("a .json sweep file may hold one array of objects") {
  TempDir dir;
  std::vector<Json> t = expand_file(dir, "p.json", "[\n  {\"a\": 1},\n  {\"a\": 2}\n]\n");
  REQUIRE(t.size() == 2);
  CHECK(t[1] == Json::parse(R"({"a": 2})"));
  CHECK(config_error([&] { expand_file(dir, "p.json", "[{\"a\": 1}, 3]"); }) ==
        dir.path() + "/p.json: item 1 is a number, expected a JSON object of parameters");
}

TEST_CASE("JSONL errors name the file and line") {
  TempDir dir;
  std::string f = dir.path() + "/bad.jsonl";
  CHECK_THAT(config_error([&] { expand_file(dir, "bad.jsonl", "{\"a\": 1}\n\n{\"a\": }\n"); }),
             Catch::StartsWith(f + ":3: invalid JSON (parse error"));
  CHECK(config_error([&] { expand_file(dir, "bad.jsonl", "{\"a\": 1}\n[1, 2]\n"); }) ==
        f + ":2: expected a JSON object of parameters, got an array");
  CHECK(config_error([&] { expand_file(dir, "bad.jsonl", "\n\n"); }) ==
        f + ": no tuples (the file holds no JSON objects)");
}

TEST_CASE("a sweep file removed after parsing is reported when expanded") {
  TempDir dir;
  std::string file = dir.write("gone.csv", "a\n1\n");
  WorkflowSpec s = parse_workflow(kHead + "sweep: {file: gone.csv}\n", "s.yaml", dir.path());
  std::filesystem::remove(file);
  CHECK(config_error([&] { expand_sweep(s); }) ==
        file + ": cannot read sweep file (No such file or directory)");
}
