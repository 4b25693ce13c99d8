// The dataflow sections of a workflow YAML: sublearning, uq, and the nodes of a dag. Everything the
// builders rely on is checked here (key counts per stage, perturbation names, acyclic `after:`), so a
// mistake fails at `validate` with its line, not in the middle of a campaign.
#include "spec/dataflow_parse.hpp"

#include <algorithm>
#include <climits>
#include <map>
#include <set>

#include "core/ids.hpp"

namespace sv::spec {

namespace {

constexpr const char* kDefaultAggregate = "model_runner.aggregate:uq";
constexpr std::size_t kMaxSublearningNodes = 10'000'000;

std::string join(const std::vector<std::string>& words, const char* sep = ", ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

double fraction(const YamlReader& r, const Field& f, bool one_allowed) {
  double v = r.number(f, 0);
  if (v <= 0 || v > 1 || (!one_allowed && v == 1))
    r.fail(f, std::string("expected a fraction in (0, ") + (one_allowed ? "1]" : "1)") + ", got " + f.node.Scalar());
  return v;
}

std::string param_name(const YamlReader& r, const Field& f) {
  std::string name = r.string(f);
  if (name.empty()) r.fail(f, "expected a parameter name, got an empty string");
  return name;
}

std::vector<Json> sublearning_keys(const YamlReader& r, const Field& f) {
  std::vector<Json> keys;
  if (f.node.IsScalar()) {
    int n = r.integer(f, 2, "how many keys (0..n-1), or the list of keys");
    for (int i = 0; i < n; ++i) keys.emplace_back(i);
    return keys;
  }
  if (!f.node.IsSequence())
    r.fail(f, "expected a number of keys (0..n-1) or a list of keys, got " + YamlReader::describe(f.node));
  std::set<std::string> seen;
  for (const Field& item : r.items(f)) {
    Json key = r.json(item);
    if (!(key.is_number_integer() || key.is_string()))
      r.fail(item, "expected an integer or a string key, got " + YamlReader::describe(item.node));
    if (!seen.insert(key.dump()).second) r.fail(item, "the key " + key.dump() + " is listed twice");
    keys.push_back(std::move(key));
  }
  if (keys.size() < 2) r.fail(f, "expected at least 2 keys");
  return keys;
}

SublearningSpec parse_sublearning(const YamlReader& r, const Field& f) {
  Mapping m = r.mapping(f, {"N", "S", "strategy", "max_epochs", "patience", "keys", "first_fraction",
                            "add_fraction", "val_fraction", "seed", "train_param", "val_param", "epochs_param",
                            "patience_param", "weights_in_memory"});
  SublearningSpec s;
  s.n = r.integer(r.require(m, "N", "children per node, e.g. 4"), 1, "children per node");
  s.s = r.integer(r.require(m, "S", "stages, e.g. 5"), 1, "stages");
  s.keys = sublearning_keys(r, r.require(m, "keys", "the key column's values: a count n (keys 0..n-1) or a list"));
  for (const Field& field : m.fields) {
    const std::string& k = field.key;
    if (k == "strategy") {
      s.strategy = r.choice<EpochStrategy>(field, {{"F-20", EpochStrategy::f20},
                                                   {"F-10", EpochStrategy::f10},
                                                   {"LINE", EpochStrategy::line},
                                                   {"SQRT", EpochStrategy::sqrt},
                                                   {"EXP2", EpochStrategy::exp2}});
    } else if (k == "max_epochs") {
      s.max_epochs = r.integer(field, 1, "the strategies' 20");
    } else if (k == "patience") {
      s.patience = r.integer(field, 0, "epochs without a val_loss improvement before stopping; 0 = off");
    } else if (k == "first_fraction") {
      s.first_fraction = fraction(r, field, true);
    } else if (k == "add_fraction") {
      s.add_fraction = fraction(r, field, true);
    } else if (k == "val_fraction") {
      s.val_fraction = fraction(r, field, false);
    } else if (k == "seed") {
      s.seed = static_cast<std::uint64_t>(r.integer(field, 0, "a non-negative integer"));
    } else if (k == "train_param") {
      s.train_param = param_name(r, field);
    } else if (k == "val_param") {
      s.val_param = param_name(r, field);
    } else if (k == "epochs_param") {
      s.epochs_param = param_name(r, field);
    } else if (k == "patience_param") {
      s.patience_param = param_name(r, field);
    } else if (k == "weights_in_memory") {
      s.weights_in_memory = r.integer(field, 1, "weights each worker keeps in memory for children");
    }
  }
  std::set<std::string> names{s.train_param, s.val_param, s.epochs_param, s.patience_param};
  if (names.size() != 4) r.fail(f, "train_param, val_param, epochs_param and patience_param must differ");

  // The tree's size, refused before it could exhaust memory or the store.
  std::size_t total = 0, level = 1;
  for (int stage = 1; stage <= s.s; ++stage) {
    if (level > kMaxSublearningNodes / std::size_t(s.n)) level = kMaxSublearningNodes + 1;
    else level *= std::size_t(s.n);
    total += level;
    if (total > kMaxSublearningNodes)
      r.fail(f, "N=" + std::to_string(s.n) + ", S=" + std::to_string(s.s) + " makes more than " +
                    std::to_string(kMaxSublearningNodes) + " trainings; lower N or S");
  }
  // Every node must get at least one key to add to training and one to validate on, at every stage.
  std::size_t held = s.keys.size();
  for (int stage = 1; stage <= s.s; ++stage) {
    KeyShare share = sublearning_share(s, stage, held);
    if (share.train < 1 || share.val < 1)
      r.fail(*m.find("keys"), "a stage-" + std::to_string(stage) + " node would receive " +
                                  std::to_string(share.train + share.val) + " of the " + std::to_string(held) +
                                  " keys its parent holds out, and needs at least 2 (one to train on, one to "
                                  "validate on); give more keys, fewer stages or larger fractions");
    held -= share.train;
  }
  return s;
}

UqSpec parse_uq(const YamlReader& r, const Field& f, WorkflowSpec& spec) {
  Mapping m = r.mapping(f, {"replicas", "perturbations", "seed", "seed_param", "percentiles", "aggregate"});
  UqSpec uq;
  uq.replicas = r.integer(r.require(m, "replicas", "how many replicas of each perturbation, e.g. 5"), 1);
  const Field& perturbations = r.require(m, "perturbations",
                                         "named parameter overrides, e.g. {seed: {}, noise: {label_noise: 0.05}}");
  for (const Field& p : r.mapping(perturbations).fields) {
    if (!core::is_valid_node_id(p.key) || p.key.find('.') != std::string::npos)
      r.fail(p, "a perturbation name becomes part of node ids: use letters, digits, _ and - (got \"" + p.key + "\")");
    if (p.key == "aggregate") r.fail(p, "\"aggregate\" is the aggregation node's id; choose another name");
    UqPerturbation pert{p.key, Json::object()};
    if (!p.node.IsNull()) {
      if (!p.node.IsMap())
        r.fail(p, "expected a mapping of parameter overrides ({} for seeds only), got " + YamlReader::describe(p.node));
      pert.params = r.json(p);
    }
    uq.perturbations.push_back(std::move(pert));
  }
  if (uq.perturbations.empty()) r.fail(perturbations, "expected at least one perturbation (e.g. `seed: {}`)");
  std::string entry = kDefaultAggregate;
  for (const Field& field : m.fields) {
    if (field.key == "seed") {
      uq.seed = r.integer(field, 0, "a non-negative integer");
    } else if (field.key == "seed_param") {
      uq.seed_param = param_name(r, field);
    } else if (field.key == "percentiles") {
      uq.percentiles.clear();
      for (const Field& item : r.items(field)) {
        double q = r.number(item, 0);
        if (q > 100) r.fail(item, "expected a percentile in [0, 100], got " + item.node.Scalar());
        uq.percentiles.push_back(q);
      }
      if (uq.percentiles.empty()) r.fail(field, "expected at least one percentile");
    } else if (field.key == "aggregate") {
      entry = r.string(field);
      auto colon = entry.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size())
        r.fail(field, "expected \"pkg.module:function\" (default " + std::string(kDefaultAggregate) + ")");
    }
  }
  for (const auto& p : uq.perturbations)
    if (p.params.contains(uq.seed_param))
      r.fail(*m.find("perturbations"), "perturbation \"" + p.name + "\" sets " + uq.seed_param +
                                           ", which the replicas vary (" + uq.seed_param + " = seed + replica)");
  ModelSpec aggregate;
  aggregate.kind = ModelKind::python;
  aggregate.entry = entry;
  aggregate.name = "uq-aggregate";
  aggregate.python_path = spec.model.python_path;
  uq.aggregate_model = static_cast<std::uint32_t>(spec.models.size());
  spec.models.push_back(std::move(aggregate));
  return uq;
}

// A cycle through `start` among the nodes Kahn's algorithm could not order, as "a -> b -> a".
std::string describe_cycle(const std::string& start, const std::map<std::string, const DagNodeSpec*>& left) {
  std::vector<std::string> path{start};
  std::set<std::string> on_path{start};
  std::string at = start;
  while (true) {
    const DagNodeSpec* n = left.at(at);
    std::string next;
    for (const auto& dep : n->after)
      if (left.count(dep)) {
        next = dep;
        break;
      }
    if (on_path.count(next)) {
      auto from = std::find(path.begin(), path.end(), next);
      std::vector<std::string> cycle(from, path.end());
      cycle.push_back(next);
      return join(cycle, " -> ");
    }
    path.push_back(next);
    on_path.insert(next);
    at = next;
  }
}

DagSpec parse_nodes(const YamlReader& r, const Field& f, const WorkflowSpec& spec) {
  Mapping m = r.mapping(f);
  if (m.fields.empty()) r.fail(f, "no nodes (declare e.g. `train: {params: {lr: 0.01}}`)");
  std::map<std::string, std::uint32_t> model_index;
  std::vector<std::string> model_names;
  for (std::size_t i = 1; i < spec.models.size(); ++i) {
    model_index[spec.models[i].name] = static_cast<std::uint32_t>(i);
    model_names.push_back(spec.models[i].name);
  }
  DagSpec dag;
  std::map<std::string, Field> after_field;  // node id -> its `after` (or the node), for messages
  std::set<std::string> ids;
  for (const Field& nf : m.fields) ids.insert(nf.key);
  for (const Field& nf : m.fields) {
    DagNodeSpec node;
    node.id = nf.key;
    if (!core::is_valid_node_id(node.id))
      r.fail(nf, "node ids become folder names: use 1-128 of A-Z a-z 0-9 . _ - (not starting with . or -)");
    after_field[node.id] = nf;
    if (!nf.node.IsNull()) {
      Mapping nm = r.mapping(nf, {"model", "after", "params", "weights_from", "priority"});
      for (const Field& field : nm.fields) {
        if (field.key == "model") {
          std::string name = r.string(field);
          auto it = model_index.find(name);
          if (it == model_index.end())
            r.fail(field, "unknown model \"" + name + "\" (" +
                              (model_names.empty() ? std::string("no `models:` table is given")
                                                   : "models: " + join(model_names)) +
                              "; leave `model:` out for the top-level model)");
          node.model = it->second;
        } else if (field.key == "after") {
          after_field[node.id] = field;
          std::vector<Field> items;
          if (field.node.IsScalar()) items.push_back(field);
          else items = r.items(field);
          for (const Field& item : items) {
            std::string dep = r.string(item);
            if (!ids.count(dep)) r.fail(item, "unknown node \"" + dep + "\" (declared: " + join({ids.begin(), ids.end()}) + ")");
            if (std::find(node.after.begin(), node.after.end(), dep) != node.after.end())
              r.fail(item, "\"" + dep + "\" is listed twice");
            node.after.push_back(dep);
          }
        } else if (field.key == "params") {
          if (!field.node.IsMap())
            r.fail(field, "expected a mapping of parameter names to values, got " + YamlReader::describe(field.node));
          node.params = r.json(field);
        } else if (field.key == "weights_from") {
          node.weights_from = r.string(field);
        } else if (field.key == "priority") {
          node.priority = r.integer(field, -1'000'000, "higher runs first among ready nodes");
        }
      }
      if (const Field* w = nm.find("weights_from"))
        if (std::find(node.after.begin(), node.after.end(), node.weights_from) == node.after.end())
          r.fail(*w, "\"" + node.weights_from + "\" is not in this node's `after:` (a node starts from the weights "
                     "of a node it runs after)");
    }
    dag.nodes.push_back(std::move(node));
  }

  // Kahn's algorithm: whatever cannot be ordered lies on or behind a cycle.
  std::map<std::string, const DagNodeSpec*> left;
  for (const auto& n : dag.nodes) left[n.id] = &n;
  bool progress = true;
  while (progress && !left.empty()) {
    progress = false;
    for (auto it = left.begin(); it != left.end();) {
      bool ready = std::none_of(it->second->after.begin(), it->second->after.end(),
                                [&](const std::string& d) { return left.count(d) > 0; });
      if (ready) {
        it = left.erase(it);
        progress = true;
      } else {
        ++it;
      }
    }
  }
  if (!left.empty()) {
    // Report at the first node, in YAML order, that lies on a cycle (not merely behind one).
    for (const auto& n : dag.nodes) {
      if (!left.count(n.id)) continue;
      std::string cycle = describe_cycle(n.id, left);
      std::string first = cycle.substr(0, cycle.find(' '));
      r.fail(after_field.at(first), "cycle: " + cycle + " (a node cannot run after itself)");
    }
  }
  return dag;
}

}  // namespace

void parse_dataflow(const YamlReader& r, const Mapping& top, WorkflowSpec& spec) {
  struct Owned {
    const char* key;
    WorkflowKind kind;
    const char* hint;
  };
  static const Owned owned[] = {
      {"sublearning", WorkflowKind::sublearning, "N, S, keys and a strategy, e.g. {N: 4, S: 5, keys: 100, strategy: EXP2}"},
      {"uq", WorkflowKind::uq, "replicas and perturbations, e.g. {replicas: 5, perturbations: {seed: {}}}"},
      {"nodes", WorkflowKind::dag, "the nodes, e.g. {prep: {}, train: {after: [prep]}}"},
      {"models", WorkflowKind::dag, ""},
  };
  for (const auto& o : owned) {
    const Field* f = top.find(o.key);
    if (f && spec.kind != o.kind) r.fail(*f, std::string("only used by `workflow: ") + to_string(o.kind) + "`");
    if (!f && spec.kind == o.kind && *o.hint)
      r.require(top, o.key, std::string("a ") + to_string(o.kind) + " workflow needs `" + o.key + ":` with " + o.hint);
  }
  if (spec.kind == WorkflowKind::sublearning) spec.sublearning = parse_sublearning(r, *top.find("sublearning"));
  if (spec.kind == WorkflowKind::uq) spec.uq = parse_uq(r, *top.find("uq"), spec);
  if (spec.kind == WorkflowKind::dag) spec.dag = parse_nodes(r, *top.find("nodes"), spec);
}

}  // namespace sv::spec
