from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from nbgen.generate.notebook import build_notebook
from nbgen.generate.spec import resolve_spec
from tests.regenerate import GENERATED, example_specs


def test_examples_exist() -> None:
    names = {p.name for p in GENERATED.glob("*.ipynb")}
    assert {"colab_setup.ipynb", "colab_setup.zh.ipynb"} <= names


@pytest.mark.parametrize("spec_file", example_specs(), ids=lambda p: p.name)
def test_generated_example_is_fresh(spec_file: Path) -> None:
    spec = resolve_spec(spec_file, {})
    expected = nbformat.writes(build_notebook(spec)) + "\n"
    actual = Path(spec.output).read_text(encoding="utf-8")
    assert actual == expected, f"{spec.output} is stale: run python -m tests.regenerate"
