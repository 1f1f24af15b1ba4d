"""The door's writers for large data and logs: ``stream_file`` (pieces, fsync, size check, then
one rename) and ``append_file``; both refuse what nbgen cannot prove it wrote."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from nbgen.runtime.ownership.files import append_file, stream_file
from nbgen.runtime.ownership.text import OwnershipError


def nbgen_wrote(data: bytes) -> bool:
    return data.startswith(b"nbgen:")


def write(path: Path, data: bytes, **options: Any) -> None:
    with stream_file(path, **options) as f:
        f.write(data)


def test_a_stream_replaces_only_when_whole_and_of_the_size_promised(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "state.bin"
    with stream_file(target, size=6) as f:
        f.write(b"nbgen:")
    assert target.read_bytes() == b"nbgen:"
    with pytest.raises(OwnershipError, match=r"state\.bin") as caught:
        write(target, b"nbgen: short", proof=nbgen_wrote, size=100)
    assert caught.value.errno is not None  # the OS error's number travels with it
    with pytest.raises(RuntimeError, match="boom"), stream_file(target, proof=nbgen_wrote) as f:
        f.write(b"nbgen: half")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"nbgen:"  # neither a short nor an interrupted write replaced it
    assert sorted(p.name for p in target.parent.iterdir()) == ["state.bin"]  # no temporary left
    with stream_file(target, proof=nbgen_wrote) as f:
        f.write(b"nbgen: new")
    assert target.read_bytes() == b"nbgen: new"


def test_a_stream_keeps_the_users_files_and_links(tmp_path: Path) -> None:
    mine = tmp_path / "mine.bin"
    mine.write_bytes(b"the user's")
    with pytest.raises(OwnershipError, match="a file of yours is in the way"):
        write(mine, b"nbgen:", proof=nbgen_wrote)
    assert mine.read_bytes() == b"the user's"
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(OwnershipError, match="symbolic link"):
        write(tmp_path / "dangling", b"x")
    assert not (tmp_path / "nowhere").exists()


def test_append_adds_to_nbgens_log_and_refuses_the_users(tmp_path: Path) -> None:
    log = tmp_path / "metrics.jsonl"
    append_file(log, b"nbgen: 1\n")
    append_file(log, b"2\n", proof=nbgen_wrote)
    assert log.read_bytes() == b"nbgen: 1\n2\n"
    theirs = tmp_path / "theirs.jsonl"
    theirs.write_bytes(b"mine\n")
    with pytest.raises(OwnershipError, match="a file of yours"):
        append_file(theirs, b"nbgen: 3\n", proof=nbgen_wrote)
    os.chmod(log, 0o444)
    try:
        with pytest.raises(OwnershipError, match="read-only"):
            append_file(log, b"3\n", proof=nbgen_wrote)
    finally:
        os.chmod(log, 0o644)
    (tmp_path / "link.jsonl").symlink_to(log)
    with pytest.raises(OwnershipError, match="symbolic link"):
        append_file(tmp_path / "link.jsonl", b"4\n", proof=nbgen_wrote)
    assert theirs.read_bytes() == b"mine\n" and log.read_bytes() == b"nbgen: 1\n2\n"
