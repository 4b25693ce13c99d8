"""Small HTML builders for sections. Everything taken from the run (parameters, errors, names) is
escaped here, so a section never pastes user text into the page by hand."""
import html
import json
import math


def esc(value):
    return html.escape(str(value), quote=True)


def fmt(value, digits=6):
    """A cell's text: numbers in short form, containers as compact JSON, None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if math.isfinite(value) else str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


def para(text, cls=None):
    c = f' class="{esc(cls)}"' if cls else ""
    return f"<p{c}>{esc(text)}</p>"


def note(text):
    return para(text, "note")


def table(headers, rows, cls=None, numeric=()):
    """A table from header strings and rows of values (formatted with fmt, escaped). `numeric` names the
    columns (by index) to align right."""
    c = f' class="{esc(cls)}"' if cls else ""
    # A header may break after an underscore (early_stop_fraction): many columns then still fit the page.
    head = "".join(f"<th>{esc(h).replace('_', '_<wbr>')}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            align = ' class="num"' if i in numeric else ""
            cells.append(f"<td{align}>{esc(fmt(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table{c}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def facts(pairs):
    """A definition list of (label, value) pairs, for a section's key numbers."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(fmt(v))}</dd>" for k, v in pairs)
    return f'<dl class="facts">{items}</dl>'


def duration(seconds):
    """`1h02m03s`, `4m05s` or `6.7s`, as the CLI prints durations."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    if seconds < 60:
        return f"{seconds:.1f}s"
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"
