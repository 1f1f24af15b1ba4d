from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from nbgen.generate.notebook import build_notebook
from nbgen.generate.spec import resolve_spec
from tests.regenerate import GENERATED, example_specs


@pytest.mark.parametrize(
    ("name", "lang"), [("colab_setup.ipynb", "en"), ("colab_setup.zh.ipynb", "zh")]
)
def test_examples_show_the_tutorial_in_both_languages(name: str, lang: str) -> None:
    nb = nbformat.read(GENERATED / name, as_version=4)
    nbformat.validate(nb)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert f"LANG = {lang!r}" in params.source
    assert "KAGGLE_DATA = 'zalando-research/fashionmnist, titanic'" in params.source  # both kinds
    sections = {c.metadata.get("nbgen", {}).get("setup") for c in nb.cells}
    assert {"runtime", "env", "drive", "pip", "kaggle", "importer", "bench"} <= sections
    assert nb.metadata.accelerator == "GPU" and nb.metadata.colab.gpuType == "T4"
    heading = "Kaggle data" if lang == "en" else "Kaggle 数据"
    assert any(c.cell_type == "markdown" and heading in c.source for c in nb.cells)


@pytest.mark.parametrize("spec_file", example_specs(), ids=lambda p: p.name)
def test_generated_example_is_fresh(spec_file: Path) -> None:
    spec = resolve_spec(spec_file, {})
    expected = nbformat.writes(build_notebook(spec)) + "\n"
    actual = Path(spec.output).read_text(encoding="utf-8")
    assert actual == expected, f"{spec.output} is stale: run python -m tests.regenerate"
