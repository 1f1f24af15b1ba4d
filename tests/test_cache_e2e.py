"""Kaggle data downloaded once, through a real kernel: `nbgen run --platform colab` runs a
generated notebook for two sessions; between them the runtime's local disk is wiped (a new
Colab runtime) and the "Drive" folder is kept. The second session restores from the cache on
Drive with no request to the Kaggle stand-in and no credentials at all."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_nbgen
from tests.kaggle_api import KEY, TOKEN, USERNAME, KaggleStandin, kaggle_standin, make_zip

pytestmark = pytest.mark.slow
V1 = make_zip({"labels.csv": b"file,label\nc1,cat\n", "images/c1.png": b"\x89PNG" + b"1" * 500})
TITANIC = make_zip({"train.csv": b"id,survived\n1,0\n", "test.csv": b"id\n2\n"})


@pytest.fixture
def api() -> Iterator[KaggleStandin]:
    state = KaggleStandin(datasets={"owner/cats": make_zip({"labels.csv": b"v2\n"})},
                          versions={"owner/cats": {1: V1}}, competitions={"titanic": TITANIC},
                          rules_accepted={"titanic"})  # fmt: skip
    with kaggle_standin(state) as running:
        yield running


def session(nb: Path, api: KaggleStandin, **env: str) -> tuple[int, dict[str, Any], str]:
    clean = {k: "" for k in os.environ if k.startswith(("KAGGLE_", "COLAB_", "NBGEN_"))}
    full = {**clean, **api.env, "HOME": str(nb.parent / "home"), **env}
    result = run_nbgen("run", str(nb), "--drive", str(nb.parent / "MyDrive"), cwd=nb.parent,
                       env=full, timeout=900)  # fmt: skip
    executed = json.loads(nb.with_name(nb.stem + ".run.ipynb").read_text())
    text = "".join(
        "".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", [])
    )
    errors = [f"{o['ename']}: {o['evalue']}" for c in executed["cells"]
              for o in c.get("outputs", []) if o["output_type"] == "error"]  # fmt: skip
    assert errors == [], errors
    return result.returncode, executed, text


def test_two_sessions_the_second_copies_from_drive_without_a_request(
    tmp_path: Path, api: KaggleStandin
) -> None:
    nb = tmp_path / "setup.ipynb"
    made = run_nbgen("new", "-o", str(nb), "--project", "proj", "--no-bench",
                     "--kaggle-data", "kaggle datasets download -d owner/cats/1",
                     "--kaggle-data", "titanic", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    code, _, first = session(nb, api, COLAB_SECRET_KAGGLE_API_TOKEN=TOKEN)
    assert code == 0
    cache = tmp_path / "MyDrive" / "proj" / ".nbgen-cache"
    assert json.loads((cache / ".nbgen-owned").read_text())["nbgen"] == "cache"
    for kept in ("datasets/owner/cats/1", "competitions/titanic/latest"):
        assert json.loads((cache / "kaggle" / kept / "manifest.json").read_text())["size"] > 0
    assert first.count("kept a copy for the next session in the cache") == 2
    local = tmp_path / ".nbgen-run" / "content" / "data"
    wanted = {p.relative_to(local): p.read_bytes() for p in local.rglob("*") if p.is_file()}

    shutil.rmtree(tmp_path / ".nbgen-run")  # a new runtime: local disk and home are gone
    shutil.rmtree(tmp_path / "home", ignore_errors=True)
    seen = len(api.requests)
    code, _, second = session(nb, api)  # no credentials anywhere
    assert code == 0
    assert api.requests[seen:] == []
    assert second.count("copying it from the cache") == 2 and "Kaggle credentials" not in second
    assert {p.relative_to(local): p.read_bytes() for p in local.rglob("*") if p.is_file()} == wanted
    for secret in (KEY, TOKEN, USERNAME):
        assert not [
            p for p in cache.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()
        ]


def test_without_drive_there_is_no_cache(tmp_path: Path, api: KaggleStandin) -> None:
    nb = tmp_path / "setup.ipynb"
    made = run_nbgen("new", "-o", str(nb), "--project", "proj", "--no-bench", "--no-drive",
                     "--kaggle-data", "owner/cats/1", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    code, _, text = session(nb, api, COLAB_SECRET_KAGGLE_API_TOKEN=TOKEN)
    assert code == 0 and "downloading into" in text and "cache" not in text
    assert not list(tmp_path.rglob(".nbgen-cache"))
