"""resources.shell: isolated — model code runs in a resident child process per worker, so a crash costs
one attempt, not the job."""


def test_a_segfault_in_the_model_fails_that_evaluation_and_all_others_finish(supervisor, write_yaml):
    wf = write_yaml("""
workflow: sweep
model: {kind: python, entry: "itest_models:crashes_on_three", python_path: ["@MODELS@"]}
sweep: {grid: {x: [1, 2, 3, 4, 5, 6]}}
resources: {workers: 2, shell: isolated}
""")
    run = supervisor("run", wf, timeout=120)
    assert run.returncode == 0, run.stderr
    tasks = {t["node_id"]: t for t in run.tasks()}
    assert tasks["3"]["status"] == "failed"
    assert "SIGSEGV" in tasks["3"]["error"]
    for node in "12456":
        assert tasks[node]["status"] == "done", tasks[node]["error"]
        assert tasks[node]["objective"] == float(node)


def test_an_isolated_task_past_its_timeout_is_stopped_and_the_worker_goes_on(supervisor, write_yaml):
    wf = write_yaml("""
workflow: sweep
model: {kind: python, entry: "itest_models:sleeps", python_path: ["@MODELS@"], timeout: 5}
sweep: {list: [{seconds: 600}, {seconds: 0}]}
resources: {workers: 1, shell: isolated}
""")
    run = supervisor("run", wf, timeout=120)
    assert run.returncode == 0, run.stderr
    tasks = {t["node_id"]: t for t in run.tasks()}
    assert tasks["1"]["status"] == "failed"
    assert "timed out" in tasks["1"]["error"]  # a 600 s sleep: had the stop not come, the run would time out
    assert tasks["2"]["status"] == "done"


def test_an_isolated_progress_report_reaches_the_store(supervisor, write_yaml):
    wf = write_yaml("""
workflow: sweep
model: {kind: python, entry: "itest_models:epochs", python_path: ["@MODELS@"], defaults: {epochs: 3}}
sweep: {list: [{x: 0}]}
resources: {workers: 1, shell: isolated}
""")
    run = supervisor("run", wf, timeout=120)
    assert run.returncode == 0, run.stderr
    with run.db() as con:
        assert [r[0] for r in con.execute("SELECT epoch FROM metrics ORDER BY epoch")] == [1, 2, 3]


def test_an_embedded_python_call_past_its_timeout_is_interrupted_and_the_next_task_is_clean(supervisor, write_yaml):
    wf = write_yaml("""
workflow: sweep
model: {kind: python, entry: "itest_models:spins", python_path: ["@MODELS@"], timeout: 5}
sweep: {list: [{seconds: 600}, {seconds: 0.1}, {seconds: 0.1}]}
resources: {workers: 1}
""")
    run = supervisor("run", wf, timeout=120)
    assert run.returncode == 0, run.stderr
    tasks = {t["node_id"]: t for t in run.tasks()}
    assert tasks["1"]["status"] == "failed"
    assert "timed out after" in tasks["1"]["error"]  # a 600 s loop: had the interrupt not come, the run would time out
    assert tasks["2"]["status"] == tasks["3"]["status"] == "done"
