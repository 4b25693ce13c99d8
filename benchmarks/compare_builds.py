#!/usr/bin/python3
"""Every row of benchmarks/run_all (ours, not the peers) for two builds, interleaved in one run:

    benchmarks/compare_builds.py --before PREFIX_A --after PREFIX_B [--runs 5] [--only KEY ...] [--json F]

PREFIX is a folder holding bin/supervisor and bin/sv-bench-store: a build directory, or an install tree
(`cmake --install build --prefix P`, plus the bench binaries copied into P/bin), so the "before" build can be
kept while the checkout moves on. Runs alternate between the two builds (A B, then B A, ...) so that a machine
that slows down or speeds up during the run weighs on both alike. Prints, per row, both medians and how much
worse the second is (positive = worse, in the row's own direction: tasks/s higher is better, seconds lower),
and marks rows more than --limit (default 10 %) worse. A refactor's bar reads: no row more than 10 % worse.
"""
import argparse
import datetime
import importlib.machinery
import importlib.util
import json
import os
import pathlib
import platform
import shutil
import statistics
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import common  # noqa: E402


def load_run_all():
    loader = importlib.machinery.SourceFileLoader("run_all", str(HERE / "run_all"))
    spec = importlib.util.spec_from_loader("run_all", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


run_all = load_run_all()

HIGHER_IS_BETTER = {"tasks/s", "rows/s", "fraction"}


def use_binary(prefix):
    """Points every benchmark helper at prefix/bin/supervisor (they read the module globals at call time)."""
    binary = pathlib.Path(prefix).resolve() / "bin" / "supervisor"
    if not binary.exists():
        sys.exit(f"compare_builds: {binary} is missing: build it, or give a prefix that holds bin/supervisor")
    common.BINARY = binary
    run_all.BINARY = binary
    os.environ["SV_BUILD_DIR"] = str(binary.parent.parent)  # benchmarks run as child processes (idle_cpu.py)


def worse_by(unit, before, after):
    """How much worse `after` is than `before`, as a fraction (negative: better)."""
    if unit in HIGHER_IS_BETTER:
        return (before - after) / before
    return (after - before) / before


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", nargs="*", help="row keys (or prefixes) to run")
    ap.add_argument("--limit", type=float, default=0.10)
    ap.add_argument("--json", help="default: benchmarks/results/compare-<date>.json")
    args = ap.parse_args()
    builds = {"before": args.before, "after": args.after}

    def wanted(key):
        return not args.only or any(key.startswith(o) for o in args.only)

    need_store = any(wanted(k) for k in ("status_ms_100k", "resume_first_dispatch_s_100k"))
    stores = {}
    for name, prefix in builds.items():  # each build reads a store it wrote itself
        use_binary(prefix)
        stores[name] = run_all.DoneStore(100000) if need_store else run_all.DoneStore.__new__(run_all.DoneStore)
    tables = {name: run_all.rows(stores[name]) for name in builds}
    keys = [key for key, *_ in tables["before"] if wanted(key)]

    values = {name: {} for name in builds}  # build -> row key -> [values]
    units, descriptions = {}, {}
    for i, key in enumerate(keys):
        entry = {name: next(r for r in tables[name] if r[0] == key) for name in builds}
        _, desc, unit, _ = entry["before"]
        for run in range(args.runs):
            order = ("before", "after") if run % 2 == 0 else ("after", "before")
            for name in order:
                use_binary(builds[name])
                for suffix, vals in run_all.measure(key, entry[name][3], 1).items():
                    row_key = key + suffix
                    units[row_key] = {"_of_ideal": "fraction", "_server_us_per_task": "µs"}.get(suffix, unit)
                    descriptions[row_key] = desc
                    values[name].setdefault(row_key, []).extend(vals)
        print(f"[{i + 1}/{len(keys)}] {key} done", flush=True)
    for name in builds:
        if need_store:
            shutil.rmtree(stores[name].out.parent, ignore_errors=True)

    rows, worst = {}, None
    for row_key in values["before"]:
        b = statistics.median(values["before"][row_key])
        a = statistics.median(values["after"][row_key])
        w = worse_by(units[row_key], b, a)
        rows[row_key] = {"unit": units[row_key], "description": descriptions[row_key],
                         "before": values["before"][row_key], "after": values["after"][row_key],
                         "before_median": b, "after_median": a, "worse_by": w, "over_limit": w > args.limit}
        worst = w if worst is None else max(worst, w)
        print(f"{row_key:40s} {b:14,.2f} {a:14,.2f} {units[row_key]:10s} {100 * w:+6.1f} %"
              f"{'  <-- over the limit' if w > args.limit else ''}")
    date = datetime.date.today().isoformat()
    out = pathlib.Path(args.json or HERE / "results" / f"compare-{date}.json")
    result = {"date": date, "invocation": datetime.datetime.now().isoformat(timespec="seconds"),
              "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]), "machine": platform.node(),
              "cores": os.cpu_count(), "runs": args.runs, "limit": args.limit, "builds": builds,
              "worst_worse_by": worst, "rows": rows,
              "met": all(not r["over_limit"] for r in rows.values())}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}; {'no row' if result['met'] else 'some row'} more than {100 * args.limit:.0f} % worse")


if __name__ == "__main__":
    main()
