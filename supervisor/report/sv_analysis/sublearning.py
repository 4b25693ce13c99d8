"""The sublearning analysis of the seed paper (Wozniak et al., "High-bypass learning"), from the store.

Terms. A *node* is one training; its *stage* is its depth (`1.2.3` is stage 3, child of `1.2`); its
*parent* trained on a subset of its training keys and handed it its weights. A node's *added* keys are
the keys its parent held out that it received: the ones it trains on (``added_train``) and the ones it
validates on (``val``). Per node:

- increase = val_loss − parent's val_loss; the node *increased* when it is > 0;
- outlier level = increase / parent's val_loss (0 when it did not increase) — the paper's Fig. 13.

Per strategy and stage (Figs. 8–12): the fraction of early stops, the mean epochs trained, val_loss
percentiles (10/25/50/75/99 of val_loss, ascending; the paper's "X%, higher is better" is our 100−X),
the fraction of nodes that increased over their parent, the *increase delta* (the mean increase of the
increased nodes over the stage's mean val_loss), and how many nodes have an outlier level above 1 and 2.
Per strategy (Table 2): the best final-stage node's *trajectory* (it and its ancestors): its training
hours (the sum of their run times), cumulative optimizer steps and val_loss.

Keys are ranked by the mean outlier level of the nodes that added them (as training or validation
keys): a key whose addition goes with jumps in val_loss ranks high. Planted (corrupted) keys, when known,
are flagged, with their rank.
"""
import csv
import json
import math
import pathlib
from dataclasses import dataclass, field

from .stats import is_number, mean, percentile

PERCENTILES = (10, 25, 50, 75, 99)
TOP_PERCENT = 5.0


@dataclass
class SubNode:
    run: str
    node_id: str
    strategy: str
    stage: int
    parent: str
    status: str
    worker: int
    val_loss: float = None
    epochs: int = None
    max_epochs: int = None
    stopped_early: bool = None
    steps: int = None
    seconds: float = None
    weights_source: str = None
    train: list = field(default_factory=list)
    val: list = field(default_factory=list)
    added_train: list = field(default_factory=list)
    parent_worker: int = None
    parent_val_loss: float = None
    increase: float = None
    relative_change: float = None
    outlier_level: float = None

    @property
    def comparable(self):
        return self.val_loss is not None and self.parent_val_loss is not None and self.parent_val_loss > 0

    @property
    def added(self):
        return list(self.added_train) + list(self.val)


@dataclass
class Settings:
    train_param: str = "cells"
    val_param: str = "val_cells"
    epochs_param: str = "epochs"

    @classmethod
    def from_spec(cls, spec):
        section = spec.get("sublearning") if isinstance(spec, dict) else None
        section = section if isinstance(section, dict) else {}
        return cls(str(section.get("train_param", "cells")), str(section.get("val_param", "val_cells")),
                   str(section.get("epochs_param", "epochs")))


def planted_keys_of(spec):
    """Keys the workflow corrupted on purpose: the model's `corrupt_cells` default (the uno example)."""
    model = spec.get("model") if isinstance(spec, dict) else None
    defaults = model.get("defaults") if isinstance(model, dict) else None
    keys = defaults.get("corrupt_cells") if isinstance(defaults, dict) else None
    return list(keys) if isinstance(keys, list) else []


def parent_of(node_id):
    return node_id.rsplit(".", 1)[0] if "." in node_id else ""


def _key(k):
    """Keys compare by their JSON text, so 3 and "3" stay apart and any scalar works."""
    return json.dumps(k, sort_keys=True)


