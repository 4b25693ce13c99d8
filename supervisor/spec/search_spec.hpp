// Search sections of a workflow: the parameter *space* an optimizer proposes from, the *optimizer* (which
// algorithm, its seed, budget and stop rules), and several *objectives* for multi-objective searches.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/json_util.hpp"
#include "prune/pruner.hpp"
#include "spec/pbt_spec.hpp"

namespace sv::spec {

using core::Json;

enum class ParamType { float_, int_, categorical, ordinal };
const char* to_string(ParamType t);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::float_;
  double low = 0, high = 0;  // float / int bounds, inclusive
  bool log = false;          // log-uniform (float, int)
  std::vector<Json> values;  // categorical choices / ordinal values in order
};

enum class OptimizerLanguage { python, r };
enum class FailurePolicy { penalize, ignore, retry };

struct OptimizerSpec {
  std::string name;  // random | grid | ga | tpe | nsga2 | emews | mbo | pbt
  OptimizerLanguage language = OptimizerLanguage::python;
  long seed = 0;
  int batch = 0;                    // 0 = streaming (default): a new point as soon as any result arrives
  int max_evals = 0;                // 0 = no limit (only for algorithms that stop by themselves)
  double max_time_s = 0;            // 0 = no limit
  std::optional<double> target;     // stop once the objective reaches it
  FailurePolicy on_failure = FailurePolicy::penalize;
  Json options = Json::object();    // algorithm-specific
  std::string module;               // emews: the ME algorithm's module (or R script)
  std::vector<std::string> path;    // emews: folders to import it from (absolute)
  std::optional<Json> settings;     // emews: the answer to its "Params"/"Settings" request
  // optimizer.pruner: stops trials early from the epochs they report (kind none = no pruning). Its
  // metrics are filled from `objective` unless the pruner names its own (search_parse.cpp, check_search).
  prune::PrunerOptions pruner;
  // pbt: population-based training, run by the engine itself (engine/pbt.hpp); set only for name: pbt.
  std::optional<PbtSpec> pbt;
};

enum class Combine { weighted, pareto };

struct MultiObjectiveSpec {
  Combine combine = Combine::weighted;  // weighted: f = v + alpha * m (m normalized to [0,1])
  double alpha = 0.1;
};

}  // namespace sv::spec
