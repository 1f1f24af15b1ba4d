from __future__ import annotations

from pathlib import Path
from typing import Any

import jupytext
import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbgen.convert import formats
from nbgen.convert.ipynb import dumps_notebook
from nbgen.convert.module import ESCAPE, GUARD
from nbgen.errors import NotebookError
from tests.convert.helpers import cell_view, notebook

PY = Path("x.py")

LINE_PIECES = st.sampled_from(
    ["", " ", "\t", "\r", "#", "# ", "%", "%%", "!", "x", "=", "# %%", "%%time", "!pip install x",
     "%matplotlib inline", "x = !ls", "[markdown]", "'''", '"', "\\", "é", "中文", "\u2028", "if",
     GUARD, ESCAPE, "    ", "# ---", "---", "jupyter:", "\ufeff", "\x85", "\x0c"]
)  # fmt: skip
LINES = st.lists(LINE_PIECES, max_size=5).map("".join)
SOURCES = st.lists(LINES, max_size=6).map("\n".join) | st.text(max_size=40)
CELLS = st.lists(st.tuples(st.sampled_from(["code", "markdown", "raw"]), SOURCES), max_size=6)
# nbgen's own marker keys, and keys that are not plain names, as a user's cell metadata
KEYS = st.sampled_from(
    ["nbgen", "nbgen_metadata", "nbgen_attachments", "tags", "title", "a b", "x"]
)
VALUES = st.sampled_from(["inert", {"format": "module"}, {"a": 1}, ["t"], 1, None, "# %%"])
METADATA = st.dictionaries(KEYS, VALUES, max_size=3)
ATTACHMENTS = st.none() | st.just({"img.png": {"image/png": "iVBORw0KGgo="}})


@settings(max_examples=300, deadline=None)
@given(
    CELLS,
    st.sampled_from(["percent", "module"]),
    st.lists(st.tuples(METADATA, ATTACHMENTS), min_size=6, max_size=6),
    METADATA,
)
def test_any_cells_round_trip_exactly(
    cells: list[tuple[str, str]],
    mode: str,
    extras: list[tuple[dict[str, Any], dict[str, Any] | None]],
    nb_metadata: dict[str, Any],
) -> None:
    nb = notebook(*cells)
    nb["metadata"].update(nb_metadata)
    for cell, (metadata, attachments) in zip(nb["cells"], extras, strict=False):
        cell["metadata"] = metadata
        if attachments is not None and cell["cell_type"] != "code":
            cell["attachments"] = attachments
    text = formats.to_text(nb, mode)
    back = formats.from_text(text, PY)
    assert cell_view(back) == cell_view(nb)
    assert back["metadata"] == nb["metadata"]


def test_trailing_blank_lines_and_spaces_are_kept() -> None:
    nb = notebook(
        ("code", "x = 1\n\n\n"), ("code", "y = 2   "), ("markdown", "# T\n\n"), ("code", "")
    )
    text = formats.to_text(nb)
    assert cell_view(formats.from_text(text, PY)) == cell_view(nb)


def test_text_is_readable_percent_that_jupytext_reads() -> None:
    nb = notebook(("markdown", "# Title\nSome *text*"), ("code", "%matplotlib inline\nimport os"))
    nb["cells"][1]["metadata"] = {"tags": ["parameters"]}
    text = formats.to_text(nb)
    assert '# %% tags=["parameters"]\n# %matplotlib inline\nimport os\n' in text
    assert "# %% [markdown]\n# # Title\n# Some *text*\n" in text
    read = jupytext.reads(text, fmt="py:percent")
    assert [c.cell_type for c in read.cells] == ["markdown", "code"]
    assert read.cells[1].metadata["tags"] == ["parameters"]
    assert read.cells[1].source == "%matplotlib inline\nimport os"


def test_volatile_metadata_stays_out_of_the_text() -> None:
    nb = notebook(("code", "1"))
    nb["cells"][0]["metadata"] = {"scrolled": True, "ExecuteTime": {"x": 1}, "tags": ["a"]}
    text = formats.to_text(nb)
    assert "scrolled" not in text and "ExecuteTime" not in text and 'tags=["a"]' in text


def test_odd_metadata_keys_round_trip() -> None:
    nb = notebook(("code", "1"))
    nb["cells"][0]["metadata"] = {"odd key!": {"a": [1, "b"]}}
    nb["metadata"]["@scope/ext"] = {"v": 1}
    back = formats.from_text(formats.to_text(nb), PY)
    assert back["cells"][0]["metadata"] == {"odd key!": {"a": [1, "b"]}}
    assert back["metadata"]["@scope/ext"] == {"v": 1}


def test_hand_written_percent_file_reads() -> None:
    text = "import os\n\n# %% Load data\nx = 1\n\n# %% [md]\n# Hello\n"
    nb = formats.from_text(text, PY)
    assert cell_view(nb) == [
        ("code", "import os", {}),
        ("code", "x = 1", {"title": "Load data"}),
        ("markdown", "Hello", {}),
    ]


def test_jupytext_yaml_header_is_read() -> None:
    text = (
        "# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n"
        "#     language: python\n#     name: python3\n# ---\n\n# %%\n1\n"
    )
    nb = formats.from_text(text, PY)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert cell_view(nb) == [("code", "1", {})]


def test_py_without_markers_is_refused() -> None:
    with pytest.raises(NotebookError, match=r"x\.py: no '# %%' cell markers"):
        formats.from_text("import os\nprint(os)\n", PY)


def test_other_languages() -> None:
    nb = notebook(("code", "x <- 1\n# %% odd"), language="R")
    assert formats.text_suffix(nb, Path("a.ipynb"), "percent") == ".R"
    back = formats.from_text(formats.to_text(nb), Path("a.R"))
    assert cell_view(back) == cell_view(nb)
    with pytest.raises(NotebookError, match="module mode is for Python"):
        formats.text_suffix(nb, Path("a.ipynb"), "module")
    with pytest.raises(NotebookError, match="'c\\+\\+' notebook"):
        formats.text_suffix(notebook(language="c++"), Path("a.ipynb"), "percent")


def test_writer_matches_nbformat_byte_for_byte() -> None:
    nb = notebook(("markdown", "a\nb"), ("code", "print(1)\nprint(2)"))
    nb["cells"][1]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": "1\n2\n"},
        {"output_type": "display_data", "metadata": {},
         "data": {"text/plain": "x\ny", "application/json": {"a": 1}, "image/png": "AAAA\n"}},
    ]  # fmt: skip
    assert dumps_notebook(nb) == nbformat.writes(nbformat.from_dict(nb)) + "\n"
