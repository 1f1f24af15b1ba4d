"""Sync at the speed of a stat: a pair whose files are as they were is not read, and the hash
still decides what changed (a touch or a clone is never an edit)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbgen.commands.sync import sync
from nbgen.convert.ipynb import dumps_notebook
from nbgen.convert.statcache import StatCache, cache_dir
from nbgen.convert.sync import STATE_FILE
from tests.convert.helpers import notebook

OPENED: list[str] = []
WATCHING: list[bool] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if WATCHING and event == "open" and isinstance(args[0], str | Path):
        OPENED.append(os.fspath(args[0]))


sys.addaudithook(_audit)  # Python's own record of every file opened (cannot be removed)


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """The files opened while the test runs."""
    OPENED.clear()
    WATCHING.append(True)
    yield OPENED
    WATCHING.clear()


def in_the_past(*paths: Path) -> None:
    """As files are after a while: older than any timestamp tick (not "racy")."""
    for path in paths:
        os.utime(path, ns=(0, path.stat().st_mtime_ns - 10 * 10**9))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b"):
        (tmp_path / f"{name}.ipynb").write_text(dumps_notebook(notebook(("code", f"{name} = 1"))))
    assert sync([]) == 0
    in_the_past(*tmp_path.glob("*.ipynb"), *tmp_path.glob("*.py"))
    assert sync([]) == 0  # reads both (their signatures changed), and remembers them
    return tmp_path


def test_a_pair_in_step_is_not_read_again(project: Path, opened: list[str]) -> None:
    opened.clear()
    assert sync([]) == 0
    read = {Path(p).name for p in opened}
    assert not read & {"a.ipynb", "a.py", "b.ipynb", "b.py"}, read
    assert sync([], check=True) == 0


def test_a_touch_is_read_and_is_not_an_edit(
    project: Path, opened: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    record = (project / STATE_FILE).read_bytes()
    before = {p.name: p.read_bytes() for p in project.iterdir() if p.is_file()}
    os.utime(project / "a.ipynb")  # touch: a new mtime, the same content
    capsys.readouterr()
    opened.clear()
    assert sync([]) == 0
    assert "2 pairs: 2 in step" in capsys.readouterr().out
    assert "a.ipynb" in {Path(p).name for p in opened}
    assert "b.ipynb" not in {Path(p).name for p in opened}, opened
    assert {p.name: p.read_bytes() for p in project.iterdir() if p.is_file()} == before
    assert (project / STATE_FILE).read_bytes() == record


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(project: Path) -> None:
    py = project / "a.py"
    stat = py.stat()
    text = py.read_text()
    py.write_text(text.replace("a = 1", "a = 7"))  # same size
    os.utime(py, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old mtime back
    assert py.stat().st_size == stat.st_size and py.stat().st_mtime_ns == stat.st_mtime_ns
    assert sync([]) == 0
    assert "a = 7" in (project / "a.ipynb").read_text()


def test_a_clone_is_read_once_and_is_in_step(
    project: Path, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = project.parent / "clone"
    shutil.copytree(project, clone)  # other inodes, other times, another root
    monkeypatch.chdir(clone)
    opened.clear()
    assert sync([]) == 0
    assert {"a.ipynb", "a.py"} <= {Path(p).name for p in opened if p.startswith(str(clone))}
    assert (clone / STATE_FILE).read_bytes() == (project / STATE_FILE).read_bytes()


def test_the_record_keeps_its_format_and_the_signatures_stay_off_the_project(
    project: Path,
) -> None:
    record = (project / STATE_FILE).read_text()
    assert all(len(line.split("  ")) == 2 for line in record.splitlines())  # HASH  path, as before
    assert sorted(p.name for p in project.iterdir()) == [
        ".git", STATE_FILE, "a.ipynb", "a.py", "b.ipynb", "b.py",
    ]  # fmt: skip
    cached = list(cache_dir().glob("*.json"))
    assert cached and all(str(project) not in str(p) for p in cached)
    assert cache_dir().parent.parent == Path(os.environ["XDG_CACHE_HOME"])


@pytest.mark.parametrize("damage", [b"", b"{", b"[1, 2]", b'{"root": 1}', b"\xff\xfe"])
def test_a_damaged_cache_is_only_a_slower_run(
    project: Path, opened: list[str], damage: bytes
) -> None:
    for path in cache_dir().glob("*.json"):
        path.write_bytes(damage)
    opened.clear()
    assert sync([]) == 0
    assert "a.ipynb" in {Path(p).name for p in opened}  # read again, in step


def test_a_folder_of_yours_where_the_cache_goes_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home-cache"
    mine = home / "nbgen" / "sync"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("mine")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    project = tmp_path / "p"
    project.mkdir()
    (project / ".git").mkdir()
    monkeypatch.chdir(project)
    (project / "a.ipynb").write_text(dumps_notebook(notebook(("code", "x = 1"))))
    assert sync([]) == 0 and sync([]) == 0
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_an_entry_is_trusted_only_for_files_older_than_a_timestamp_tick(tmp_path: Path) -> None:
    nb, py = tmp_path / "a.ipynb", tmp_path / "a.py"
    nb.write_text("{}")
    py.write_text("x")
    cache = StatCache(tmp_path)
    cache.remember("a.ipynb", nb, py, "h" * 32, "percent")
    assert not cache.in_step("a.ipynb", nb, py, "h" * 32, "percent")  # just written: racy
    in_the_past(nb, py)
    cache.remember("a.ipynb", nb, py, "h" * 32, "percent")
    assert cache.in_step("a.ipynb", nb, py, "h" * 32, "percent")
    assert not cache.in_step("a.ipynb", nb, py, "0" * 32, "percent")  # the record moved on
    assert not cache.in_step("a.ipynb", nb, py, "h" * 32, "md")  # another format
    py.write_text("y")
    assert not cache.in_step("a.ipynb", nb, py, "h" * 32, "percent")


def test_the_hooks_run_on_one_file_leaves_the_other_pairs_record_alone(
    project: Path, opened: list[str]
) -> None:
    record = (project / STATE_FILE).read_text()
    (project / "b.ipynb").unlink()
    (project / "b.py").unlink()
    opened.clear()
    assert sync([project / "a.ipynb"], fail_on_change=True) == 0
    assert (project / STATE_FILE).read_text() == record  # b is forgotten by a full sync only
    assert not {Path(p).name for p in opened} & {"a.ipynb", "a.py"}
    assert sync([]) == 0
    assert "b.ipynb" not in (project / STATE_FILE).read_text()
