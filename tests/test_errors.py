"""Every mistake a user's files can cause: one line naming the file and the fix, exit 1, no
traceback, nothing written. Permission cases run as an unprivileged user when the tests run
as root (root ignores file modes)."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nbgen.convert.ipynb import dumps_notebook
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook

GOOD = dumps_notebook(notebook(("code", "x = 1")))


def broken_inputs(folder: Path) -> list[Path]:
    """A folder of broken files, each a different way for a user's file to be wrong."""
    files = {
        "empty.ipynb": b"",
        "not_json.ipynb": b"{not json",
        "deep.ipynb": b"[" * 100_000 + b"]" * 100_000,
        "surrogate.ipynb": GOOD.replace('"x = 1"', '"x = \\ud800"').encode(),
        "minor_string.ipynb": GOOD.replace('"nbformat_minor": 5', '"nbformat_minor": "5"').encode(),
        "future.ipynb": GOOD.replace('"nbformat": 4', '"nbformat": 5').encode(),
        "latin1.ipynb": GOOD.replace("x = 1", "x = 'caf\xe9'").encode("latin-1"),
        "cells_object.ipynb": b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": {}}',
        "latin1_text.py": "# %%\nx = 'caf\xe9'\n".encode("latin-1"),
        "bad_header.py": b"# ---\n# jupyter:\n#   kernelspec: [oops\n# ---\n\n# %%\nx = 1\n",
        "open_header.py": b"# ---\n# jupyter:\n#   kernelspec: {}\n\n# %%\nx = 1\n",
        "surrogate_text.py": b"# %%\nx = '\xed\xa0\x80'\n",  # a lone surrogate is not UTF-8
    }
    paths = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    loop = folder / "loop.ipynb"
    loop.symlink_to(loop)
    dangling = folder / "dangling.ipynb"
    dangling.symlink_to(folder / "nowhere.ipynb")
    return [*paths, loop, dangling]


def commands_for(path: Path) -> list[list[str]]:
    name = str(path)
    if path.suffix == ".ipynb":
        return [["convert", name, "--to", "py"], ["sync", name], ["sync", "--check", name],
                ["run", name, "-o", name + ".out.ipynb"]]  # fmt: skip
    commands = [["convert", name, "--to", "ipynb"]]
    if path.read_bytes().startswith(b"# ---"):  # only a .py with a header pairs on its own
        commands += [["sync", name], ["sync", "--check", name]]
    return commands


