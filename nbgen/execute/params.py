"""papermill-style parameters: ``-p NAME=VALUE`` becomes a cell after the ``parameters`` cell.

Values are typed as papermill types them (``papermill/cli.py`` ``_resolve_type``, ``-y`` with
``NoDatesSafeLoader``) and written as papermill's ``PythonTranslator`` writes them, so
``inf`` becomes ``float('inf')``, not a NameError.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import math
from typing import Any, ClassVar

from nbgen.errors import UsageError

INJECTED_TAG = "injected-parameters"
MAX_DEPTH = 100  # Python's parser stops at 200 nested brackets; no parameter needs more


def parse_parameters(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` → {NAME: value}, typed as papermill's ``-p NAME VALUE`` types them
    (``True``/``False``/``None``, an int, a float, else the text as it is), and a VALUE that
    starts with ``[`` or ``{`` read as JSON, else YAML without dates, as papermill's ``-y``."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(
                f"-p {pair!r}: expected NAME=VALUE with NAME a Python name, e.g. -p STEPS=2"
            )
        if keyword.iskeyword(name):
            raise UsageError(
                f"-p {pair!r}: {name!r} is a Python keyword, which cannot be a variable; "
                "use the name the parameters cell assigns"
            )
        out[name] = _typed(raw, pair)
    return out


def _typed(raw: str, pair: str) -> Any:
    """papermill's ``_resolve_type``, plus JSON or YAML for lists and mappings."""
    if raw in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[raw]
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    if raw.lstrip().startswith(("[", "{")):
        value = _structured(raw, pair)
        _check_depth(value, pair)
        return value
    return raw


def _structured(raw: str, pair: str) -> Any:
    try:
        return json.loads(raw)  # JSON first: YAML 1.1 reads 1e-3 as text
    except RecursionError:
        raise UsageError(f"-p {pair!r}: nested more than {MAX_DEPTH} levels deep") from None
    except ValueError:
        pass
    import yaml  # a jupytext dependency

    try:
        return yaml.load(raw, Loader=_loader())  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        raise UsageError(f"-p {pair!r}: not valid JSON or YAML ({exc})") from None
    except _Refused as exc:
        raise UsageError(f"-p {pair!r}: {exc}") from None
    except RecursionError:
        raise UsageError(f"-p {pair!r}: nested more than {MAX_DEPTH} levels deep") from None


class _Refused(Exception):
    pass


def _loader() -> type:
    """papermill's ``NoDatesSafeLoader`` (dates stay text), refusing aliases (a few hundred
    bytes of ``&a [*a, *a]`` expand to gigabytes) and nesting deeper than :data:`MAX_DEPTH`."""
    import yaml

    class Loader(yaml.SafeLoader):  # type: ignore[misc]  # yaml has no type stubs here
        yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
            key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
            for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise _Refused("YAML aliases (*name) are not allowed; write the value out")
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise _Refused(f"nested more than {MAX_DEPTH} levels deep")
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return Loader


def _check_depth(value: Any, pair: str, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise UsageError(f"-p {pair!r}: nested more than {MAX_DEPTH} levels deep")
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        _check_depth(item, pair, depth + 1)


def python_literal(value: Any) -> str:
    """``value`` as papermill's PythonTranslator writes it: ``float('inf')`` for infinities and
    NaN, mapping keys as text, and anything else that is not JSON-like as its text."""
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('-inf')" if value < 0 else "float('inf')"
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        items = ", ".join(f"{str(k)!r}: {python_literal(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(v) for v in value) + "]"
    return repr(str(value))  # papermill's last resort: the value's text


def inject_parameters(nb: dict[str, Any], values: dict[str, Any]) -> str:
    """Insert the parameters cell (replacing an earlier injection); return where it went."""
    if not values:
        return ""
    cells = [c for c in nb["cells"] if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    lines = (f"{name} = {python_literal(value)}" for name, value in values.items())
    source = "# Parameters\n" + "\n".join(lines)
    cell: dict[str, Any] = {
        "cell_type": "code", "execution_count": None, "outputs": [], "source": source,
        "metadata": {"tags": [INJECTED_TAG]},
    }  # fmt: skip
    if nb.get("nbformat_minor", 5) >= 5:
        cell["id"] = "injected-" + hashlib.sha1(source.encode()).hexdigest()[:12]
    index = next(
        (i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])),
        None,
    )
    where = (
        "after the cell tagged 'parameters'"
        if index is not None
        else "at the top (no cell is tagged 'parameters')"
    )
    cells.insert(0 if index is None else index + 1, cell)
    nb["cells"] = cells
    return where
