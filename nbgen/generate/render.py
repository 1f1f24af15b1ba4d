"""Jinja rendering: spec + templates → jupytext percent text, user values as Python literals."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from nbgen.errors import NbgenError
from nbgen.generate.sections import RUNTIME_DEPENDENCIES, enabled_sections
from nbgen.generate.spec import NotebookSpec

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "runtime"
_RUNTIME_IMPORT_RE = re.compile(
    r"^from nbgen\.runtime\.(\w+) import (?:\([^)]*\)|[^\n]+)\n", re.MULTILINE
)
_FUTURE_RE = re.compile(r"^from __future__ import annotations\n", re.MULTILINE)


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


@cache
def runtime_source(name: str) -> str:
    """The source of ``nbgen/runtime/<name>.py`` as it goes into a cell."""
    text = (RUNTIME_DIR / f"{name}.py").read_text(encoding="utf-8")
    text = _FUTURE_RE.sub("", text, count=1)
    return _RUNTIME_IMPORT_RE.sub("", text).strip("\n")


class Inliner:
    """Emits each runtime module once per notebook, after the modules it needs."""

    def __init__(self) -> None:
        self.done: set[str] = set()

    def __call__(self, *names: str) -> str:
        parts: list[str] = []
        for name in names:
            parts.extend(self._emit(name))
        return "\n\n".join(parts)

    def _emit(self, name: str) -> list[str]:
        if name in self.done:
            return []
        self.done.add(name)
        out: list[str] = []
        for dep in RUNTIME_DEPENDENCIES[name]:
            out.extend(self._emit(dep))
        out.append(f"# ---- nbgen runtime: {name}.py ----\n{runtime_source(name)}")
        return out


def load_locale(lang: str) -> dict[str, str]:
    """The wording of one language (``templates/locale/<lang>.toml``)."""
    from nbgen.tomlutil import tomllib

    with (templates_dir() / "locale" / f"{lang}.toml").open("rb") as f:
        return tomllib.load(f)


def render_percent(spec: NotebookSpec) -> str:
    """Render the setup notebook for ``spec`` as jupytext percent text."""
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
    text = template.render(
        spec=spec,
        t=load_locale(spec.lang),
        sections=enabled_sections(spec),
        inline=Inliner(),
    )
    check_lines(text)
    return text
