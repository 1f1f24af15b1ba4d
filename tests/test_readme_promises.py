"""The README's promises that nbgen leaves a user's work alone ("never touched", "never
overwritten"), each backed by a test named after it; a new promise without a test fails here."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import REPO, run_nbgen
from tests.convert.helpers import notebook

PHRASES = ("never touched", "never overwritten")
# each promise, as the README words it, and the test that keeps it
PROMISES = {
    "your cells, their order and outputs are never touched":
        "test_your_cells_their_order_and_outputs_are_never_touched",
    "a file nbgen did not write never overwritten without `--force`":
        "test_a_file_nbgen_did_not_write_is_never_overwritten_without_force",
}  # fmt: skip


def readme_sentences() -> list[str]:
    text = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    return [s for s in re.split(r"(?<=[.;:])\s", text) if any(p in s for p in PHRASES)]


def test_every_promise_in_the_readme_has_its_test() -> None:
    sentences = readme_sentences()
    assert sentences, "the README no longer makes these promises: update PROMISES"
    for sentence in sentences:
        promise = next((p for p in PROMISES if p in sentence), None)
        assert promise is not None, f"a README promise without a test: {sentence!r}"
    for name in PROMISES.values():
        assert callable(globals().get(name)), name


def user_notebook() -> dict[str, object]:
    nb = notebook(("markdown", "# My training"), ("code", "model = train()"),
                  ("code", "print(model)"), ("raw", "notes"))  # fmt: skip
    cells = nb["cells"]
    assert isinstance(cells, list)
    cells[1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "epoch 1\n"}]
    cells[1]["execution_count"] = 7
    cells[2]["metadata"] = {"tags": ["mine"], "collapsed": True}
    return nb


def test_your_cells_their_order_and_outputs_are_never_touched(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    path.write_text(dumps_notebook(user_notebook()))
    mine = json.loads(path.read_text())["cells"]
    for flags in ([], ["--lang", "zh", "--pip", "timm"], ["--no-bench"]):
        result = run_nbgen("new", "--into", str(path), *flags, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        cells = json.loads(path.read_text())["cells"]
        ours = [c for c in cells if "nbgen" not in c.get("metadata", {})]
        assert ours == mine  # every cell of the user's, in order, with its outputs and ids
        # the title stays first (README: "below the notebook's title"); the rest below the setup
        assert cells[0] == mine[0] and cells[1]["metadata"]["nbgen"]["setup"] == "intro"
        assert cells[-len(mine) + 1 :] == mine[1:]


TEXT_TARGETS = [("py", ".py"), ("md", ".md"), ("myst", ".md"), ("py:light", ".py"),
                ("Rmd", ".Rmd"), ("html", ".html"), ("markdown", ".md")]  # fmt: skip


@pytest.mark.parametrize(("to", "suffix"), TEXT_TARGETS)
def test_a_file_nbgen_did_not_write_is_never_overwritten_without_force(
    tmp_path: Path, to: str, suffix: str
) -> None:
    source = tmp_path / "work.ipynb"
    source.write_text(dumps_notebook(notebook(("code", "x = 1"))))
    target = tmp_path / f"work{suffix}"
    mine = "---\ntitle: my own page\n---\n\n# %%\nmine = True\n"
    target.write_text(mine)
    os.utime(target, ns=(0, source.stat().st_mtime_ns - 10**9))  # older: make would replace it
    result = run_nbgen("convert", "work.ipynb", "--to", to, cwd=tmp_path)
    assert result.returncode == 1 and "a file of yours is in the way" in result.stderr
    assert target.read_text() == mine
    forced = run_nbgen("convert", "work.ipynb", "--to", to, "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert target.read_text() != mine
