"""`[tool.nbgen]` include/exclude read like .gitignore lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgen.convert.config import parse_config


@pytest.mark.parametrize(
    ("include", "exclude", "paired", "not_paired"),
    [
        pytest.param(["*.ipynb"], [], ["a.ipynb", "deep/er/b.ipynb"], [], id="no-slash-any-depth"),
        pytest.param(["/*.ipynb"], [], ["a.ipynb"], ["deep/er/b.ipynb"], id="leading-slash-anchors"),
        pytest.param(["nbs/*.ipynb"], [], ["nbs/a.ipynb"], ["nbs/sub/b.ipynb", "a.ipynb"],
                     id="star-stays-in-its-folder"),
        pytest.param(["nbs/**/*.ipynb"], [], ["nbs/a.ipynb", "nbs/sub/deep/b.ipynb"], ["a.ipynb"],
                     id="double-star-crosses-folders"),
        pytest.param(["nbs/"], [], ["nbs/a.ipynb", "nbs/sub/b.ipynb"], ["a.ipynb"],
                     id="folder-pattern"),
        pytest.param(["**/*.ipynb"], ["scratch/"], ["a.ipynb"], ["scratch/x.ipynb"],
                     id="exclude-a-folder"),
        pytest.param(["**/*.ipynb"], ["scratch/", "!scratch/keep.ipynb"],
                     ["scratch/keep.ipynb"], ["scratch/x.ipynb"], id="negation"),
        pytest.param(["**/*.ipynb"], ["*-draft.ipynb"], ["a.ipynb"], ["sub/a-draft.ipynb"],
                     id="exclude-by-name-anywhere"),
    ],
)  # fmt: skip
def test_patterns_mean_what_gitignore_means(
    tmp_path: Path, include: list[str], exclude: list[str], paired: list[str], not_paired: list[str]
) -> None:
    config = parse_config(
        {"include": include, "exclude": exclude}, tmp_path, tmp_path / "nbgen.toml"
    )
    for rel in paired:
        assert config.pairs_notebook(tmp_path / rel), rel
    for rel in not_paired:
        assert not config.pairs_notebook(tmp_path / rel), rel
