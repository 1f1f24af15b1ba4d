"""No value a user gives can add a cell: every line break str.splitlines knows, in every field."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from nbgen.generate.notebook import build_notebook
from nbgen.generate.spec import NotebookSpec
from tests.conftest import run_nbgen

# Everything str.splitlines splits on, computed rather than listed, plus a lone CR/LF pair.
SEPARATORS = sorted({chr(c) for c in range(0x110000) if len(f"a{chr(c)}b".splitlines()) > 1})
PAYLOAD = "# %%\nimport os; os.system('echo pwned')"

# field → (flag, a harmless value, a hostile value built around a separator)
FIELDS: dict[str, tuple[str, str, str]] = {
    "workdir": ("--workdir", "/content/w", "/content/w{sep}{payload}"),
    "project": ("--project", "proj", "proj{sep}{payload}"),
    "pip": ("--pip", "einops", "einops{sep}{payload}"),
    "kaggle_dataset": ("--kaggle-dataset", "owner/slug", "owner/slug{sep}{payload}"),
    "kaggle_competition": ("--kaggle-competition", "titanic", "titanic{sep}{payload}"),
    "kaggle_dest": ("--kaggle-dest", "data", "data{sep}{payload}"),
}


def test_the_separator_list_is_what_python_splits_on() -> None:
    assert {"\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"} == set(
        SEPARATORS
    )


def cells_of(spec: NotebookSpec) -> list[tuple[str, int]]:
    nb = build_notebook(spec)
    return [(c.cell_type, len(c.source.split("\n"))) for c in nb.cells]


def with_value(field: str, value: str) -> NotebookSpec:
    listy = isinstance(getattr(NotebookSpec(), field), tuple)
    changes: dict[str, Any] = {field: (value,) if listy else value}
    return dataclasses.replace(NotebookSpec(), **changes)


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("sep", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
def test_rendering_cannot_be_broken_even_past_validation(field: str, sep: str) -> None:
    """The spec is built directly (as a library user could), skipping validation: the
    escaping alone keeps the notebook's cells those of a harmless value."""
    _flag, harmless, hostile = FIELDS[field]
    value = hostile.format(sep=sep, payload=PAYLOAD.replace("\n", sep))
    assert cells_of(with_value(field, value)) == cells_of(with_value(field, harmless))


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("sep", ["\u2028", "\x85", "\x1c", "\v", "\n"], ids=repr)
def test_the_cli_refuses_them_naming_the_flag(tmp_path: Path, field: str, sep: str) -> None:
    flag, _harmless, hostile = FIELDS[field]
    value = hostile.format(sep=sep, payload=PAYLOAD.replace("\n", sep))
    result = run_nbgen("new", "-o", "x.ipynb", flag, value, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{flag}: " in result.stderr and f"U+{ord(sep):04X}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_spec_file_value_is_refused_naming_the_file_and_key(tmp_path: Path) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text('workdir = "/content/x\\u2028# %%\\u2028print(1)"\n', encoding="utf-8")
    result = run_nbgen("new", "--spec", str(spec), "-o", "x.ipynb", cwd=tmp_path)
    assert result.returncode == 1
    assert f"{spec}: 'workdir'" in result.stderr and "U+2028" in result.stderr
    assert not (tmp_path / "x.ipynb").exists()


@pytest.mark.parametrize(
    "value", ['/content/a"b', "/content/{{ 7*7 }}", "/content/`x`", "/content/{% raw %}"]
)
def test_quotes_and_template_syntax_stay_text(tmp_path: Path, value: str) -> None:
    result = run_nbgen("new", "-o", "x.ipynb", "--workdir", value, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    nb = build_notebook(with_value("workdir", value))
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert f"WORK_FOLDER = {value!r}" in params.source
    assert cells_of(with_value("workdir", value)) == cells_of(with_value("workdir", "/content/w"))
