"""Sublearning: the seed paper's figures for a sublearning run — early stops, epochs trained and val_loss
percentiles by stage (Figs. 8-10), the fraction of nodes whose val_loss rose over their parent's and by
how much (Figs. 11-12), the outlier levels (Fig. 13), the best trajectory (Table 2), the top outlier
nodes and the keys whose addition goes with the largest rises. The numbers come from sv_analysis, which
also writes them as CSV (`python3 -m sv_analysis sublearning RUN_DIR`). Other runs leave it out."""
import numpy as np

from sv_analysis import sublearning as analysis

from .. import markup as m
from .. import plots
from ..registry import section

TOP_ROWS = 12


def _stage_plots(stages):
    fig, axes = plots.figure(11, 6.2, nrows=2, ncols=3, squeeze=False)
    panels = [("early_stop_fraction", "fraction of early stops", "Fig. 8"),
              ("mean_epochs", "mean epochs trained", "Fig. 9"),
              (None, "val_loss percentiles", "Fig. 10"),
              ("increased_fraction", "fraction with val_loss above the parent's", "Fig. 11"),
              ("increase_delta", "increase delta", "Fig. 12")]
    for k, (key, title, fig_name) in enumerate(panels):
        ax = axes[k // 3][k % 3]
        for strategy in sorted({r["strategy"] for r in stages}):
            rows = [r for r in stages if r["strategy"] == strategy]
            x = [r["stage"] for r in rows]
            if key is None:
                for q, style in zip(analysis.PERCENTILES, (":", "--", "-", "--", ":")):
                    ax.plot(x, [r[f"val_loss_p{q}"] for r in rows], style, marker="o", markersize=3,
                            label=f"{strategy} p{q}")
                ax.set_yscale("log")
            else:
                ax.plot(x, [r[key] if r[key] is not None else np.nan for r in rows], marker="o", label=strategy)
        ax.set_title(f"{title} ({fig_name})")
        ax.set_xlabel("stage")
        ax.set_xticks(sorted({r["stage"] for r in stages}))
    axes[0][2].legend(fontsize=6, ncol=2)
    axes[0][0].legend(fontsize=7)
    return fig, axes


def _outlier_plot(ax, nodes):
    for strategy in sorted({n.strategy for n in nodes}):
        levels = np.sort([n.outlier_level for n in nodes if n.strategy == strategy and n.comparable
                          and n.outlier_level > 0])[::-1]
        if levels.size:
            ax.plot(np.arange(1, levels.size + 1), levels, label=strategy)
    ax.axhline(1, color="#999999", linewidth=0.8)
    ax.axhline(2, color="#999999", linewidth=0.8, linestyle="--")
    ax.set_yscale("log")
    ax.set_xlabel("nodes whose val_loss increased, highest first")
    ax.set_title("outlier level (Fig. 13)")
    ax.legend(fontsize=7)


@section("sublearning", "Sublearning", order=45)
def render(run):
    tasks = run.task_dicts()
    nodes = analysis.nodes_from_tasks(tasks, analysis.Settings.from_spec(run.spec), run=str(run.run_dir))
    if not nodes:
        return None
    planted = analysis.planted_keys_of(run.spec)
    outliers = analysis.outlier_list(nodes)
    ranking = analysis.key_ranking(nodes, planted)
    stages = analysis.stage_table(nodes)
    comparable = [n for n in nodes if n.comparable]
    parts = [m.facts([
        ("trainings", f"{len(nodes)} ({sum(1 for n in nodes if n.val_loss is not None)} done)"),
        ("strategies", ", ".join(sorted({n.strategy for n in nodes}))),
        ("outlier level > 1 / > 2", f"{sum(1 for n in comparable if n.outlier_level > 1)} / "
                                    f"{sum(1 for n in comparable if n.outlier_level > 2)} of {len(comparable)} compared"),
        ("weights handed over", f"{sum(1 for n in nodes if n.weights_source == 'memory')} in memory, "
                                f"{sum(1 for n in nodes if n.weights_source == 'file')} from file"),
    ])]
    fig, axes = _stage_plots(stages)
    _outlier_plot(axes[1][2], nodes)
    parts.append(plots.embed(fig, "sublearning statistics by stage"))
    cols = ["strategy", "stage", "nodes", "early_stop_fraction", "mean_epochs", "val_loss_p10", "val_loss_p50",
            "val_loss_p99", "increased_fraction", "increase_delta", "outliers_gt1", "outliers_gt2"]
    parts.append(m.table(cols, [[r[c] for c in cols] for r in stages], numeric=range(1, len(cols))))
    trajectories = analysis.trajectory_table(nodes)
    if trajectories:
        parts.append(m.para("Best final-stage trajectory per strategy (Table 2):"))
        cols = ["strategy", "best_node", "training_hours", "cumulative_steps", "val_loss", "trajectory"]
        parts.append(m.table(cols, [[r[c] for c in cols] for r in trajectories], numeric=(2, 3, 4)))
    if outliers:
        parts.append(m.para(f"Top outlier nodes (of {len(outliers)} compared with their parent):"))
        parts.append(m.table(["rank", "node", "stage", "outlier level", "val_loss", "parent val_loss", "added to training",
                              "validation keys"],
                             [[rank, n.node_id, n.stage, n.outlier_level, n.val_loss, n.parent_val_loss, n.added_train,
                               n.val] for rank, _, n in outliers[:TOP_ROWS]], numeric=(0, 2, 3, 4, 5)))
    if ranking:
        parts.append(m.para("Keys by the mean outlier level of the nodes that added them"
                            + (f" (planted: {', '.join(map(str, planted))})" if planted else "") + ":"))
        parts.append(m.table(["rank", "key", "planted", "mean outlier level", "nodes adding", "as validation"],
                             [[r["rank"], r["key"], r["planted"], r["mean_outlier_level"], r["nodes_adding"],
                               r["as_val"]] for r in ranking[:TOP_ROWS]], numeric=(0, 3, 4, 5)))
    parts.append(m.note("CSV: python3 -m sv_analysis sublearning RUN_DIR (PYTHONPATH=supervisor/report)."))
    return "\n".join(parts)
