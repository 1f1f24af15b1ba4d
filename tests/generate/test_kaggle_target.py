"""`nbgen new --platform kaggle`: a folder that the real kaggle client pushes as is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nbgen.errors import UsageError
from nbgen.generate.kernel import KernelSources, kernel_sources, machine_shape
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
    assert body["machineShape"] == "NvidiaTeslaT4"  # not Kaggle's default (a retired P100)
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


@pytest.mark.parametrize(("gpu", "shape"), [("L4", "NvidiaL4"), ("A100", "NvidiaTeslaA100")])
def test_the_gpu_asked_for_is_the_machine_shape(tmp_path: Path, gpu: str, shape: str) -> None:
    result = run_nbgen("new", "--platform", "kaggle", "-o", "k", "--gpu", gpu, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    metadata = json.loads((tmp_path / "k" / "kernel-metadata.json").read_text())
    assert metadata["machine_shape"] == shape and metadata["enable_gpu"] is True


def test_no_gpu_writes_no_machine_shape(tmp_path: Path) -> None:
    result = run_nbgen("new", "--platform", "kaggle", "-o", "k", "--gpu", "none", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    metadata = json.loads((tmp_path / "k" / "kernel-metadata.json").read_text())
    assert "machine_shape" not in metadata and metadata["enable_gpu"] is False


@pytest.mark.parametrize(("gpu", "shape"), [
    ("t4", "NvidiaTeslaT4"), ("T4x2", "NvidiaTeslaT4Highmem"), ("t4 ×2", "NvidiaTeslaT4Highmem"),
    ("l4", "NvidiaL4"), ("a100", "NvidiaTeslaA100"), ("h100", "NvidiaH100"), ("none", ""),
])  # fmt: skip
def test_gpu_names_map_to_the_clients_own(gpu: str, shape: str) -> None:
    assert machine_shape(gpu) == shape


def test_the_retired_p100_and_unknown_names_are_refused() -> None:
    with pytest.raises(UsageError, match=r"Kaggle has retired the P100 \(NvidiaTeslaP100\)"):
        machine_shape("P100")
    with pytest.raises(UsageError, match="not a Kaggle accelerator; choose one of t4, t4x2"):
        machine_shape("tpu")


def test_data_names_notebooks_and_models_too() -> None:
    sources = kernel_sources([
        "titanic, owner/cats", "https://www.kaggle.com/code/alice/feature-maker",
        'kagglehub.model_download("google/gemma/pyTorch/2b/1")',
        "https://www.kaggle.com/models/google/gemma/transformers/2b/versions/3",
        "kaggle datasets download -d owner/cats",
    ])  # fmt: skip
    assert sources == KernelSources(
        datasets=("owner/cats",), competitions=("titanic",), kernels=("alice/feature-maker",),
        models=("google/gemma/pyTorch/2b/1", "google/gemma/transformers/2b/3"),
    )  # fmt: skip
    assert sources.summary() == "1 data set, 1 competition, 1 notebook's output, 2 models attached"
    with pytest.raises(
        UsageError, match="a Kaggle model is named OWNER/MODEL/FRAMEWORK/VARIATION/VERSION"
    ):
        kernel_sources(["https://www.kaggle.com/models/google/gemma"])
