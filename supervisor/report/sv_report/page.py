"""Assembles the page: header, table of contents, one <section> per registered section. A section that
raises shows its error in place (the rest of the report is still worth having) and is named on stderr;
strict mode (tests, SV_REPORT_STRICT=1) raises instead."""
import datetime
import os
import pathlib
import sys
import tempfile
import traceback

from sv_runstore import load_run

from .errors import ReportError
from .markup import esc
from .plots import require_matplotlib
from .registry import sections

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1em 2em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
.sub { color: #666; margin-top: 0; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; }
figure { margin: 0.6em 0; } img { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { overflow-wrap: normal; white-space: nowrap; }  /* a number is never split */
td { max-width: 38em; overflow-wrap: anywhere; }  /* with <wbr> in headers, a wide table fits the page */
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.15em 1em; }
dl.facts dt { color: #555; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.note { color: #666; font-size: 0.9em; }
.section-error { background: #fff0f0; border: 1px solid #e0a0a0; padding: 0.5em 1em; white-space: pre-wrap; }
"""


def _render_sections(run, strict):
    parts, failed = [], []
    for s in sections():
        try:
            body = s.render(run)
        except Exception as e:  # noqa: BLE001 - one broken section must not cost the whole report
            if strict:
                raise
            failed.append(s.name)
            print(f"supervisor report: warning: section '{s.name}' failed: {type(e).__name__}: {e}",
                  file=sys.stderr)
            body = (f'<div class="section-error">This section could not be drawn: '
                    f'{esc(type(e).__name__)}: {esc(e)}\n{esc(traceback.format_exc(limit=3))}</div>')
        if body is None:
            continue
        parts.append((s, body))
    return parts, failed


def render_page(run, strict=False):
    """The page's HTML text and the names of sections that failed."""
    parts, failed = _render_sections(run, strict)
    created = datetime.datetime.fromtimestamp(run.run["created"]).strftime("%Y-%m-%d %H:%M:%S")
    made = datetime.datetime.fromtimestamp(run.now).strftime("%Y-%m-%d %H:%M:%S")
    nav = "".join(f'<li><a href="#{esc(s.name)}">{esc(s.title)}</a></li>' for s, _ in parts)
    body = "\n".join(f'<section id="{esc(s.name)}">\n<h2>{esc(s.title)}</h2>\n{html}\n</section>'
                     for s, html in parts)
    title = f"{run.run['name']} — Supervisor report"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="icon" href="data:,">
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{esc(run.run['name'])}</h1>
<p class="sub">{esc(run.run['workflow'])} run, {esc(run.run['status'])} · started {esc(created)} ·
report made {esc(made)} · <code>{esc(run.run_dir)}</code></p>
<nav><ul>{nav}</ul></nav>
</header>
<main>
{body}
</main>
</body>
</html>
"""
    return page, failed


def write_report(run_dir, out=None, strict=False, spec_text=None):
    """Loads the run, renders the page and writes it atomically (default RUN_DIR/report.html)."""
    run = load_run(run_dir, spec_text)
    if not run.tasks:
        raise ReportError(f"{run_dir}: the run has no tasks yet, nothing to report "
                          f"(`supervisor status {run_dir}` shows where it stands)")
    require_matplotlib()
    page, failed = render_page(run, strict=strict)
    out = pathlib.Path(out) if out else pathlib.Path(run_dir) / "report.html"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed, so a reader never sees half a page.
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=out.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as e:
        raise ReportError(f"{out}: cannot write the report ({e.strerror or e})") from e
    return out, failed
