"""`nbgen new --kaggle-cache/--no-kaggle-cache --kaggle-cache-max-gb N`: form fields
KAGGLE_CACHE and KAGGLE_CACHE_MAX_GB, read back from the form on --into; a cap that is no size
(0, negative, not a number) is one line and nothing is written."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from nbgen.convert.ipynb import dumps_notebook
from nbgen.errors import UsageError
from nbgen.generate.into import refresh_setup
from nbgen.generate.notebook import build_notebook
from nbgen.generate.spec import build_spec, resolve_spec
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook


def form(nb: Any) -> dict[str, Any]:
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {t.id: ast.literal_eval(n.value) for n in ast.parse(cell.source).body
            if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}  # fmt: skip


def test_the_flags_are_form_fields_and_the_cell_uses_them() -> None:
    values = form(build_notebook(build_spec({})))
    assert values["KAGGLE_CACHE"] is True and values["KAGGLE_CACHE_MAX_GB"] == ""
    spec = build_spec({"kaggle_cache": False, "kaggle_cache_max_gb": " 2.5 "})
    nb = build_notebook(spec)
    assert form(nb)["KAGGLE_CACHE"] is False and form(nb)["KAGGLE_CACHE_MAX_GB"] == "2.5"
    kaggle = "".join(
        c.source for c in nb.cells if c.metadata.get("nbgen", {}).get("setup") == "kaggle"
    )
    assert "KAGGLE_CACHE, drive_mounted=DRIVE_MOUNTED, max_gb=KAGGLE_CACHE_MAX_GB" in kaggle
    assert "cache=KAGGLE_CACHED" in kaggle


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", "1e999", "20 GB", True, [20]])
def test_a_cap_that_is_no_size_names_the_flag(value: object) -> None:
    with pytest.raises(UsageError, match=r"--kaggle-cache-max-gb: .* is not a size; give the most"):
        build_spec({"kaggle_cache_max_gb": value})


def test_a_spec_file_may_give_the_cap_as_a_number(tmp_path: Path) -> None:
    spec_file = tmp_path / "nbgen.toml"
    spec_file.write_text("kaggle-cache-max-gb = 20\nkaggle-cache = false\n")
    spec = resolve_spec(spec_file, {})
    assert (spec.kaggle_cache_max_gb, spec.kaggle_cache) == ("20", False)
    spec_file.write_text("kaggle-cache-max-gb = 0\n")
    with pytest.raises(UsageError, match=r"nbgen\.toml: 'kaggle_cache_max_gb': 0 is not a size"):
        resolve_spec(spec_file, {})


@pytest.mark.parametrize("value", ["0", "-2", "lots"])
def test_the_cli_refuses_a_bad_cap_and_writes_nothing(tmp_path: Path, value: str) -> None:
    result = run_nbgen("new", "-o", "nb.ipynb", f"--kaggle-cache-max-gb={value}", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert f"--kaggle-cache-max-gb: {value!r} is not a size" in line
    assert list(tmp_path.iterdir()) == []


def test_into_reads_the_cache_fields_back(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    path.write_text(dumps_notebook(notebook(("code", "model = 1"))))
    refresh_setup(path, spec_file=None, flags={"kaggle_data": ["owner/cats"]})
    raw = path.read_text().replace("KAGGLE_CACHE = True", "KAGGLE_CACHE = False")
    path.write_text(raw.replace("KAGGLE_CACHE_MAX_GB = ''", "KAGGLE_CACHE_MAX_GB = '5'"))
    refresh_setup(path, spec_file=None, flags={"kaggle_dest": "data"})
    text = path.read_text()
    assert "KAGGLE_CACHE = False" in text and "KAGGLE_CACHE_MAX_GB = '5'" in text
    typed = text.replace("KAGGLE_CACHE_MAX_GB = '5'", "KAGGLE_CACHE_MAX_GB = '-5'")
    path.write_text(typed)
    at = r"the parameters cell \(cell \d+\), line \d+: KAGGLE_CACHE_MAX_GB: '-5' is not a size"
    with pytest.raises(UsageError, match=at):
        refresh_setup(path, spec_file=None, flags={})
    assert path.read_text() == typed