def nodes_from_tasks(tasks, settings=None, run=""):
    """SubNodes of one run from task dicts (node_id, params, status, worker, start_time, end_time,
    objective, result). Tasks without `_stage` in their parameters are not sublearning nodes."""
    settings = settings or Settings()
    nodes = {}
    for t in tasks:
        p = t.get("params") or {}
        if "_stage" not in p:
            continue
        r = t.get("result") if isinstance(t.get("result"), dict) else {}
        done = t.get("status") == "done"
        val_loss = t.get("objective") if is_number(t.get("objective")) else r.get("val_loss")
        n = SubNode(run=run, node_id=t["node_id"], strategy=str(p.get("_strategy", "")), stage=int(p["_stage"]),
                    parent=parent_of(t["node_id"]), status=t.get("status", ""), worker=t.get("worker", -1),
                    val_loss=float(val_loss) if done and is_number(val_loss) else None,
                    train=list(p.get(settings.train_param) or []), val=list(p.get(settings.val_param) or []))
        n.max_epochs = p.get(settings.epochs_param) if isinstance(p.get(settings.epochs_param), int) else None
        if done:
            hist = r.get("history") if isinstance(r.get("history"), dict) else {}
            epochs = r.get("epochs_run")
            n.epochs = int(epochs) if is_number(epochs) else (len(hist.get("val_loss", [])) or None)
            stopped = r.get("stopped_early")
            if isinstance(stopped, bool):
                n.stopped_early = stopped
            elif n.epochs is not None and n.max_epochs is not None:
                n.stopped_early = n.epochs < n.max_epochs
            n.steps = int(r["steps"]) if is_number(r.get("steps")) else None
            n.weights_source = r.get("weights_source")
        start, end = t.get("start_time") or 0, t.get("end_time") or 0
        n.seconds = end - start if start > 0 and end >= start else None
        nodes[n.node_id] = n
    for n in nodes.values():
        parent = nodes.get(n.parent)
        if parent is None:
            n.added_train = list(n.train)
            continue
        n.parent_worker = parent.worker
        inherited = {_key(k) for k in parent.train}
        n.added_train = [k for k in n.train if _key(k) not in inherited]
        n.parent_val_loss = parent.val_loss
        if n.comparable:
            n.increase = n.val_loss - n.parent_val_loss
            n.relative_change = n.increase / n.parent_val_loss
            n.outlier_level = max(0.0, n.relative_change)
    return list(nodes.values())


def stage_table(nodes):
    """One row per (strategy, stage): Figs. 8-13 of the paper in numbers."""
    rows = []
    for strategy in sorted({n.strategy for n in nodes}):
        for stage in sorted({n.stage for n in nodes if n.strategy == strategy}):
            here = [n for n in nodes if n.strategy == strategy and n.stage == stage]
            done = [n for n in here if n.val_loss is not None]
            losses = [n.val_loss for n in done]
            flags = [n.stopped_early for n in done if n.stopped_early is not None]
            epochs = [n.epochs for n in done if n.epochs is not None]
            comparable = [n for n in done if n.comparable]
            increased = [n for n in comparable if n.increase > 0]
            stage_mean = mean(losses)
            row = {"strategy": strategy, "stage": stage, "nodes": len(here), "done": len(done),
                   "early_stop_fraction": sum(flags) / len(flags) if flags else None,
                   "mean_epochs": mean(epochs)}
            for q in PERCENTILES:
                row[f"val_loss_p{q}"] = percentile(losses, q)
            row["val_loss_mean"] = stage_mean
            row["compared"] = len(comparable)
            row["increased_fraction"] = len(increased) / len(comparable) if comparable else None
            row["increase_delta"] = (mean(n.increase for n in increased) / stage_mean
                                     if increased and stage_mean else None)
            row["outliers_gt1"] = sum(1 for n in comparable if n.outlier_level > 1)
            row["outliers_gt2"] = sum(1 for n in comparable if n.outlier_level > 2)
            row["memory_handoffs"] = sum(1 for n in done if n.weights_source == "memory")
            row["file_handoffs"] = sum(1 for n in done if n.weights_source == "file")
            rows.append(row)
    return rows


def trajectory_table(nodes):
    """Table 2: per strategy, the best final-stage node's trajectory (it and its ancestors)."""
    by_run = {(n.run, n.node_id): n for n in nodes}
    rows = []
    for strategy in sorted({n.strategy for n in nodes}):
        mine = [n for n in nodes if n.strategy == strategy]
        final = max(n.stage for n in mine)
        leaves = [n for n in mine if n.stage == final and n.val_loss is not None]
        if not leaves:
            continue
        best = min(leaves, key=lambda n: (n.val_loss, n.node_id))
        path = []
        at = best
        while at is not None:
            path.append(at)
            at = by_run.get((at.run, at.parent)) if at.parent else None
        seconds = [n.seconds for n in path]
        steps = [n.steps for n in path]
        rows.append({"strategy": strategy, "final_stage": final, "best_node": best.node_id, "run": best.run,
                     "trajectory": " > ".join(n.node_id for n in reversed(path)),
                     "training_seconds": sum(seconds) if None not in seconds else None,
                     "training_hours": sum(seconds) / 3600.0 if None not in seconds else None,
                     "cumulative_steps": sum(steps) if None not in steps else None,
                     "val_loss": best.val_loss})
    return rows


def outlier_list(nodes):
    """Every node with a parent to compare with, highest outlier level (then relative change) first."""
    ranked = sorted((n for n in nodes if n.comparable),
                    key=lambda n: (-n.outlier_level, -n.relative_change, n.strategy, n.node_id))
    total = len(ranked)
    return [(i + 1, 100.0 * (i + 1) / total, n) for i, n in enumerate(ranked)]


