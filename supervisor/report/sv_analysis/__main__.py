"""`python3 -m sv_analysis sublearning|uq RUN_DIR ...`: CSV analyses of a run (see __init__.py).

Exit status 0 when the files were written, 2 with one `supervisor: error:` line for a folder that is
not a run (or holds no tasks of that workflow)."""
import argparse
import json
import pathlib
import sys

from . import sublearning, uq
from sv_runstore import RunStoreError

from .runs import AnalysisError, load_tasks


def _planted(text):
    if text is None:
        return None
    out = []
    for word in text.split(","):
        word = word.strip()
        if word:
            try:
                out.append(json.loads(word))
            except ValueError:
                out.append(word)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="sv_analysis", description="CSV analyses of Supervisor runs.")
    sub = ap.add_subparsers(dest="kind", required=True)
    s = sub.add_parser("sublearning", help="per-stage statistics, Table 2, outlier levels, key ranking")
    s.add_argument("run_dirs", nargs="+", help="run directories (one per epoch strategy, say)")
    s.add_argument("--out", "-o", help="folder for the CSV files (default: FIRST_RUN_DIR/analysis)")
    s.add_argument("--planted", help="comma-separated keys known to be corrupted (default: the model's "
                                     "corrupt_cells default)")
    u = sub.add_parser("uq", help="the aggregation node's statistics and the replicas")
    u.add_argument("run_dir")
    u.add_argument("--out", "-o", help="folder for the CSV files (default: RUN_DIR/analysis)")
    args = ap.parse_args(argv)
    try:
        if args.kind == "sublearning":
            runs = [load_tasks(d) for d in args.run_dirs]
            result = sublearning.analyze(runs, _planted(args.planted))
            if not result["nodes"]:
                raise AnalysisError(f"{args.run_dirs[0]}: no sublearning nodes in this run")
            out = sublearning.write_csv(result, args.out or pathlib.Path(args.run_dirs[0]) / "analysis")
            print(sublearning.format_summary(result))
        else:
            run = load_tasks(args.run_dir)
            res = uq.analyze(run)
            if not res["replicas"]:
                raise AnalysisError(f"{args.run_dir}: no uq replicas in this run")
            out = uq.write_csv(res, args.out or pathlib.Path(args.run_dir) / "analysis")
            print(uq.format_summary(res))
    except RunStoreError as e:  # AnalysisError is one
        print(f"supervisor: error: {e}", file=sys.stderr)
        return 2
    print(f"analysis: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
