"""`nbgen new --secret / --git / --allow-upgrade`: the flags become form fields, come back from
the form on --into, and a bad value is one line that never repeats a token."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from nbgen.convert.ipynb import dumps_notebook
from nbgen.errors import UsageError
from nbgen.generate.into import refresh_setup
from nbgen.generate.notebook import build_notebook
from nbgen.generate.spec import build_spec
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook

TOKEN = "ghp_0123456789abcdefTOKEN"


def form(nb: Any) -> dict[str, Any]:
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    tree = ast.parse(cell.source)
    assigns = [n for n in tree.body if isinstance(n, ast.Assign)]
    return {
        t.id: ast.literal_eval(n.value)
        for n in assigns
        for t in n.targets
        if isinstance(t, ast.Name)
    }


def test_the_flags_are_form_fields() -> None:
    spec = build_spec({
        "secret": ["HF_TOKEN", "WANDB_API_KEY", "HF_TOKEN"], "git_url": " https://github.com/me/p ",
        "git_branch": "dev", "git_token_secret": "GITHUB_TOKEN", "git_dest": "/content/code",
        "allow_upgrade": ["numpy"],
    })  # fmt: skip
    values = form(build_notebook(spec))
    assert values["SECRETS"] == "HF_TOKEN, WANDB_API_KEY"
    assert (values["GIT_URL"], values["GIT_BRANCH"]) == ("https://github.com/me/p", "dev")
    assert (values["GIT_TOKEN_SECRET"], values["GIT_DEST"]) == ("GITHUB_TOKEN", "/content/code")
    assert values["ALLOW_UPGRADE"] == "numpy"
    empty = form(build_notebook(build_spec({})))
    assert empty["SECRETS"] == empty["GIT_URL"] == empty["ALLOW_UPGRADE"] == ""


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        pytest.param(
            {"secret": ["HF TOKEN"]}, "--secret: 'HF TOKEN' is not a secret name", id="space"
        ),
        pytest.param({"secret": ["1X"]}, "is not a secret name", id="digit"),
        pytest.param(
            {"git_token_secret": "a-b"}, "--git-token-secret: 'a-b' is not a secret", id="tok"
        ),
        pytest.param(
            {"git_url": f"https://me:{TOKEN}@github.com/me/p"},
            "holds a user name or token",
            id="credentials",
        ),
        pytest.param(
            {"git_url": f"https://{TOKEN}@github.com/me/p\n"},
            "control character",
            id="credentials-and-newline",
        ),
        pytest.param({"git_url": "git@github.com:me/p"}, "SSH needs a key", id="ssh"),
        pytest.param({"git_url": "not a url"}, "is not a git address", id="not-url"),
        pytest.param({"git_branch": "-rf"}, "is not a branch name", id="branch-option"),
        pytest.param({"git_dest": "code"}, "must be an absolute folder path", id="relative"),
        pytest.param({"git_dest": "/content/../etc"}, "without '..'", id="dotdot"),
        pytest.param({"allow_upgrade": ["torch>=2"]}, "is not a package name", id="spec"),
    ],
)
def test_bad_values_name_the_flag_and_never_the_token(values: dict[str, Any], needle: str) -> None:
    with pytest.raises(UsageError, match=needle.replace("(", r"\(")) as info:
        build_spec(values)
    assert TOKEN not in str(info.value)


def test_the_cli_refuses_a_url_with_a_token_and_writes_nothing(tmp_path: Path) -> None:
    result = run_nbgen("new", "-o", "nb.ipynb", "--git", f"https://x:{TOKEN}@github.com/me/p",
                       cwd=tmp_path)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--git-url: GIT_URL https://***@github.com/me/p holds a user name" in result.stderr
    assert TOKEN not in result.stderr + result.stdout and list(tmp_path.iterdir()) == []
    ok = run_nbgen("new", "-o", "nb.ipynb", "--git", "https://github.com/me/p", "--branch", "dev",
                   "--secret", "HF_TOKEN", "--secret", "WANDB_API_KEY", cwd=tmp_path)  # fmt: skip
    assert ok.returncode == 0, ok.stderr


def test_into_reads_the_form_back(tmp_path: Path) -> None:
    path = tmp_path / "train.ipynb"
    path.write_text(dumps_notebook(notebook(("code", "model = 1"))))
    refresh_setup(path, spec_file=None, flags={"git_url": "https://github.com/me/p",
                                               "secret": ["HF_TOKEN"]})  # fmt: skip
    raw = path.read_text().replace("SECRETS = 'HF_TOKEN'", "SECRETS = 'HF_TOKEN, WANDB_API_KEY'")
    path.write_text(raw.replace("ALLOW_UPGRADE = ''", "ALLOW_UPGRADE = 'numpy'"))
    refresh_setup(path, spec_file=None, flags={"git_branch": "dev"})
    text = path.read_text()
    for line in ("SECRETS = 'HF_TOKEN, WANDB_API_KEY'", "ALLOW_UPGRADE = 'numpy'",
                 "GIT_URL = 'https://github.com/me/p'", "GIT_BRANCH = 'dev'"):  # fmt: skip
        assert line in text
    typed = path.read_text().replace("GIT_URL = 'https://github.com/me/p'",
                                     f"GIT_URL = 'https://{TOKEN}@github.com/me/p'")  # fmt: skip
    path.write_text(typed)
    with pytest.raises(UsageError, match="holds a user name or token") as info:
        refresh_setup(path, spec_file=None, flags={})
    assert TOKEN not in str(info.value) and path.read_text() == typed
