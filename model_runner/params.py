"""Parameters the way CANDLE users know them: default files plus layered overrides.

A model can ship its defaults as a CANDLE-style INI file (``[Global_Params]``
with Python-literal values), as YAML or JSON, or as a ``default_params`` dict.
The runner layers them: file/module defaults <- workflow ``model.defaults`` <-
the task's tuple. Layers keep their types; a few safe conversions toward the
type already present (``3.0`` for an int default, ``"0.1"`` for a float one)
spare users from optimizers and CSV sweeps that hand back the "wrong" number type.
"""
import ast
import configparser
import json
import os

__all__ = ["load_default_params", "merge_params", "parse_value"]

GLOBAL_SECTION = "Global_Params"
_WORDS = {"true": True, "false": False, "none": None, "null": None}


def parse_value(text):
    """Turn one INI value into a Python value, as CANDLE's ``eval`` of it would.

    ``[500, 100]`` -> list, ``0.001`` -> float, ``'relu'`` and ``relu`` -> "relu",
    ``True``/``true`` -> True. Anything that is not a literal stays a string,
    so paths and bare words need no quotes. Tuples become lists (JSON has no tuples).
    """
    text = text.strip()
    if not text:
        return ""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _WORDS.get(text.lower(), text)
    return _listify(value)


def _listify(value):
    if isinstance(value, (tuple, list)):
        return [_listify(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_listify(v) for v in value)
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value


def load_default_params(path):
    """Read a default parameter file into one flat dict.

    The format follows the extension: ``.yaml``/``.yml`` (PyYAML), ``.json``,
    anything else INI. INI sections are flattened with ``[Global_Params]`` first
    and the first occurrence of a key winning, as CANDLE does; keys keep their case.
    Raises FileNotFoundError / ValueError with the file name in the message.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"default parameter file not found: {path}")
    ext = os.path.splitext(path)[1].lower()
    if ext in (".yaml", ".yml"):
        return _load_yaml(path)
    if ext == ".json":
        with open(path, encoding="utf-8") as fh:
            try:
                data = json.load(fh)
            except ValueError as exc:
                raise ValueError(f"{path}: invalid JSON: {exc}") from None
        return _flatten_sections(_require_mapping(data, path))
    return _load_ini(path)


def _load_ini(path):
    parser = configparser.ConfigParser(
        interpolation=None, inline_comment_prefixes=("#", ";"), strict=False)
    parser.optionxform = str  # keep key case: params are Python identifiers
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        parser.read_string(text, source=path)
    except configparser.MissingSectionHeaderError:
        parser.read_string(f"[{GLOBAL_SECTION}]\n{text}", source=path)
    except configparser.Error as exc:
        raise ValueError(f"{path}: {exc}") from None
    sections = parser.sections()
    if GLOBAL_SECTION in sections:
        sections.remove(GLOBAL_SECTION)
        sections.insert(0, GLOBAL_SECTION)
    out = {}
    for section in sections:
        for key, raw in parser.items(section, raw=True):
            if key not in out:
                out[key] = parse_value(raw)
    return out


def _load_yaml(path):
    try:
        import yaml
    except ImportError:
        raise ImportError(f"{path}: reading YAML parameter files needs PyYAML "
                          "(Debian: python3-yaml)") from None
    with open(path, encoding="utf-8") as fh:
        try:
            data = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: invalid YAML: {exc}") from None
    if data is None:
        return {}
    return _flatten_sections(_require_mapping(data, path))


def _require_mapping(data, path):
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the top level must be a mapping of parameters, "
                         f"not {type(data).__name__}")
    return data


def _flatten_sections(data):
    """A YAML/JSON file may mirror the INI layout (``Global_Params: {...}``); flatten it."""
    if not isinstance(data.get(GLOBAL_SECTION), dict):
        return {str(k): _listify(v) for k, v in data.items()}
    out = {}
    names = [GLOBAL_SECTION] + [k for k in data if k != GLOBAL_SECTION]
    for name in names:
        value = data[name]
        if isinstance(value, dict) and str(name).endswith("_Params"):
            for key, item in value.items():
                out.setdefault(str(key), _listify(item))
        else:
            out.setdefault(str(name), _listify(value))
    return out


def merge_params(*layers):
    """Merge parameter dicts, later layers winning; ``None`` layers are skipped.

    Shallow on purpose: a tuple that sets ``dense`` replaces the whole list.
    Values are converted toward the type already present only when nothing is
    lost (see :func:`coerce_like`). Returns a new dict; the layers are not touched.
    """
    merged = None
    for layer in layers:
        if not layer:
            continue
        if merged is None:
            merged = dict(layer)
            continue
        for key, value in layer.items():
            old = merged.get(key)
            if old is not None and value is not None and type(old) is not type(value):
                value = coerce_like(old, value)
            merged[key] = value
    return {} if merged is None else merged


def coerce_like(old, new):
    """Convert ``new`` to ``old``'s type when that is lossless, else return it as is.

    int default: integral floats and integer strings become int. float default:
    ints and numeric strings become float. bool default: "true"/"false" strings.
    list default: a string holding a list literal. Everything else is left alone,
    so a model still sees exactly what the user gave when a conversion would guess.
    """
    if isinstance(old, bool):
        if isinstance(new, str) and new.strip().lower() in ("true", "false"):
            return new.strip().lower() == "true"
        return new
    if isinstance(old, int):
        if isinstance(new, float) and new.is_integer():
            return int(new)
        if isinstance(new, str):
            parsed = _parse_number(new, int)
            return new if parsed is None else parsed
        return new
    if isinstance(old, float):
        if isinstance(new, int) and not isinstance(new, bool):
            return float(new)
        if isinstance(new, str):
            parsed = _parse_number(new, float)
            return new if parsed is None else parsed
        return new
    if isinstance(old, list) and isinstance(new, str):
        parsed = parse_value(new)
        return parsed if isinstance(parsed, list) else new
    return new


def _parse_number(text, kind):
    try:
        value = float(text)
    except ValueError:
        return None
    if kind is int:
        return int(value) if value.is_integer() else None
    return value
