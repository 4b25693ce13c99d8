"""sv_analysis: the analyses the dataflow workflows are run for, as CSV files (and, through
sv_report's sections, on the report page).

    python3 -m sv_analysis sublearning RUN_DIR [RUN_DIR ...] [--out DIR] [--planted KEYS]
    python3 -m sv_analysis uq RUN_DIR [--out DIR]

(with ``supervisor/report`` on PYTHONPATH, as ``supervisor report`` sets it). Terms: a *run* is one
campaign's directory with its SQLite store; everything here is recomputed from that store alone.
*Sublearning* terms follow Wozniak et al., "High-bypass learning" (the seed paper): a *node* is one
training, its *stage* its depth, a *trajectory* a path from a stage-1 node to a leaf; see sublearning.py.
"""
from .runs import RunTasks, load_tasks

__all__ = ["RunTasks", "load_tasks"]
