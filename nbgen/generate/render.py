"""Jinja rendering: spec + templates → jupytext percent text, user values as Python literals."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from nbgen.errors import NbgenError
from nbgen.generate.sections import SECTIONS, enabled_sections
from nbgen.generate.spec import NotebookSpec

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "runtime"
_RUNTIME_IMPORT_RE = re.compile(
    r"^from nbgen\.runtime\.([\w.]+) import (?:\([^)]*\)|[^\n]+)\n", re.MULTILINE
)


def templates_dir() -> Path:
    """The templates folder: inside the installed package, else the repository root."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_templates", package.parent / "templates"):
        if (candidate / "colab_setup.py.j2").is_file():
            return candidate
    raise NbgenError(f"nbgen's templates are missing (looked in {package}); reinstall nbgen")


def py_literal(value: Any) -> str:
    """Render a value as a Python literal: the one way user values enter generated code."""
    if isinstance(value, tuple):
        value = list(value)
    if value is None or isinstance(value, bool | int | float | str | list):
        text = repr(value)
        if "\n" in text or "\r" in text:  # repr escapes these; a raw one would be a bug
            raise AssertionError(f"literal spans lines: {text!r}")
        return text
    raise TypeError(f"no literal for {type(value).__name__}")


def md_code(value: str) -> str:
    """Put a value in a markdown code span: a backtick inside cannot close it early, and a
    line break or control character shows as ``\\u2028`` instead of breaking the line."""
    value = "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs", "Cf") else c
        for c in value
    )
    return f"`` {value} ``" if "`" in value else f"`{value}`"


def check_lines(text: str) -> None:
    """The rendered text breaks lines only at ``\\n``: jupytext splits with ``str.splitlines``,
    so any other line break would let a value start a cell of its own."""
    lines = text.split("\n")
    if len(text.splitlines()) != len(lines) - (1 if text.endswith("\n") else 0):
        bad = next(line for line in lines if len(line.splitlines()) > 1)
        raise AssertionError(f"nbgen bug: a rendered line holds a line break: {bad!r}")


def runtime_file(name: str) -> Path:
    """The file of runtime module ``name``, dotted as imported: ``kaggle.download`` is
    ``nbgen/runtime/kaggle/download.py``."""
    return RUNTIME_DIR.joinpath(*name.split(".")).with_suffix(".py")


def runtime_names() -> list[str]:
    """Every runtime module, dotted (package ``__init__`` files hold only a docstring)."""
    return sorted(
        ".".join(p.relative_to(RUNTIME_DIR).with_suffix("").parts)
        for p in RUNTIME_DIR.rglob("*.py")
        if not p.name.startswith("_")
    )


@cache
def runtime_source(name: str) -> str:
    """The source of runtime module ``name`` as the runtime cell holds it: without its
    ``from nbgen.runtime.X import`` lines (X is loaded earlier into the same namespace)."""
    text = runtime_file(name).read_text(encoding="utf-8")
    text = _RUNTIME_IMPORT_RE.sub("", text).strip("\n") + "\n"
    if "'''" in text or text.rstrip("\n").endswith("\\"):
        raise AssertionError(f"nbgen bug: {runtime_file(name)} cannot sit in a r'''...''' string")
    return text


@cache
def runtime_dependencies(name: str) -> tuple[str, ...]:
    """The runtime modules ``name`` imports (``from nbgen.runtime.X import ...``)."""
    text = runtime_file(name).read_text(encoding="utf-8")
    return tuple(dict.fromkeys(m.group(1) for m in _RUNTIME_IMPORT_RE.finditer(text)))


def runtime_modules(names: list[str]) -> list[str]:
    """``names`` and everything they import, each after what it needs."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name not in order:
            for dep in runtime_dependencies(name):
                visit(dep)
            order.append(name)

    for name in names:
        visit(name)
    return order


def runtime_cell(names: list[str]) -> str:
    """The body of the "nbgen runtime" cell: the loader, then each module's source, so the
    notebook gains the one name ``nbgen``."""
    modules = ",\n".join(
        f"    ({name!r}, r'''{runtime_source(name)}''')" for name in runtime_modules(names)
    )
    return (
        'nbgen = {"__name__": "nbgen_loader"}\n'
        f"exec(r'''{runtime_source('loader')}''', nbgen)\n"
        f'nbgen = nbgen["load_runtime"]([\n{modules},\n])'
    )


def load_locale(lang: str) -> dict[str, str]:
    """The wording of one language (``templates/locale/<lang>.toml``)."""
    from nbgen.tomlutil import tomllib

    with (templates_dir() / "locale" / f"{lang}.toml").open("rb") as f:
        return tomllib.load(f)


def render_percent(spec: NotebookSpec, *, standalone: bool = True) -> str:
    """Render the setup notebook for ``spec`` as jupytext percent text; ``standalone`` ends
    it with a "your code starts here" cell (not for ``--into``)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["py"] = py_literal
    env.filters["md_code"] = md_code
    template = env.get_template("colab_setup.py.j2")
    sections = enabled_sections(spec)
    text = template.render(
        spec=spec,
        t=load_locale(spec.lang),
        sections=sections,
        runtime=runtime_cell([m for name in sections for m in SECTIONS[name].runtime]),
        standalone=standalone,
    )
    check_lines(text)
    return text
