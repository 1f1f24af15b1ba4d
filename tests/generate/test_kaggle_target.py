"""`nbgen new --platform kaggle`: a folder that the real kaggle client pushes as is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import run_nbgen
from tests.kaggle_api import TOKEN, KaggleStandin, kaggle_standin


def test_the_kaggle_client_pushes_the_folder(tmp_path: Path) -> None:
    result = run_nbgen(
        "new", "--platform", "kaggle", "-o", "kernel", "--project", "cats_setup",
        "--kaggle-data", "kaggle datasets download -d owner/cats", "--kaggle-data", "titanic",
        "--kaggle-id", "me/cats-setup", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "next: kaggle kernels push -p kernel" in result.stdout
    folder = tmp_path / "kernel"
    assert sorted(p.name for p in folder.iterdir()) == ["cats-setup.ipynb", "kernel-metadata.json"]
    state = KaggleStandin()
    with kaggle_standin(state):
        env = {k: v for k, v in os.environ.items() if not k.startswith("KAGGLE_")}
        env.update(state.env, KAGGLE_API_TOKEN=TOKEN, HOME=str(tmp_path / "home"))
        push = subprocess.run(
            [sys.executable, "-c", "from kaggle.cli import main; main()", "kernels", "push",
             "-p", str(folder)],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip
    assert push.returncode == 0, push.stdout + push.stderr
    [body] = state.pushed
    assert body["slug"] == "me/cats-setup" and body["kernelType"] == "notebook"
    assert body["language"] == "python" and body["enableGpu"] is True
    assert body["enableInternet"] is True
    assert body["datasetDataSources"] == ["owner/cats"]
    assert body["competitionDataSources"] == ["titanic"]
    pushed = json.loads(str(body["text"]))
    assert any("nbgen runtime" in "".join(c["source"]) for c in pushed["cells"])


def test_without_an_owner_it_says_what_to_fill_in(tmp_path: Path) -> None:
    env = {"KAGGLE_USERNAME": ""}
    result = run_nbgen(
        "new", "--platform", "kaggle", "-o", "k", "--project", "cats", cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    metadata = json.loads((tmp_path / "k" / "kernel-metadata.json").read_text())
    assert metadata["id"] == "YOUR_KAGGLE_USERNAME/cats-setup" and metadata["title"] == "cats setup"
    assert "edit the id in" in result.stdout
    again = run_nbgen(
        "new", "--platform", "kaggle", "-o", "k", "--project", "cats", cwd=tmp_path, env=env
    )
    assert again.returncode == 1 and "already exists" in again.stderr


def test_a_bad_kernel_id_is_named(tmp_path: Path) -> None:
    result = run_nbgen(
        "new", "--platform", "kaggle", "-o", "k", "--kaggle-id", "me/x", cwd=tmp_path
    )
    assert result.returncode == 1 and "--kaggle-id: 'me/x' is not OWNER/SLUG" in result.stderr
    assert list(tmp_path.iterdir()) == []
