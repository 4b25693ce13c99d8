// optimizer `name: pbt`: its keys, defaults and one-line errors.
#include <catch2/catch.hpp>

#include "spec/parse.hpp"
#include "spec_test_util.hpp"

using namespace sv::spec;
using sv::spec::test::config_error;

namespace {
WorkflowSpec parse(const std::string& yaml) { return parse_workflow(yaml, "pbt.yaml", "/data/exp"); }
std::string error_of(const std::string& yaml) {
  return config_error([&] { parse(yaml); });
}
const std::string kHead = "workflow: hpo\nmodel: {entry: \"m.x:run\"}\nspace: {lr: {type: float, low: 0.001, high: 1}}\n";
}  // namespace

TEST_CASE("pbt reads population, interval, quantile, perturb and its budget in segments or epochs") {
  WorkflowSpec s = parse(kHead + "optimizer: {name: pbt, seed: 3, population: 6, interval_epochs: 4, quantile: 0.5, "
                                 "perturb: {factors: [0.5, 2], resample_probability: 0}, max_epochs: 20}\n");
  REQUIRE(s.optimizer.pbt);
  const PbtSpec& p = *s.optimizer.pbt;
  CHECK(p.population == 6);
  CHECK(p.interval_epochs == 4);
  CHECK(p.segments == 5);
  CHECK(p.quantile == 0.5);
  CHECK(p.factors == std::vector<double>{0.5, 2});
  CHECK(p.resample_probability == 0);
  CHECK(parse(kHead + "optimizer: {name: pbt, segments: 7}\n").optimizer.pbt->segments == 7);
}

TEST_CASE("pbt without its keys takes the documented defaults and needs no max_evals") {
  WorkflowSpec s = parse(kHead + "optimizer: {name: pbt}\n");
  REQUIRE(s.optimizer.pbt);
  CHECK(s.optimizer.pbt->population == 8);
  CHECK(s.optimizer.pbt->interval_epochs == 5);
  CHECK(s.optimizer.pbt->segments == 10);
  CHECK(s.optimizer.pbt->quantile == 0.25);
  CHECK(s.optimizer.pbt->factors == std::vector<double>{0.8, 1.2});
  CHECK(s.optimizer.pbt->resample_probability == 0.25);
  CHECK_FALSE(parse(kHead + "optimizer: {name: random, max_evals: 3}\n").optimizer.pbt);
}

TEST_CASE("a bad pbt optimizer is one line naming the file, line and key") {
  CHECK(error_of(kHead + "optimizer: {name: pbt, population: 1}\n").find("pbt.yaml:4: optimizer.population") !=
        std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: pbt, quantile: 0.7}\n").find("optimizer.quantile: expected a fraction") !=
        std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: pbt, interval_epochs: 3, max_epochs: 10}\n")
            .find("must be a multiple of interval_epochs") != std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: pbt, segments: 3, max_epochs: 10}\n").find("not both") != std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: pbt, perturb: {factors: []}}\n").find("at least one factor") !=
        std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: pbt, perturb: {factors: [0.8, -1]}}\n").find("positive factor") !=
        std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: pbt, perturb: {resample_probability: 2}}\n").find("[0, 1]") !=
        std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: pbt, perturb: {factor: 2}}\n").find("optimizer.perturb.factor") !=
        std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: pbt, max_evals: 9}\n").find("not used by pbt") != std::string::npos);
  CHECK(error_of(kHead + "optimizer: {name: random, max_evals: 9, population: 4}\n").find("only used by `name: pbt`") !=
        std::string::npos);
  CHECK(error_of(kHead + "objective: {metrics: [{metric: a}, {metric: b}]}\noptimizer: {name: pbt}\n")
            .find("pbt ranks members by one objective") != std::string::npos);
}
