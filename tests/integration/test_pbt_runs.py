"""Population-based training (optimizer name: pbt): the population trains in segments, each one task
that starts from handed-off weights; the bottom of the ranking exploits the top and explores. Every
segment is a pbt_segments row (lineage and schedule), and a search killed again and again resumes from
its last finished segments without running one again."""
import json
import subprocess

from conftest import BINARY, Run, query_store, wait_for_store
from test_torture_resume import kill_job

PBT = """
name: pbt-curves
workflow: hpo
model: {kind: python, entry: "pbt_models:segment", python_path: ["@MODELS@"], defaults: {epoch_s: @EPOCH_S@}}
space: {x: {type: float, low: 0, high: 1}}
objective: {metric: val_loss}
optimizer:
  name: pbt
  seed: 4
  population: 4
  interval_epochs: @INTERVAL@
  segments: @SEGMENTS@
  quantile: 0.25
  perturb: {factors: [0.8, 1.2], resample_probability: 0.25}
resources: {workers: 2}
"""


def pbt_yaml(interval=2, segments=4, epoch_s=0.05):
    return (PBT.replace("@INTERVAL@", str(interval)).replace("@SEGMENTS@", str(segments))
            .replace("@EPOCH_S@", str(epoch_s)))


def segments_of(out):
    return query_store(out, "SELECT task_id, member, segment, start_epoch, end_epoch, parent_task_id, "
                            "parent_member, exploited, params, score FROM pbt_segments ORDER BY task_id") or []


def check_lineage(run, interval, segments, population=4):
    """The run ended done, every member trained every segment once, and each segment's parent is what its
    row says: its own previous segment, or (exploited) another member's finished one whose weights it took."""
    assert run.returncode == 0, run.stderr
    with run.db() as con:
        assert con.execute("SELECT status FROM runs").fetchone()[0] == "done"
    tasks = {t["id"]: t for t in run.tasks()}
    rows = {r[0]: r for r in segments_of(run.out_dir)}
    assert len(tasks) == len(rows) == population * segments  # the budget, and not a segment more
    assert {t["status"] for t in tasks.values()} == {"done"}
    assert sorted((r[1], r[2]) for r in rows.values()) == [(m, s) for m in range(population) for s in range(segments)]
    exploited = 0
    for task_id, member, segment, start, end, parent, parent_member, was_exploited, params, score in rows.values():
        task = tasks[task_id]
        assert task["node_id"] == f"m{member}.s{segment}"
        assert (start, end) == (segment * interval, (segment + 1) * interval)
        assert score == task["objective"]
        assert json.loads(params)["x"] == json.loads(task["params"])["x"]
        result = json.loads(task["result"])
        if segment == 0:
            assert parent is None and parent_member is None and not was_exploited
            assert result["weights_from"] is None
            continue
        p = rows[parent]  # the parent exists, finished before this segment was created
        assert p[1] == parent_member and p[9] is not None and parent < task_id
        assert result["weights_from"] == tasks[parent]["node_id"]  # it trained on from the parent's weights
        assert result["weights_source"] in ("memory", "file")
        if was_exploited:
            exploited += 1
            assert parent_member != member
        else:
            assert parent_member == member and p[2] == segment - 1 and p[8] == params
    assert exploited > 0
    return tasks, rows


def test_a_pbt_search_ends_done_with_every_segment_in_a_consistent_lineage(supervisor, write_yaml):
    run = supervisor("run", write_yaml(pbt_yaml()), timeout=300)
    tasks, _ = check_lineage(run, interval=2, segments=4)
    # Segments that continue prefer the worker holding their parent's weights: some hand-offs stay in memory.
    assert any(json.loads(t["result"])["weights_source"] == "memory" for t in tasks.values())
    with run.db() as con:
        epochs = {(n, e) for n, e in con.execute("SELECT node_id, epoch FROM metrics")}
    assert ("m0.s3", 8) in epochs and ("m0.s3", 7) in epochs and ("m0.s3", 6) not in epochs


def test_pbt_with_a_bad_key_is_one_line_and_exit_2(supervisor, write_yaml):
    run = supervisor("validate", write_yaml(pbt_yaml().replace("quantile: 0.25", "quantile: 0.75")))
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "optimizer.quantile" in run.stderr


def test_a_pbt_search_killed_again_and_again_keeps_its_lineage_and_never_reruns_a_finished_segment(tmp_path,
                                                                                                  write_yaml):
    wf = write_yaml(pbt_yaml(interval=1, segments=6, epoch_s=0.2))
    out = tmp_path / "run"

    def start(*args):
        return subprocess.Popen([str(BINARY), *args], cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)

    def done_rows():
        return {n: (a, e) for n, a, e in query_store(out, "SELECT node_id, attempts, end_time FROM tasks "
                                                          "WHERE status = 'done'") or []}

    proc = start("run", str(wf), "--out", str(out))
    kept, lineage, kills = {}, {}, 0
    # kill -9 each session once the store shows more finished segments than the last one left (progress,
    # not the clock, decides when), then resume; whatever was recorded before a kill stays as it was.
    for target in (4, 9, 14):
        try:
            wait_for_store(out, "SELECT count(*) FROM pbt_segments WHERE score IS NOT NULL",
                           lambda r: r[0][0] >= target, timeout=240, proc=proc, what=f"{target} finished segments")
        except AssertionError:
            if proc.poll() is None:
                raise
            break  # the search ended first
        kill_job(proc, out)
        kills += 1
        now = done_rows()
        rows = {r[0]: r for r in segments_of(out)}
        assert all(now[n] == v for n, v in kept.items())
        for task_id, row in lineage.items():  # every lineage row kept; a score, once there, too
            assert rows[task_id][:9] == row[:9]
            assert row[9] is None or rows[task_id][9] == row[9]
        kept, lineage = now, rows
        proc = start("resume", str(out))
    _, err = proc.communicate(timeout=300)
    assert kills >= 2
    run = Run(subprocess.CompletedProcess([], proc.returncode, "", err.decode()), out)
    tasks, rows = check_lineage(run, interval=1, segments=6)
    by_node = {t["node_id"]: t for t in tasks.values()}
    for node, (attempts, end_time) in kept.items():
        assert (by_node[node]["attempts"], by_node[node]["end_time"]) == (attempts, end_time)  # not run again
    for task_id, row in lineage.items():
        assert rows[task_id][:9] == row[:9]
