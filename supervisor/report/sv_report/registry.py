"""The section registry. A section is a function `render(run: RunData) -> str | None` returning an HTML
fragment (built with sv_report.markup and sv_report.plots), or None to leave itself off the page (a
Pareto front for a single-objective run, say). Register it with `@section(name, title, order)` in a module
under sv_report/sections/: every module there is imported when the page is built, so adding a section
is adding one file. `order` places it on the page (lower first); `name` is its HTML anchor."""
import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

_REGISTRY = {}


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    order: int
    render: Callable


def section(name, title, order=100):
    """Decorator registering `render` as the page section `name` (an id: letters, digits, '-')."""
    if not name or not all(c.isalnum() or c == "-" for c in name):
        raise ValueError(f"section name {name!r}: use letters, digits and '-' (it becomes an HTML id)")

    def register(render):
        old = _REGISTRY.get(name)
        if old is not None and old.render is not render:
            raise ValueError(f"section {name!r} is registered twice ({old.render.__module__} and "
                             f"{render.__module__})")
        _REGISTRY[name] = Section(name, title, order, render)
        return render

    return register


def discover():
    """Imports every module of sv_report.sections (each registers what it defines)."""
    # By name: the package's own `sections` attribute is the function below, not this sub-package.
    package = importlib.import_module(__name__.rsplit(".", 1)[0] + ".sections")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        importlib.import_module(f"{package.__name__}.{info.name}")


def sections():
    """Every registered section, in page order."""
    discover()
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))
