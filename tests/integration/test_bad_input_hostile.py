"""Input a hostile (or unlucky) user gives: a folder of their own as --out, bytes that are not UTF-8, walltimes
that are not numbers, alias bombs, out-of-range options, keys holding newlines. Each ends in one line on stderr
and exit status 2, and nothing of a run (folder, store) is created or changed."""
import os
import subprocess

from conftest import BINARY

GOOD = "workflow: sweep\nmodel: {kind: noop}\nsweep: {grid: {x: [1, 2]}}\nresources: {workers: 1}\n"


def call(tmp_path, *args, env=None, timeout=120):
    environment = dict(os.environ)
    environment.pop("SV_WALLTIME_S", None)
    environment.update(env or {})
    return subprocess.run([str(BINARY), *map(str, args)], cwd=tmp_path, capture_output=True, timeout=timeout,
                          env=environment)


def one_line_error(proc):
    """The one line of stderr, checked to be the only one, after checking the exit status is 2."""
    err = proc.stderr.decode("utf-8")  # the message itself must be UTF-8, whatever the input was
    assert proc.returncode == 2, err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    return lines[0]


def write_bytes(path, data):
    path.write_bytes(data)
    return path


# --- 1. --out names a folder of the user's ---

def test_run_refuses_an_out_folder_that_holds_other_files_and_leaves_them_alone(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", GOOD.encode())
    mine = tmp_path / "mine"
    (mine / "tasks").mkdir(parents=True)
    (mine / "workflow.yaml").write_text("my own notes\n")
    (mine / "tasks" / "data.txt").write_text("precious\n")
    before = sorted(p.relative_to(mine) for p in mine.rglob("*"))
    for extra in ([], ["--resume"]):
        line = one_line_error(call(tmp_path, "run", wf, "--out", mine, *extra))
        assert "not empty and holds no run" in line and str(mine) in line, line
    assert (mine / "workflow.yaml").read_text() == "my own notes\n"
    assert (mine / "tasks" / "data.txt").read_text() == "precious\n"
    assert sorted(p.relative_to(mine) for p in mine.rglob("*")) == before


def test_run_refuses_an_out_path_that_is_a_file(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", GOOD.encode())
    (tmp_path / "afile").write_text("x")
    assert "names a file" in one_line_error(call(tmp_path, "run", wf, "--out", tmp_path / "afile"))
    assert (tmp_path / "afile").read_text() == "x"


def test_run_into_an_existing_empty_folder_runs(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", GOOD.encode())
    (tmp_path / "empty").mkdir()
    proc = call(tmp_path, "run", wf, "--out", tmp_path / "empty", timeout=180)
    assert proc.returncode == 0, proc.stderr.decode()
    assert (tmp_path / "empty" / "supervisor.db").exists()


# --- 2. bytes that are not UTF-8 ---

def test_a_latin1_value_in_the_workflow_is_refused_with_file_line_and_key_by_validate_and_run(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", b"workflow: sweep\nmodel:\n  kind: noop\n  defaults: {x: \"caf\xe9\"}\n"
                     b"sweep: {grid: {x: [1]}}\nresources: {workers: 1}\n")
    for args in (("validate", wf), ("run", wf, "--out", tmp_path / "run")):
        line = one_line_error(call(tmp_path, *args))
        assert "wf.yaml:4: model.defaults.x:" in line and "0xE9 is not UTF-8" in line, line
    assert not (tmp_path / "run").exists()


def test_a_latin1_byte_in_a_comment_is_refused_with_its_line(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", GOOD.encode() + b"# r\xe9sum\xe9\n")
    line = one_line_error(call(tmp_path, "validate", wf))
    assert "wf.yaml:5: not UTF-8 text (byte 0xE9 is not UTF-8, column 4" in line, line


def test_a_binary_file_given_as_the_workflow_is_refused_in_one_line(tmp_path):
    with open("/bin/true", "rb") as f:
        executable = f.read()
    for data in (bytes(range(0x80, 0x100)) * 4, executable):
        binary = write_bytes(tmp_path / "wf.yaml", data)
        for args in (("validate", binary), ("run", binary, "--out", tmp_path / "run")):
            line = one_line_error(call(tmp_path, *args))
            assert "wf.yaml:1:" in line and "not UTF-8 text" in line and len(line) < 300, line
        assert not (tmp_path / "run").exists()


def test_latin1_csv_and_jsonl_sweep_files_are_refused_with_file_and_line(tmp_path):
    write_bytes(tmp_path / "rows.csv", b"x,name\n1,plain\n2,caf\xe9\n")
    write_bytes(tmp_path / "rows.jsonl", b'{"x": 1}\n{"x": "caf\xe9"}\n')
    for name in ("rows.csv", "rows.jsonl"):
        wf = write_bytes(tmp_path / "wf.yaml", f"workflow: sweep\nmodel: {{kind: noop}}\nsweep: {{file: {name}}}\n"
                                               "resources: {workers: 1}\n".encode())
        for args in (("validate", wf), ("run", wf, "--out", tmp_path / "run")):
            line = one_line_error(call(tmp_path, *args))
            assert f"{name}:" in line and ("not UTF-8" in line or "UTF-8" in line), line
        assert not (tmp_path / "run").exists()
    csv_line = one_line_error(call(tmp_path, "validate", write_bytes(
        tmp_path / "wf.yaml", b"workflow: sweep\nmodel: {kind: noop}\nsweep: {file: rows.csv}\n")))
    assert "rows.csv:3: not UTF-8 text (byte 0xE9" in csv_line, csv_line


# --- 3. walltimes that are not walltimes ---

def test_walltimes_and_margins_that_cannot_drain_are_refused_before_anything_runs(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", GOOD.encode())
    cases = [
        (["--walltime", "1e400"], {}, "--walltime '1e400': expected H:MM:SS"),
        (["--walltime", "inf"], {}, "--walltime 'inf': expected H:MM:SS"),
        (["--walltime", "nan"], {}, "--walltime 'nan': expected H:MM:SS"),
        (["--walltime", "1:99:99"], {}, "--walltime '1:99:99': expected H:MM:SS"),
        ([], {"SV_WALLTIME_S": "nan"}, "SV_WALLTIME_S 'nan': expected H:MM:SS"),
        (["--walltime", "0:10:00", "--drain-margin", "-3"], {}, "--drain-margin: expected seconds ≥ 0"),
        (["--walltime", "0:10:00", "--drain-margin", "nan"], {}, "--drain-margin: expected seconds ≥ 0"),
        (["--walltime", "8", "--drain-margin", "1000"], {}, "--drain-margin 1000: must be less than the walltime"),
        ([], {"SV_WALLTIME_S": "8"}, None),  # with --drain-margin 1000 below
    ]
    for args, env, expected in cases:
        if expected is None:
            args, expected = ["--drain-margin", "1000"], "--drain-margin 1000: must be less than the walltime (8 s)"
        line = one_line_error(call(tmp_path, "run", wf, "--out", tmp_path / "run", *args, env=env))
        assert expected in line, (args, env, line)
        assert not (tmp_path / "run").exists()
    for args in (["--walltime", "inf"], ["--walltime", "1:00", "--drain-margin", "60"]):
        line = one_line_error(call(tmp_path, "resume", tmp_path / "norun", *args))
        assert "--walltime 'inf'" in line or "--drain-margin 60: must be less" in line, line
    line = one_line_error(call(tmp_path, "submit", wf, "--site", "generic-slurm", "--walltime", "1e400", "--dry-run",
                               "--out", tmp_path / "sub"))
    assert "--walltime '1e400': expected H:MM:SS" in line, line


def test_a_bare_number_is_seconds_for_submit_as_for_run(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", GOOD.encode())
    proc = call(tmp_path, "submit", wf, "--site", "generic-slurm", "--walltime", "90", "--dry-run",
                "--out", tmp_path / "sub")
    assert proc.returncode == 0, proc.stderr.decode()
    assert "#SBATCH --time=0:01:30" in proc.stdout.decode()


# --- 4. alias bombs ---

def alias_bomb(levels, width=9):
    lines = ["workflow: sweep", "model:", "  kind: noop", "  defaults:", "    a0: &a0 [lol, lol, lol, lol, lol]"]
    for k in range(1, levels + 1):
        lines.append(f"    a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * width) + "]")
    lines += ["sweep: {grid: {x: [1]}}", "resources: {workers: 1}", ""]
    return "\n".join(lines).encode()


def test_an_alias_bomb_is_refused_with_its_line_and_key(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", alias_bomb(10))
    for args in (("validate", wf), ("run", wf, "--out", tmp_path / "run")):
        line = one_line_error(call(tmp_path, *args, timeout=60))
        assert "wf.yaml:" in line and "model.defaults.a" in line and "aliases expand to more than 100000" in line, line
    assert not (tmp_path / "run").exists()


# --- 16. command-line values out of range ---

def test_command_line_errors_exit_2_with_a_human_range(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", GOOD.encode())
    cases = [
        (["run", wf, "--workers", "0"], "--workers: expected a whole number from 1 to 65536, got '0'"),
        (["run", wf, "--workers", "99999999999999999999"], "from 1 to 65536"),
        (["run", wf, "--workers", "two"], "from 1 to 65536, got 'two'"),
        (["resume", tmp_path, "--workers", "-1"], "--workers"),
        (["status", tmp_path, "--interval", "0"], "--interval: expected seconds > 0, got '0'"),
        (["submit", wf, "--nodes", "0"], "--nodes: expected a whole number from 1 to 65536"),
        (["run", wf, "--frobnicate"], "frobnicate"),
        (["run"], "workflow"),
        (["export", tmp_path, "--format", "xml"], "--format"),
    ]
    for args, expected in cases:
        line = one_line_error(call(tmp_path, *args))
        assert expected in line, (args, line)
        assert "179769" not in line and "0.000000" not in line, line
    assert call(tmp_path, "--help").returncode == 0


def test_resources_workers_is_bounded_in_validate(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", GOOD.replace("workers: 1", "workers: 100000").encode())
    line = one_line_error(call(tmp_path, "validate", wf))
    assert "wf.yaml:4: resources.workers: expected an integer from 1 to 65536, got 100000" in line, line


# --- 18. messages ---

def test_a_range_bound_of_the_wrong_type_says_a_number_not_null(tmp_path):
    wf = write_bytes(tmp_path / "wf.yaml", b"workflow: hpo\nmodel: {kind: noop}\noptimizer: {name: random, max_evals: 3}\n"
                                           b"space: {lr: {type: float, low: abc, high: 1}}\n")
    line = one_line_error(call(tmp_path, "validate", wf))
    assert 'space.lr.low: expected a number, got "abc"' in line and "null" not in line, line


def test_keys_holding_a_newline_or_nul_are_escaped_and_do_not_cut_the_line(tmp_path):
    for raw, shown in ((b'"bad\\nkey"', "bad\\nkey"), (b'"bad\\0key"', "bad\\0key")):
        wf = write_bytes(tmp_path / "wf.yaml", GOOD.encode() + raw + b": 1\n")
        line = one_line_error(call(tmp_path, "validate", wf))
        assert f"wf.yaml:5: {shown}: unknown key" in line and "(allowed: name," in line, line
