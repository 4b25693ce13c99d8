"""sv_report on a sublearning-like run built in memory: the supervisor's internal keys (leading
underscore) and long lists (a node's 75 cells) are summarized in tables and never drawn as parameters."""
import pathlib
import sys
import time

REPORT_DIR = pathlib.Path(__file__).resolve().parents[2] / "supervisor" / "report"
sys.path.insert(0, str(REPORT_DIR))

from sv_report import RunData, Task  # noqa: E402
from sv_report.page import render_page  # noqa: E402
from sv_report.paramview import params_text, summarize  # noqa: E402
from sv_runstore import Objective  # noqa: E402
from sv_report.sections import parameters  # noqa: E402


def sublearning_like_run(n=12):
    now = time.time()
    t0 = now - 100
    tasks = []
    for i in range(1, n + 1):
        params = {"learning_rate": 0.001 * i, "dense": [64, 32] if i % 2 else [32, 16],
                  "cells": list(range(i, i + 75)), "val_cells": list(range(100 + i, 125 + i)),
                  "_parent": str(i // 2), "_children": 2,
                  "_initial_weights": f"/runs/sub/tasks/{i // 2}/weights/{'w' * 80}.pt"}
        tasks.append(Task(id=i, node_id=f"1.{i}", model="uno", params=params, status="done", attempts=1,
                          worker=1 + i % 2, host="node1", submit_time=t0, dispatch_time=t0 + i,
                          start_time=t0 + i, end_time=t0 + i + 3, objective=1.0 / i,
                          result={"val_loss": 1.0 / i}, error=""))
    return RunData(run_dir=pathlib.Path("/tmp/nowhere"),
                   run={"name": "sub", "workflow": "sublearning", "status": "done", "created": t0, "updated": now,
                        "spec_path": ""},
                   sessions=[], tasks=tasks, metrics=[], events=[], spec={},
                   objectives=[Objective("val_loss", "minimize")], now=now)


def test_a_long_list_is_shown_as_its_length_and_first_items():
    assert summarize(list(range(3, 78))) == "[75 items: 3, 4, 5, …]"
    assert summarize([64, 32]) == "[64,32]"
    assert summarize("relu") == "relu"


def test_parameter_text_leaves_out_internal_keys_and_summarizes_long_lists():
    text = params_text({"lr": 0.01, "cells": list(range(75)), "_parent": "1", "_initial_weights": "/w.pt"})
    assert text == "cells=[75 items: 0, 1, 2, …], lr=0.01"


def test_best_rows_and_best_parameters_show_no_internal_keys_or_whole_long_lists():
    page, failed = render_page(sublearning_like_run(), strict=True)
    assert failed == []
    for section_id in ("summary", "objective"):
        start = page.index(f'<section id="{section_id}">')
        body = page[start:page.index("</section>", start)]
        assert "_initial_weights" not in body and "_parent" not in body and "_children" not in body, section_id
        assert "cells=[75 items:" in body and "val_cells=[25 items:" in body, section_id
        assert "weights" not in body, section_id


def test_parameters_vs_objective_draws_neither_internal_keys_nor_long_lists():
    run = sublearning_like_run()
    drawn, left = parameters.split_plottable(run.scored(), parameters.varying_params(run.scored()))
    assert drawn == ["learning_rate", "dense"]
    assert sorted(left) == ["_initial_weights", "_parent", "cells", "val_cells"]
    html = parameters.render(run)
    assert "Not drawn, each value being a long list: cells, val_cells." in html
    assert "Not drawn, the supervisor&#x27;s own bookkeeping: _parent, _initial_weights." in html
