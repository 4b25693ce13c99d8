#include "engine/pruning.hpp"

#include <cmath>

namespace sv::engine {

Pruning::Pruning(const prune::PrunerOptions& options, store::Store& store)
    : options_(options), store_(store), pruner_(prune::make_pruner(options)) {}

std::optional<std::vector<double>> Pruning::values_of(const core::Json& payload) const {
  std::vector<double> values;
  for (const auto& m : options_.metrics) {
    auto v = payload.find(m.name);
    if (v == payload.end()) return std::nullopt;
    if (v->is_null()) {
      values.push_back(NAN);  // model_runner sends a NaN as null: a diverged training, judged worst
    } else if (v->is_number()) {
      values.push_back(v->get<double>());
    } else {
      return std::nullopt;
    }
  }
  return values;
}

void Pruning::restore() {
  for (const auto& d : store_.prune_decisions())
    if (d.stop) stopped_.insert(d.node_id);
  for (const auto& row : store_.metrics()) {
    auto payload = core::Json::parse(row.metrics, nullptr, /*allow_exceptions=*/false);
    if (!payload.is_object()) continue;
    if (auto values = values_of(payload)) pruner_->on_report(row.node_id, row.epoch, *values);
  }
}

bool Pruning::on_report(std::int64_t task_id, const std::string& node_id, int epoch, const core::Json& payload,
                        double time) {
  if (stopped_.count(node_id)) return true;  // stopped before a resume, still running: stop it again
  auto values = values_of(payload);
  if (!values) return false;
  auto d = pruner_->on_report(node_id, epoch, *values);
  if (!d) return false;
  // Median judges every epoch past its warm-up: only its stops are worth a row. Rung decisions are all kept.
  if (d->rung < 0 && !d->stop) return false;
  store::PruneDecisionRow row;
  row.time = time;
  row.task_id = task_id;
  row.node_id = node_id;
  row.epoch = epoch;
  row.rung = d->rung;
  row.rung_epoch = d->rung_epoch;
  row.stop = d->stop;
  row.pruner = prune::to_string(options_.kind);
  row.values = core::Json(d->values).dump();
  row.rung_values = core::Json(d->rung_values).dump();
  store_.add_prune_decision(row);
  if (d->stop) stopped_.insert(node_id);
  return d->stop;
}

std::unique_ptr<Pruning> make_pruning(const prune::PrunerOptions& options, store::Store& store) {
  if (options.kind == prune::PrunerKind::none) return nullptr;
  return std::make_unique<Pruning>(options, store);
}

}  // namespace sv::engine
