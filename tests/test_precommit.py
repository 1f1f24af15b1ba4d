"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit in a throwaway repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import REPO
from tests.convert.helpers import notebook

pytestmark = pytest.mark.slow


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def hook_repo(tmp_path: Path) -> tuple[Path, str]:
    """This working tree, committed into a repository of its own: the hook repo at a commit."""
    repo = tmp_path / "hooks"
    for name in ("nbgen", "templates"):
        shutil.copytree(REPO / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "hooks")
    return repo, git(repo, "rev-parse", "HEAD").strip()


def commit(project: Path, env: dict[str, str]) -> tuple[int, str]:
    """git commit, as a user types it; the hook's output (git puts it on stderr) in one text."""
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-m", "c"],
                          cwd=project, capture_output=True, text=True, check=False, env=env)  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def test_hooks_in_a_real_repository(tmp_path: Path) -> None:
    hooks, rev = hook_repo(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks:\n  - id: nbgen-sync\n"
    )
    (project / "a.ipynb").write_text(dumps_notebook(notebook(("code", "x = 1"))))
    env_home = tmp_path / "pre-commit-home"
    pre_commit = [sys.executable, "-m", "pre_commit"]
    env = {**os.environ, "PRE_COMMIT_HOME": str(env_home)}
    subprocess.run([*pre_commit, "install"], cwd=project, check=True, capture_output=True, env=env)
    git(project, "add", "a.ipynb", ".pre-commit-config.yaml")

    code, out = commit(project, env)
    assert code != 0, out
    assert "wrote" in out and "a.py" in out and "stage the files" in out
    assert (project / "a.py").exists()

    git(project, "add", "a.py", ".nbgen-sync")
    code, out = commit(project, env)
    assert code == 0, out
    assert "Passed" in out

    # a staged .py edit updates its notebook
    py = project / "a.py"
    py.write_text(py.read_text().replace("x = 1", "x = 2"))
    git(project, "add", "a.py")
    code, out = commit(project, env)
    assert code != 0 and "a.ipynb" in out
    assert '"x = 2"' in (project / "a.ipynb").read_text()

    check = subprocess.run([*pre_commit, "try-repo", str(hooks), "nbgen-check", "--files", "a.ipynb"],
                           cwd=project, capture_output=True, text=True, check=False, env=env)  # fmt: skip
    assert check.returncode == 0, check.stdout

    # an md pair under its own config: an edit of the .md alone reaches the hook
    notes = project / "notes"
    notes.mkdir()
    (notes / "nbgen.toml").write_text('format = "md"\n')
    (notes / "n.ipynb").write_text(dumps_notebook(notebook(("code", "n = 1"))))
    git(project, "add", "-A")
    code, out = commit(project, env)
    assert code != 0 and "n.md" in out, out
    git(project, "add", "-A")
    code, out = commit(project, env)
    assert code == 0, out
    md = notes / "n.md"
    md.write_text(md.read_text().replace("n = 1", "n = 2"))
    git(project, "add", "notes/n.md")
    code, out = commit(project, env)
    assert code != 0 and "n.ipynb" in out, out
    assert '"n = 2"' in (notes / "n.ipynb").read_text()

    # nbgen-clean: Colab's widget metadata fixed once (the hook fails, having written it), then
    # the notebook is clean and the hook passes
    from tests.convert.test_clean import colab_saved, github_renders, write_colab

    write_colab(project / "colab.ipynb", colab_saved())
    git(project, "add", "colab.ipynb")
    clean = [*pre_commit, "try-repo", str(hooks), "nbgen-clean", "--files", "colab.ipynb"]
    first = subprocess.run(clean, cwd=project, capture_output=True, text=True, check=False, env=env)
    assert first.returncode == 1 and "files were modified by this hook" in first.stdout, (
        first.stdout
    )
    assert github_renders(project / "colab.ipynb")
    second = subprocess.run(
        clean, cwd=project, capture_output=True, text=True, check=False, env=env
    )
    assert second.returncode == 0, second.stdout
