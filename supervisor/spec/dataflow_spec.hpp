// Dataflow sections of a workflow: *sublearning* (N children per node over S stages, each child training
// on its parent's keys plus a share of the keys its parent held out, from its parent's weights), *uq*
// (R replicas under each of P named perturbations, then one aggregation node) and *dag* (user-declared
// nodes with `after:`). A *key* is one value of the data's key column (a cell id for uno); sublearning
// splits data by key, never by row.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json_util.hpp"

namespace sv::spec {

using core::Json;

/// Table 1 of the sublearning paper: how many epochs a stage trains (at most; early stopping may end it).
enum class EpochStrategy { f20, f10, line, sqrt, exp2 };
const char* to_string(EpochStrategy s);  // "F-20", "F-10", "LINE", "SQRT", "EXP2"

/// Epochs of a node at `stage` (1-based) of `stages`, with `base` the strategy's 20 (10 for F-10: base / 2):
/// F-20 base; F-10 base/2; LINE base·(S−s+1)/S; SQRT base/√s; EXP2 base/2^(s−1); rounded half up, at least 1.
int strategy_epochs(EpochStrategy s, int stage, int stages, int base);

struct SublearningSpec {
  int n = 0;  // N: children per node (stage 1 has N nodes)
  int s = 0;  // S: stages
  EpochStrategy strategy = EpochStrategy::f20;
  int max_epochs = 20;  // the strategies' 20
  int patience = 3;     // early stopping on val_loss; 0 = off
  std::vector<Json> keys;       // the key column's values, in the order given
  double first_fraction = 0.8;  // share of all keys a stage-1 node receives
  double add_fraction = 0.25;   // share of its parent's held-out keys a later node receives
  double val_fraction = 0.2;    // part of a node's new keys kept for its validation
  std::uint64_t seed = 0;       // the splits are a function of (seed, node id) only
  std::string train_param = "cells", val_param = "val_cells", epochs_param = "epochs",
              patience_param = "patience";
  int weights_in_memory = 256;  // weights a worker keeps for hand-off to children (model_runner)
};

/// How many of its parent's held-out keys a node receives: `train` join its training set, `val` become its
/// validation set. Depends only on the stage and the number held out, so sizes are known before a run.
struct KeyShare {
  std::size_t train = 0, val = 0;
};
KeyShare sublearning_share(const SublearningSpec& s, int stage, std::size_t held_out);

struct UqPerturbation {
  std::string name;              // a node-id-safe word: replica r of it is node `<name>.<r>`
  Json params = Json::object();  // merged over the tuple of each of its replicas
};

struct UqSpec {
  int replicas = 0;  // R
  std::vector<UqPerturbation> perturbations;
  std::string seed_param = "seed";  // replica r (1-based) gets seed + r here, the same r under every perturbation
  long seed = 0;
  std::vector<double> percentiles{5, 25, 50, 75, 95};
  std::uint32_t aggregate_model = 0;  // index into WorkflowSpec::models of the aggregation model
};

struct DagNodeSpec {
  std::string id;
  std::uint32_t model = 0;        // index into WorkflowSpec::models (0: the top-level `model:`)
  Json params = Json::object();
  std::vector<std::string> after;
  std::string weights_from;       // a node of `after` whose final weights this node starts from ("" = none)
  int priority = 0;
};

struct DagSpec {
  std::vector<DagNodeSpec> nodes;  // in YAML order; acyclic, every `after` id declared
};

}  // namespace sv::spec
