"""What outlasts the runtime, through a real kernel (`nbgen run --platform colab`): a private
repository cloned from a real git server on loopback with a token from Colab Secrets, a secret
exported for the libraries, the pip step on the repository's requirements, the environment
record on "Drive"; then a second session that pulls. No token or secret value lands in any file,
the notebook, or its outputs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook
from tests.git_server import TOKEN, GitServer, commit, git_server, make_repo

pytestmark = pytest.mark.slow
HF_VALUE = "hf_e2eSecretValue0123456789"
USER_CELL = "import os, model\nprint('from the repo:', model.X, os.getcwd())"


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitServer]:
    with git_server(tmp_path_factory.mktemp("srv") / "repos") as running:
        yield running


def run(train: Path, **env: str) -> tuple[int, dict[str, Any], str]:
    clean = {k: "" for k in os.environ if k.startswith(("KAGGLE_", "COLAB_", "NBGEN_", "PIP_"))}
    # the secrets this test looks up come from "Colab Secrets", never the machine's environment
    clean.update(HF_TOKEN="", GITHUB_TOKEN="", GH_TOKEN="")
    links = train.parent / "no-wheels"
    links.mkdir(exist_ok=True)
    offline = {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(links)}
    result = run_nbgen(
        "run", str(train), "--drive", str(train.parent / "MyDrive"), cwd=train.parent,
        env={**clean, **offline, "HOME": str(train.parent / "home"), **env}, timeout=900,
    )  # fmt: skip
    executed = json.loads(train.with_name(train.stem + ".run.ipynb").read_text())
    return result.returncode, executed, result.stderr


def text_of(nb: dict[str, Any]) -> str:
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def errors_of(nb: dict[str, Any]) -> list[str]:
    outs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    return [f"{o['ename']}: {o['evalue']}" for o in outs if o["output_type"] == "error"]


def holding(root: Path, *values: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()
            and any(v.encode() in p.read_bytes() for v in values)]  # fmt: skip


def test_a_private_repository_as_the_work_folder_across_two_sessions(
    tmp_path: Path, server: GitServer
) -> None:
    upstream = make_repo(server, "proj", {"model.py": "X = 1\n", "requirements.txt": "packaging\n",
                                          "helper.ipynb": dumps_notebook(notebook(("code", "Y = 2")))},
                         access="private")  # fmt: skip
    train = tmp_path / "train.ipynb"
    train.write_text(dumps_notebook(notebook(("code", USER_CELL))))
    made = run_nbgen("new", "--into", str(train), "--project", "proj", "--git", server.url("proj"),
                     "--git-token-secret", "GITHUB_TOKEN", "--secret", "HF_TOKEN", "--no-bench",
                     cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    secrets = {"COLAB_SECRET_GITHUB_TOKEN": TOKEN, "COLAB_SECRET_HF_TOKEN": HF_VALUE}
    code, executed, err = run(train, **secrets)
    assert code == 0, err
    assert errors_of(executed) == []
    clone = tmp_path / ".nbgen-run" / "content" / "proj"
    text = text_of(executed)
    assert f"from the repo: 1 {clone}" in text  # the clone is the work folder, on sys.path
    assert "HF_TOKEN: found in Colab Secrets; set in the environment" in text
    assert "Requirement already satisfied: packaging" in text  # the repository's requirements
    assert "helper" in text  # its notebooks import
    record = tmp_path / "MyDrive" / "proj" / ".nbgen" / "environment.json"
    assert json.loads(record.read_text())["nbgen"] == "environment"
    assert "Environment recorded in" in text
    assert holding(tmp_path, TOKEN, HF_VALUE) == []  # the clone, .git/config, Drive, notebooks
    assert (clone / ".git" / ".nbgen-owned").is_file()

    commit(upstream, {"model.py": "X = 2\n"}, "second")
    code, executed, err = run(train, **secrets)
    assert code == 0, err
    text = text_of(executed)
    assert "pulled main, new commits: 1" in text and f"from the repo: 2 {clone}" in text
    assert "Same environment as the last run that worked" in text
    assert holding(tmp_path, TOKEN, HF_VALUE) == []


def test_without_the_token_secret_the_cell_says_where_it_looked(
    tmp_path: Path, server: GitServer
) -> None:
    make_repo(server, "secret-proj", {"model.py": "X = 1\n"}, access="private")
    nb = tmp_path / "setup.ipynb"
    made = run_nbgen("new", "-o", str(nb), "--project", "proj", "--no-bench", "--git",
                     server.url("secret-proj"), "--git-token-secret", "GITHUB_TOKEN", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    code, executed, _ = run(nb, NBGEN_STANDIN_SECRETS="timeout")
    assert code == 1
    [error] = errors_of(executed)
    assert error.startswith("SecretError: GIT_TOKEN_SECRET: GITHUB_TOKEN was not found:")
    assert "outside the Colab web page" in error and "prompt: this front end cannot" in error
    assert not (tmp_path / ".nbgen-run" / "content" / "secret-proj").exists()
