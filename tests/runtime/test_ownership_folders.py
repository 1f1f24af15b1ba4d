"""Folders a failed run made and left empty are taken back; nothing else is."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from nbgen.runtime.ownership.folders import first_existing, prune_empty


def test_the_climb_starts_at_the_nearest_folder_that_exists(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    assert first_existing(tmp_path / "a" / "b" / "c") == tmp_path / "a"
    assert first_existing(tmp_path / "a") == tmp_path / "a"


def test_empty_ones_go_and_a_folder_with_anything_in_it_stops_the_climb(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c" / "d"
    before = first_existing(target)
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)  # d was never made
    (tmp_path / "a" / "keep.txt").write_text("mine\n")  # put there meanwhile
    prune_empty(target, before)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "a", "a/keep.txt"
    ]  # fmt: skip
    prune_empty(tmp_path / "a" / "keep.txt", tmp_path)  # a file is not a folder to remove
    assert (tmp_path / "a" / "keep.txt").read_text() == "mine\n"


def test_a_link_where_a_folder_was_is_left_with_what_it_points_at(tmp_path: Path) -> None:
    before = first_existing(tmp_path / "a" / "b")
    (tmp_path / "a").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "a" / "b").symlink_to(tmp_path / "elsewhere")
    prune_empty(tmp_path / "a" / "b", before)
    assert (tmp_path / "a" / "b").is_symlink() and (tmp_path / "elsewhere").is_dir()


def test_a_drive_that_dropped_stops_the_climb_without_an_error_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)

    def gone(path: object) -> None:  # what a dropped Drive mount answers
        raise OSError(errno.ENOTCONN, os.strerror(errno.ENOTCONN), str(path))

    monkeypatch.setattr(os, "rmdir", gone)
    prune_empty(tmp_path / "a" / "b" / "c", tmp_path)  # raises nothing: the real error stands
    monkeypatch.undo()
    assert (tmp_path / "a" / "b").is_dir()
