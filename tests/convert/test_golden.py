"""The converter's output, byte for byte, on notebooks written for it (tests/data/golden): a
format change that stays self-consistent still shows up in review. Regenerate with
``python -m tests.regenerate`` and read the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgen.convert import formats
from nbgen.convert.ipynb import read_notebook
from tests.convert.helpers import cell_view
from tests.regenerate import golden_pairs

PAIRS = golden_pairs()


def test_every_kind_of_notebook_is_there() -> None:
    names = {notebook.stem for notebook, _, _ in PAIRS}
    assert {
        "colab_form",
        "magics",
        "markdown_shebang",
        "crlf",
        "attachments",
        "r_notebook",
    } <= names


@pytest.mark.parametrize(
    ("notebook", "mode", "expected"), PAIRS, ids=lambda v: getattr(v, "name", v)
)
def test_text_is_the_golden_file(notebook: Path, mode: formats.Mode, expected: Path) -> None:
    nb, _ = read_notebook(notebook)
    assert formats.to_text(nb, mode) == expected.read_bytes().decode("utf-8"), (
        f"{expected.name} changed: run python -m tests.regenerate and review the diff"
    )


@pytest.mark.parametrize(
    ("notebook", "mode", "expected"), PAIRS, ids=lambda v: getattr(v, "name", v)
)
def test_golden_file_reads_back_exactly(notebook: Path, mode: formats.Mode, expected: Path) -> None:
    text = expected.read_bytes().decode("utf-8")
    assert cell_view(formats.from_text(text, expected)) == cell_view(read_notebook(notebook)[0])
