"""Every generated notebook, run top to bottom: the examples in generated/ and a matrix.

Each runs in a real kernel with tiny benchmark sizes (set through the parameters cell, as a
user would), Kaggle data from the loopback stand-in of the Kaggle API.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_nbgen
from tests.kaggle_api import KEY, TOKEN, KaggleStandin, kaggle_standin, make_zip
from tests.regenerate import GENERATED

pytestmark = pytest.mark.slow
TINY = ["-p", "BENCH_STEPS=2", "-p", "BENCH_BATCH_SIZE=4", "-p", "BENCH_MODE='both'"]


@pytest.fixture(scope="module")
def api() -> Iterator[KaggleStandin]:
    state = KaggleStandin(datasets={"owner/cats": make_zip({"cats.csv": b"name\ntom\n"})})
    with kaggle_standin(state) as running:
        yield running


def clean_env(api: KaggleStandin, home: Path, **extra: str) -> dict[str, str]:
    env = {k: "" for k in os.environ if k.startswith(("KAGGLE_", "COLAB_"))}
    return {**env, **api.env, "HOME": str(home), **extra}


def run_generated(tmp_path: Path, api: KaggleStandin, args: list[str], *run_args: str,
                  **env: str) -> tuple[int, dict[str, object], str]:  # fmt: skip
    nb = tmp_path / "setup.ipynb"
    result = run_nbgen("new", "-o", str(nb), *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    run = run_nbgen("run", str(nb), *TINY, *run_args, cwd=tmp_path, env=clean_env(api, tmp_path / "home", **env),
                    timeout=900)  # fmt: skip
    executed = json.loads((tmp_path / "setup.run.ipynb").read_text())
    return run.returncode, executed, run.stderr


def outputs(nb: dict[str, object]) -> list[dict[str, object]]:
    return [o for c in nb["cells"] for o in c.get("outputs", [])]  # type: ignore[attr-defined]


def text_of(nb: dict[str, object]) -> str:
    return "".join("".join(o.get("text", "")) for o in outputs(nb))  # type: ignore[arg-type]


def assert_clean_run(code: int, nb: dict[str, object], stderr: str) -> None:
    assert code == 0, stderr
    assert [o for o in outputs(nb) if o["output_type"] == "error"] == []
    text = text_of(nb)
    assert "img/s" in text and "learns: true" in text
    assert any("image/png" in o.get("data", {}) for o in outputs(nb))  # type: ignore[operator]
    for secret in (KEY, TOKEN):
        assert secret not in json.dumps(nb)


@pytest.mark.parametrize(
    ("lang", "drive"), [("en", True), ("zh", True), ("en", False), ("zh", False)],
    ids=["en-drive", "zh-drive", "en-no-drive", "zh-no-drive"],
)  # fmt: skip
def test_matrix_in_a_plain_local_kernel(
    tmp_path: Path, api: KaggleStandin, lang: str, drive: bool
) -> None:
    args = ["--lang", lang, "--project", "proj", "--kaggle-dataset", "owner/cats"]
    args += [] if drive else ["--no-drive"]
    code, nb, err = run_generated(tmp_path, api, args, "--no-colab", KAGGLE_API_TOKEN=TOKEN)
    assert_clean_run(code, nb, err)
    assert (tmp_path / "proj" / "data" / "cats" / "cats.csv").is_file()
    text = text_of(nb)
    assert ("Not on Colab (local)" if lang == "en" else "当前不在 Colab 上（local）") in text


def test_colab_path_with_standins_and_drive(tmp_path: Path, api: KaggleStandin) -> None:
    args = ["--project", "proj", "--kaggle-dataset", "owner/cats"]
    code, nb, err = run_generated(tmp_path, api, args, "--drive", str(tmp_path / "MyDrive"),
                                  COLAB_SECRET_KAGGLE_API_TOKEN=TOKEN)  # fmt: skip
    assert_clean_run(code, nb, err)
    assert "Kaggle credentials: Colab Secrets (KAGGLE_API_TOKEN)" in text_of(nb)
    assert (tmp_path / "MyDrive" / "proj" / "data" / "cats" / "cats.csv").is_file()


def test_kaggle_without_credentials_fails_clearly(tmp_path: Path, api: KaggleStandin) -> None:
    args = ["--project", "proj", "--kaggle-dataset", "owner/cats", "--no-bench"]
    nb_path = tmp_path / "setup.ipynb"
    assert run_nbgen("new", "-o", str(nb_path), *args, cwd=tmp_path).returncode == 0
    run = run_nbgen(
        "run", str(nb_path), "--no-colab", cwd=tmp_path, env=clean_env(api, tmp_path / "home")
    )
    assert run.returncode == 1
    assert "KaggleError: No Kaggle credentials found" in run.stderr
    errors = [o for o in outputs(json.loads((tmp_path / "setup.run.ipynb").read_text()))
              if o["output_type"] == "error"]  # fmt: skip
    assert "kaggle.json" in str(errors[0]["evalue"]) and "KAGGLE_API_TOKEN" in str(
        errors[0]["evalue"]
    )


@pytest.mark.parametrize("example", sorted(GENERATED.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_example_in_generated_runs(tmp_path: Path, api: KaggleStandin, example: Path) -> None:
    shutil.copyfile(example, tmp_path / "setup.ipynb")  # the committed file itself
    run = run_nbgen("run", str(tmp_path / "setup.ipynb"), *TINY, "-p", "PIP_PACKAGES=[]", "--no-colab",
                    cwd=tmp_path, env=clean_env(api, tmp_path / "home"), timeout=900)  # fmt: skip
    nb = json.loads((tmp_path / "setup.run.ipynb").read_text())
    assert_clean_run(run.returncode, nb, run.stderr)