def snapshot(folder: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink() or p.is_dir():
            out[str(p)] = None
        else:
            out[str(p)] = p.read_bytes()
    return out


def assert_clean_failure(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "nbgen hit a bug" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_every_broken_input_through_every_subcommand(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    for path in broken_inputs(tmp_path):
        for argv in commands_for(path):
            before = snapshot(tmp_path)
            result = run_nbgen(*argv, cwd=tmp_path)
            assert_clean_failure(result, path.name)
            assert snapshot(tmp_path) == before, argv


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("deep.ipynb", "nested too deeply"),
        ("minor_string.ipynb", "'nbformat_minor' is '5', not a whole number"),
        ("loop.ipynb", "a symbolic link that leads nowhere (or to itself)"),
        ("latin1.ipynb", "not UTF-8"),
        ("bad_header.py", "line 3: the header's 'jupyter:' section is not valid YAML"),
        ("open_header.py", "line 1: the '# ---' header that starts here never ends"),
    ],
)
def test_the_message_is_the_cause(tmp_path: Path, name: str, needle: str) -> None:
    broken_inputs(tmp_path)
    to = "py" if name.endswith(".ipynb") else "ipynb"
    assert_clean_failure(run_nbgen("convert", name, "--to", to, cwd=tmp_path), needle)


def test_a_lone_surrogate_is_named(tmp_path: Path) -> None:
    broken_inputs(tmp_path)
    result = run_nbgen("convert", "surrogate.ipynb", "--to", "py", cwd=tmp_path)
    assert_clean_failure(result, "surrogate.ipynb: cell 1 holds half of a UTF-16 surrogate pair")
    assert not (tmp_path / "surrogate.py").exists()


def test_a_batch_goes_on_past_every_broken_file(tmp_path: Path) -> None:
    broken_inputs(tmp_path)
    (tmp_path / "good.ipynb").write_text(GOOD)
    result = run_nbgen("convert", ".", "--to", "py", cwd=tmp_path)
    assert_clean_failure(result)
    assert "1 converted" in result.stdout and "good.py" in os.listdir(tmp_path)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["new", "--spec", "latin1.toml"], "--spec latin1.toml: not UTF-8"),
        (["new", "--spec", "."], "--spec .: is a folder"),
        (["new", "-o", "a" * 300 + ".ipynb"], "the name is too long"),
        (["convert", "good.ipynb", "-o", "good.ipynb", "--to", "py"], "-o good.ipynb: is a file"),
        (["convert", "good.ipynb", "--to", "ipynb"], "it is already a notebook: use --to py"),
        (["convert", "missing.ipynb", "--to", "py"], "no such file or folder: missing.ipynb"),
        (["run", "."], ".: is a folder; give a notebook"),
        (["run", "missing.ipynb"], "missing.ipynb: no such notebook"),
    ],
)
def test_ordinary_mistakes(tmp_path: Path, argv: list[str], needle: str) -> None:
    (tmp_path / "latin1.toml").write_bytes("project = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "good.ipynb").write_text(GOOD)
    before = snapshot(tmp_path)
    assert_clean_failure(run_nbgen(*argv, cwd=tmp_path), needle)
    assert snapshot(tmp_path) == before


def test_a_non_utf8_sync_record(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "good.ipynb").write_text(GOOD)
    (tmp_path / ".nbgen-sync").write_bytes(b"\xff\xfe  good.ipynb\n")
    before = snapshot(tmp_path)
    assert_clean_failure(run_nbgen("sync", cwd=tmp_path), ".nbgen-sync: not UTF-8")
    assert snapshot(tmp_path) == before


# ---- permissions: as a user who is not root ---------------------------------------------------
def _without_override() -> None:  # pragma: no cover - runs in the child before exec
    """Root ignores file modes through two capabilities: drop them from the bounding set, so
    the program started next runs as root but is refused what the modes refuse."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def as_user(
    tmp_path: Path,
) -> Iterator[tuple[Path, Callable[..., subprocess.CompletedProcess[str]]]]:
    """A folder, and a runner of `nbgen` for which file modes count (root's override dropped)."""
    root = os.geteuid() == 0

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
        return subprocess.run(
            [sys.executable, "-m", "nbgen", *args], cwd=cwd, env=env, capture_output=True,
            text=True, timeout=120, check=False,
            preexec_fn=_without_override if root else None,
        )  # fmt: skip

    probe = tmp_path / "probe.py"
    probe.write_text("x")
    probe.chmod(0)
    try:
        result = run("convert", str(probe), "--to", "ipynb", cwd=tmp_path)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot run nbgen with file modes enforced here: {exc}")
    if "permission denied" not in result.stderr:
        pytest.skip("file modes are not enforced for this user here (root without a way out)")
    probe.unlink()
    yield tmp_path, run
    for p in tmp_path.rglob("*"):
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o777)


def open_for_all(*paths: Path) -> None:
    for p in paths:
        p.chmod(0o777 if p.is_dir() else 0o666)


def test_unreadable_and_read_only_places(
    as_user: tuple[Path, Callable[..., subprocess.CompletedProcess[str]]],
) -> None:
    folder, run = as_user
    project = folder / "project"
    (project / ".git").mkdir(parents=True)
    (project / "good.ipynb").write_text(GOOD)
    (project / "secret.ipynb").write_text(GOOD)
    locked = project / "locked"
    locked.mkdir()
    (locked / "x.ipynb").write_text(GOOD)
    open_for_all(project, project / ".git", project / "good.ipynb", locked, locked / "x.ipynb")
    (project / "secret.ipynb").chmod(0)
    locked.chmod(0)

    result = run("convert", "secret.ipynb", "--to", "py", cwd=project)
    assert_clean_failure(result, "secret.ipynb: permission denied")
    result = run("convert", ".", "--to", "py", cwd=project)
    assert_clean_failure(result, "locked: permission denied")
    assert "nothing to convert" not in result.stdout
    result = run("sync", cwd=project)
    assert_clean_failure(result, "locked: permission denied")

    (project / "secret.ipynb").unlink()
    locked.chmod(0o777)
    shutil.rmtree(locked)
    for leftover in ("good.py", ".nbgen-sync"):
        (project / leftover).unlink(missing_ok=True)
    # a read-only folder: the notebook's .py and the record cannot be written
    project.chmod(0o555)
    result = run("sync", cwd=project)
    assert_clean_failure(result, "permission denied")
    result = run("new", "-o", "setup.ipynb", cwd=project)
    assert_clean_failure(result, "setup.ipynb: permission denied")
    assert sorted(p.name for p in project.iterdir()) == [".git", "good.ipynb"]
    project.chmod(0o777)


def test_only_the_record_needs_writing_in_a_read_only_folder(
    as_user: tuple[Path, Callable[..., subprocess.CompletedProcess[str]]],
) -> None:
    folder, run = as_user
    project = folder / "p"
    (project / ".git").mkdir(parents=True)
    (project / "good.ipynb").write_text(GOOD)
    open_for_all(project, project / ".git", project / "good.ipynb")
    assert run("sync", cwd=project).returncode == 0
    (project / ".nbgen-sync").unlink()  # in step, but the record must be written again
    project.chmod(0o555)
    result = run("sync", cwd=project)
    assert_clean_failure(result, ".nbgen-sync: permission denied")
    project.chmod(0o777)