def key_ranking(nodes, planted=()):
    """Per strategy and key: the nodes that added it and their mean outlier level; ranked, highest first."""
    planted = {_key(k) for k in planted}
    rows = []
    for strategy in sorted({n.strategy for n in nodes}):
        comparable = [n for n in nodes if n.strategy == strategy and n.comparable]
        keys = {}
        for n in nodes:
            if n.strategy == strategy:
                for k in list(n.train) + list(n.val):
                    keys.setdefault(_key(k), k)
        per = {k: {"train": [], "val": []} for k in keys}
        for n in comparable:
            for k in n.added_train:
                per[_key(k)]["train"].append(n)
            for k in n.val:
                per[_key(k)]["val"].append(n)
        scored = []
        for k, roles in per.items():
            adders = roles["train"] + roles["val"]
            levels = [n.outlier_level for n in adders]
            scored.append({"strategy": strategy, "key": keys[k], "nodes_adding": len(adders),
                           "as_train": len(roles["train"]), "as_val": len(roles["val"]),
                           "mean_outlier_level": mean(levels) if levels else None,
                           "max_outlier_level": max(levels) if levels else None,
                           "over_1": sum(1 for v in levels if v > 1), "planted": k in planted})
        scored.sort(key=lambda r: (r["mean_outlier_level"] is None, -(r["mean_outlier_level"] or 0),
                                   -(r["max_outlier_level"] or 0), _key(r["key"])))
        for i, r in enumerate(scored):
            r["rank"] = i + 1
            r["top_percent"] = 100.0 * (i + 1) / len(scored)
        rows += scored
    return rows


def planted_summary(nodes, ranking, outliers, planted):
    """How the planted keys fare: their key ranks, and where the nodes adding them sit in the outlier list."""
    if not planted:
        return None
    pk = {_key(k) for k in planted}
    keys = [{"strategy": r["strategy"], "key": r["key"], "rank": r["rank"], "of": sum(
        1 for x in ranking if x["strategy"] == r["strategy"]), "top_percent": r["top_percent"],
        "mean_outlier_level": r["mean_outlier_level"]} for r in ranking if r["planted"]]
    adders = [(rank, pct, n) for rank, pct, n in outliers if any(_key(k) in pk for k in n.added)]
    top = [x for x in outliers if x[1] <= TOP_PERCENT]
    top_planted = [x for x in top if any(_key(k) in pk for k in x[2].added)]
    return {"keys": keys,
            "nodes_adding": len(adders),
            "nodes_adding_in_top_percent": sum(1 for _, pct, _n in adders if pct <= TOP_PERCENT),
            "top_percent": TOP_PERCENT,
            "top_nodes": len(top),
            "top_nodes_adding_planted": len(top_planted),
            "all_in_top_percent": bool(keys) and all(k["top_percent"] <= TOP_PERCENT for k in keys)}


def analyze(runs, planted=None):
    """Everything above for RunTasks objects (several runs: one per strategy, as in the paper)."""
    nodes = []
    found_planted = []
    for run in runs:
        nodes += nodes_from_tasks(run.tasks, Settings.from_spec(run.spec), run=str(run.run_dir))
        found_planted += [k for k in planted_keys_of(run.spec) if k not in found_planted]
    planted = found_planted if planted is None else planted
    outliers = outlier_list(nodes)
    ranking = key_ranking(nodes, planted)
    comparable = [n for n in nodes if n.comparable]
    return {
        "nodes": nodes,
        "stages": stage_table(nodes),
        "trajectories": trajectory_table(nodes),
        "outliers": outliers,
        "keys": ranking,
        "planted": planted_summary(nodes, ranking, outliers, planted),
        "totals": {"trainings": len(nodes), "done": sum(1 for n in nodes if n.val_loss is not None),
                   "compared": len(comparable),
                   "outliers_gt1": sum(1 for n in comparable if n.outlier_level > 1),
                   "outliers_gt2": sum(1 for n in comparable if n.outlier_level > 2),
                   "memory_handoffs": sum(1 for n in nodes if n.weights_source == "memory"),
                   "file_handoffs": sum(1 for n in nodes if n.weights_source == "file"),
                   "memory_handoffs_on_other_worker": sum(
                       1 for n in nodes if n.weights_source == "memory" and n.worker != n.parent_worker)},
    }


# -- CSV --------------------------------------------------------------------------------------------

def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for row in rows:
            out.writerow([_cell(row.get(h)) for h in header])


NODE_COLUMNS = ["run", "node_id", "strategy", "stage", "parent", "status", "worker", "parent_worker",
                "weights_source", "val_loss", "parent_val_loss", "increase", "relative_change", "outlier_level",
                "outlier_rank", "outlier_top_percent", "epochs", "max_epochs", "stopped_early", "steps", "seconds",
                "n_train", "added_train", "val"]


