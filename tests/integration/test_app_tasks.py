"""App tasks: argv substitution without a shell, results from stdout or a file, timeouts that kill."""
import json


def process_alive(pid):
    """True while `pid` runs (a zombie, killed and waiting for its parent, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_app_arguments_are_substituted_per_argument_and_never_reach_a_shell(supervisor, write_yaml, tmp_path):
    script = tmp_path / "app.py"
    script.write_text(
        "import json, sys\n"
        "print('some log line')\n"
        "print(json.dumps({'val_loss': float(sys.argv[1]), 'label': sys.argv[2], 'argc': len(sys.argv)}))\n")
    wf = write_yaml(f"""
workflow: sweep
model:
  kind: app
  command: [/usr/bin/python3, "{script}", "{{x}}", "{{label}}"]
sweep:
  list:
    - {{x: 1.5, label: "plain"}}
    - {{x: 2, label: "; touch {tmp_path}/pwned $(id)"}}
resources: {{workers: 2}}
""")
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    tasks = {t["node_id"]: t for t in run.tasks()}
    assert tasks["1"]["objective"] == 1.5
    second = json.loads(tasks["2"]["result"])
    assert second["label"] == f"; touch {tmp_path}/pwned $(id)"
    assert second["argc"] == 3
    assert not (tmp_path / "pwned").exists()
    assert (run.out_dir / "tasks" / "1" / "stdout.log").read_text().startswith("some log line")


def test_app_result_file_and_failing_exit_status(supervisor, write_yaml, tmp_path):
    script = tmp_path / "app.sh"
    script.write_text('#!/bin/sh\nif [ "$1" = 2 ]; then echo broken >&2; exit 4; fi\n'
                      'echo "{\\"val_loss\\": $1}" > out.json\n')
    script.chmod(0o755)
    wf = write_yaml(f"""
workflow: sweep
model: {{kind: app, command: ["{script}", "{{x}}"], result_file: out.json}}
sweep: {{grid: {{x: [1, 2, 3]}}}}
resources: {{workers: 1}}
""")
    run = supervisor("run", wf)
    assert run.returncode == 0, run.stderr
    tasks = {t["node_id"]: t for t in run.tasks()}
    assert tasks["1"]["objective"] == 1
    assert tasks["3"]["objective"] == 3
    assert tasks["2"]["status"] == "failed"
    assert "exited with status 4" in tasks["2"]["error"]
    assert "broken" in tasks["2"]["error"]


def test_app_past_its_timeout_is_killed_with_its_children(supervisor, write_yaml, tmp_path):
    pids = tmp_path / "pids"
    script = tmp_path / "slow.sh"
    script.write_text(f"#!/bin/sh\nsleep 600 &\necho $! > {pids}\necho $$ >> {pids}\nsleep 600\n")
    script.chmod(0o755)
    wf = write_yaml(f"""
workflow: sweep
model: {{kind: app, command: ["{script}"], timeout: 1}}
sweep: {{list: [{{x: 1}}]}}
resources: {{workers: 1}}
""")
    run = supervisor("run", wf, timeout=120)
    task = run.tasks()[0]
    assert task["status"] == "failed"
    assert "timed out" in task["error"]
    # The script and the child it left in the background are both gone (not how fast: that they are).
    alive = [pid for pid in map(int, pids.read_text().split()) if process_alive(pid)]
    assert alive == [], f"processes of the timed-out app still running: {alive}"
