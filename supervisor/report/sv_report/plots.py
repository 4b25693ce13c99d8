"""Matplotlib for sections: the Agg backend (no display on compute nodes), one house style, and figures
turned into embedded <img> tags. Imported lazily so a missing matplotlib is one clear error."""
import base64
import io

from .errors import ReportError
from .markup import esc

_plt = None


def require_matplotlib():
    """Returns matplotlib.pyplot on the Agg backend, or raises ReportError naming the fix."""
    global _plt
    if _plt is None:
        try:
            import matplotlib
            matplotlib.use("Agg", force=True)
            import matplotlib.pyplot as plt
        except ImportError as e:
            raise ReportError(f"matplotlib is not available to this Python ({e}); install python3-matplotlib "
                              "(scripts/install-deps.sh does)") from e
        plt.rcParams.update({
            "figure.dpi": 100, "savefig.dpi": 100, "font.size": 9, "axes.titlesize": 10,
            "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
        })
        _plt = plt
    return _plt


def figure(width=7.5, height=3.2, **kwargs):
    """A new (figure, axes) pair; kwargs go to plt.subplots (nrows, ncols, ...)."""
    plt = require_matplotlib()
    return plt.subplots(figsize=(width, height), **kwargs)


def embed(fig, alt):
    """The figure as an <img> with a base64 PNG data URI; closes the figure."""
    plt = require_matplotlib()
    buf = io.BytesIO()
    if getattr(fig, "get_layout_engine", lambda: None)() is None:  # a figure made "constrained" lays itself out
        fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}"></figure>'