def write_csv(result, out_dir):
    """Writes sublearning_{nodes,stages,trajectories,outliers,keys}.csv and sublearning_summary.json."""
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rank_of = {(n.run, n.node_id): (rank, pct) for rank, pct, n in result["outliers"]}

    def node_row(n):
        rank, pct = rank_of.get((n.run, n.node_id), (None, None))
        row = {k: getattr(n, k) for k in NODE_COLUMNS if hasattr(n, k)}
        row.update({"outlier_rank": rank, "outlier_top_percent": pct, "n_train": len(n.train)})
        return row

    nodes = sorted(result["nodes"], key=lambda n: (n.run, n.strategy, n.stage, n.node_id))
    _write(out / "sublearning_nodes.csv", NODE_COLUMNS, [node_row(n) for n in nodes])
    stage_cols = list(result["stages"][0].keys()) if result["stages"] else ["strategy", "stage"]
    _write(out / "sublearning_stages.csv", stage_cols, result["stages"])
    traj_cols = ["strategy", "final_stage", "best_node", "training_hours", "training_seconds", "cumulative_steps",
                 "val_loss", "trajectory", "run"]
    _write(out / "sublearning_trajectories.csv", traj_cols, result["trajectories"])
    ranked_cols = ["outlier_rank", "outlier_top_percent"] + [
        c for c in NODE_COLUMNS if c not in ("outlier_rank", "outlier_top_percent")]
    _write(out / "sublearning_outliers.csv", ranked_cols, [node_row(n) for _, _, n in result["outliers"]])
    key_cols = ["strategy", "rank", "top_percent", "key", "planted", "mean_outlier_level", "max_outlier_level",
                "over_1", "nodes_adding", "as_train", "as_val"]
    _write(out / "sublearning_keys.csv", key_cols, result["keys"])
    summary = {"stages": result["stages"], "trajectories": result["trajectories"], "totals": result["totals"],
               "planted": result["planted"]}
    (out / "sublearning_summary.json").write_text(json.dumps(summary, indent=1, default=str))
    return out


def format_summary(result):
    """A few plain-text tables for the terminal."""
    lines = []
    lines.append("strategy stage nodes early_stop mean_epochs  val_loss p10/p50/p99          increased  inc_delta  >1  >2")
    for r in result["stages"]:
        def f(v, spec):
            return format(v, spec) if v is not None else "-"
        lines.append(f"{r['strategy']:<8} {r['stage']:>5} {r['nodes']:>5} {f(r['early_stop_fraction'], '>10.2f')} "
                     f"{f(r['mean_epochs'], '>11.2f')}  {f(r['val_loss_p10'], '.4g')}/{f(r['val_loss_p50'], '.4g')}/"
                     f"{f(r['val_loss_p99'], '.4g'):<12} {f(r['increased_fraction'], '>9.2f')} "
                     f"{f(r['increase_delta'], '>10.3f')} {r['outliers_gt1']:>3} {r['outliers_gt2']:>3}")
    lines.append("")
    lines.append("Table 2: best final-stage trajectory per strategy")
    for t in result["trajectories"]:
        hours = f"{t['training_hours']:.5f} h" if t["training_hours"] is not None else "-"
        lines.append(f"  {t['strategy']:<6} node {t['best_node']:<12} {hours} ({t['training_seconds'] or 0:.1f} s), "
                     f"steps {t['cumulative_steps']}, val_loss {t['val_loss']:.6g}")
    tot = result["totals"]
    lines.append("")
    lines.append(f"{tot['trainings']} trainings, {tot['compared']} compared with their parent: outlier level > 1: "
                 f"{tot['outliers_gt1']}, > 2: {tot['outliers_gt2']}; weights from memory {tot['memory_handoffs']}, "
                 f"from file {tot['file_handoffs']}")
    p = result["planted"]
    if p:
        for k in p["keys"]:
            lines.append(f"planted key {k['key']} ({k['strategy']}): rank {k['rank']} of {k['of']} keys "
                         f"(top {k['top_percent']:.1f}%), mean outlier level "
                         + (f"{k['mean_outlier_level']:.3g}" if k["mean_outlier_level"] is not None
                            else "- (no compared node added it)"))
        lines.append(f"nodes adding planted keys: {p['nodes_adding']}, {p['nodes_adding_in_top_percent']} of them in "
                     f"the top {p['top_percent']:g}% of the outlier list; {p['top_nodes_adding_planted']} of its "
                     f"{p['top_nodes']} top nodes added a planted key")
    return "\n".join(lines)
