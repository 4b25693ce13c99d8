"""Bad input ends in one clear line and a non-zero exit, before any run data is written."""


def test_validate_names_file_line_and_key(supervisor, write_yaml):
    wf = write_yaml("workflow: sweep\nmodel: {kind: noop}\nsweep:\n  grid: {x: [1]}\nresources:\n  workers: two\n")
    res = supervisor("validate", wf)
    assert res.returncode == 2
    assert "wf.yaml:6: resources.workers" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_validate_accepts_a_good_file_and_counts_tasks(supervisor, write_yaml):
    wf = write_yaml("workflow: sweep\nmodel: {kind: noop}\nsweep:\n  grid: {x: [1, 2], y: [3, 4, 5]}\n")
    res = supervisor("validate", wf)
    assert res.returncode == 0, res.stderr
    assert "6 tasks" in res.stdout


def test_run_with_a_bad_spec_fails_before_creating_the_run(supervisor, write_yaml):
    wf = write_yaml("workflow: sweep\nmodel: {kind: noop}\nsweep: {grid: {x: []}}\n")
    res = supervisor("run", wf)
    assert res.returncode == 2
    assert "sweep.grid.x" in res.stderr
    assert not res.out_dir.exists()


def test_a_preload_module_that_does_not_import_stops_the_job_with_its_name(supervisor, write_yaml):
    wf = write_yaml("""
workflow: sweep
model: {kind: python, entry: "model_runner.examples.quadratic:run"}
sweep: {grid: {x: [1, 2]}}
resources: {workers: 2, preload: [no_such_module_xyz]}
""")
    res = supervisor("run", wf, timeout=120)
    assert res.returncode == 1  # the README: 1 when a worker could not start
    assert "no_such_module_xyz" in res.stderr


def test_an_existing_run_directory_is_never_overwritten(supervisor, write_yaml):
    wf = write_yaml("workflow: sweep\nmodel: {kind: noop}\nsweep: {grid: {x: [1]}}\nresources: {workers: 1}\n")
    assert supervisor("run", wf).returncode == 0
    again = supervisor("run", wf)
    assert again.returncode == 2
    assert "already holds a run" in again.stderr


def test_status_of_a_folder_that_is_not_a_run_says_so(supervisor, tmp_path):
    res = supervisor("status", tmp_path)
    assert res.returncode == 2
    assert "not a run directory" in res.stderr
