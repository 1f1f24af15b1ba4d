"""One version's outputs into a folder nbgen stamps: only what --outputs names, nothing outside
the folder, nothing of the user's replaced. Files come from the loopback stand-in's signed URLs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbgen.errors import NbgenError
from nbgen.remote.fetch import OUTPUT_KIND, check_folder, fetch, select, unsafe_name
from nbgen.runtime.kaggle.kernels import KernelFile, KernelOutputs, KernelRef
from nbgen.runtime.ownership.folders import folder_stamp
from tests.kaggle_api import KaggleStandin, KernelRun, KernelVersion, kaggle_standin

REF = KernelRef("me", "train-cats", 1)
FILES = {
    "checkpoints/step-100.pt": b"w100",
    "checkpoints/step-200.pt": b"w200",
    "checkpoints/tmp.part": b"partial",
    "metrics.csv": b"step,loss\n",
    "__notebook__.ipynb": b"{}",
}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[KaggleStandin]:
    state = KaggleStandin(kernels={"me/train-cats": [KernelVersion(1, KernelRun(files={}))]})
    with kaggle_standin(state) as running:
        for name, value in running.env.items():
            monkeypatch.setenv(name, value)
        yield running


def outputs(api: KaggleStandin, files: dict[str, bytes], log: str = "") -> KernelOutputs:
    """What ListKernelSessionOutput says for ``files`` (served by the stand-in)."""
    from urllib.parse import quote

    api.kernels["me/train-cats"][0].run.files = files
    url = "http://localhost/signed/kernels/me/train-cats/v1/files/{}?sig=abc"
    return KernelOutputs([KernelFile(n, url.format(quote(n, safe=""))) for n in files], log)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".nbgen-owned"}  # fmt: skip


def test_only_matching_files_come_with_the_log(api: KaggleStandin, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = fetch(outputs(api, FILES, "epoch 1\n"), REF, out, ["checkpoints/**", "!*.part"])
    assert tree(out) == {"checkpoints/step-100.pt": b"w100", "checkpoints/step-200.pt": b"w200",
                         "train-cats.log": b"epoch 1\n"}  # fmt: skip
    assert result.fetched == ["checkpoints/step-100.pt", "checkpoints/step-200.pt"]
    assert result.listed == 5 and result.log == "train-cats.log"
    stamp = folder_stamp(out)
    assert stamp["nbgen"] == OUTPUT_KIND and stamp["kernel"] == "me/train-cats"
    assert stamp["files"] == [
        "checkpoints/step-100.pt",
        "checkpoints/step-200.pt",
        "train-cats.log",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no scratch left beside it


def test_without_patterns_every_file_comes(api: KaggleStandin, tmp_path: Path) -> None:
    fetch(outputs(api, FILES), REF, tmp_path / "out", [])
    assert tree(tmp_path / "out") == FILES


@pytest.mark.parametrize("name", [
    "../escape.txt", "checkpoints/../../escape.txt", "/etc/escape.txt", "C:/escape.txt",
    "C:\\escape.txt", "a\\..\\..\\escape.txt", "a//b", "./a", "a\nb",
])  # fmt: skip
def test_a_name_that_climbs_out_is_refused_and_nothing_written(
    api: KaggleStandin, tmp_path: Path, name: str
) -> None:
    out = tmp_path / "box" / "out"
    with pytest.raises(NbgenError, match="refused, nothing fetched"):
        fetch(outputs(api, {"good.txt": b"ok", name: b"evil"}), REF, out, [])
    assert not out.exists() and not (tmp_path / "escape.txt").exists()
    assert [p.name for p in tmp_path.rglob("*")] == []  # not even the folder was made
    assert unsafe_name(name)


def test_a_link_of_the_users_inside_the_folder_is_not_written_through(
    api: KaggleStandin, tmp_path: Path
) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    fetch(outputs(api, FILES), REF, out, ["checkpoints/**"])
    elsewhere.mkdir()
    for item in (out / "checkpoints").iterdir():
        os.remove(item)
    (out / "checkpoints").rmdir()
    (out / "checkpoints").symlink_to(elsewhere)  # the user made it a link meanwhile
    with pytest.raises(NbgenError, match="symbolic link where the output"):
        fetch(outputs(api, FILES), REF, out, ["checkpoints/**"])
    assert list(elsewhere.iterdir()) == []


def test_a_refetch_replaces_what_nbgen_fetched_and_refuses_the_users(
    api: KaggleStandin, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    fetch(outputs(api, {"metrics.csv": b"old"}), REF, out, [])
    (out / "notes.txt").write_text("mine")
    fetch(outputs(api, {"metrics.csv": b"new"}), REF, out, [])
    assert tree(out) == {"metrics.csv": b"new", "notes.txt": b"mine"}
    with pytest.raises(NbgenError, match=r"notes\.txt: a file of yours"):
        fetch(outputs(api, {"metrics.csv": b"x", "notes.txt": b"theirs"}), REF, out, [])
    assert tree(out) == {"metrics.csv": b"new", "notes.txt": b"mine"}  # refused before any write
    fetch(outputs(api, {"notes.txt": b"theirs"}), REF, out, [], force=True)
    assert (out / "notes.txt").read_bytes() == b"theirs"


def test_a_folder_or_file_of_the_users_is_refused(api: KaggleStandin, tmp_path: Path) -> None:
    mine = tmp_path / "results"
    mine.mkdir()
    (mine / "paper.tex").write_text("draft")
    with pytest.raises(NbgenError, match="a folder of yours"):
        fetch(outputs(api, FILES), REF, mine, [])
    assert [p.name for p in mine.iterdir()] == ["paper.tex"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(NbgenError, match="is a file, not a folder"):
        check_folder(tmp_path / "file", force=False)
    (tmp_path / "link").symlink_to(mine)
    with pytest.raises(NbgenError, match="symbolic link"):
        check_folder(tmp_path / "link", force=True)


def test_patterns_are_gitignore_lines() -> None:
    files = [KernelFile(n, "") for n in ("a.pt", "ck/b.pt", "ck/c.txt", "deep/ck/d.pt")]
    assert [f.name for f in select(files, ["*.pt"])] == ["a.pt", "ck/b.pt", "deep/ck/d.pt"]
    assert [f.name for f in select(files, ["/ck/"])] == ["ck/b.pt", "ck/c.txt"]
    assert [f.name for f in select(files, ["ck/**", "!*.txt"])] == ["ck/b.pt"]


def test_a_name_too_long_for_the_disk_is_refused_before_anything_is_written(
    api: KaggleStandin, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with pytest.raises(
        NbgenError,
        match="the name is too long for this file system: choose a shorter one; nothing fetched",
    ):
        fetch(outputs(api, {"good.txt": b"ok", "x" * 300 + ".pt": b"w"}), REF, out, [])
    assert not out.exists()


def test_a_read_only_file_nbgen_fetched_is_not_replaced(api: KaggleStandin, tmp_path: Path) -> None:
    out = tmp_path / "out"
    fetch(outputs(api, {"a.txt": b"old", "b.txt": b"old"}), REF, out, [])
    (out / "b.txt").chmod(0o444)
    with pytest.raises(NbgenError, match="read-only"):
        fetch(outputs(api, {"a.txt": b"new", "b.txt": b"new"}), REF, out, [])
    assert (out / "b.txt").read_bytes() == b"old"
    assert folder_stamp(out)["files"] == ["a.txt", "b.txt"]  # a.txt, moved in, is still nbgen's


def test_only_web_addresses_are_fetched(api: KaggleStandin, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    listing = KernelOutputs([KernelFile("copy.txt", secret.as_uri())], "")
    with pytest.raises(NbgenError, match="not a web address"):
        fetch(listing, REF, tmp_path / "out", [])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("files", "needle"), [
    ({".nbgen-owned": b'{"nbgen": "kaggle-output", "files": ["x"]}'}, "nbgen's own stamp"),
    ({"a": b"file", "a/b": b"inside"}, "'a' is a file and a folder of other outputs"),
])  # fmt: skip
def test_names_that_cannot_all_land_are_refused_first(
    api: KaggleStandin, tmp_path: Path, files: dict[str, bytes], needle: str
) -> None:
    with pytest.raises(NbgenError, match=needle):
        fetch(outputs(api, files), REF, tmp_path / "out", [])
    assert list(tmp_path.iterdir()) == []


def test_the_newest_versions_folder_holds_only_the_newest_versions_files(
    api: KaggleStandin, tmp_path: Path
) -> None:
    newest = KernelRef("me", "train-cats", None)  # `nbgen kaggle fetch me/train-cats`: latest/
    out = tmp_path / "latest"
    fetch(outputs(api, {"a.txt": b"v1", "keep.txt": b"v1", "edit.txt": b"v1"}), newest, out, [])
    (out / "edit.txt").write_bytes(b"my notes on v1")  # edited after the fetch: the user's now
    (out / "mine.txt").write_bytes(b"mine")
    fetch(outputs(api, {"b.txt": b"v2", "keep.txt": b"v2"}), newest, out, [])
    assert tree(out) == {"b.txt": b"v2", "keep.txt": b"v2", "edit.txt": b"my notes on v1",
                         "mine.txt": b"mine"}  # fmt: skip  # v1's a.txt gone, nothing of yours
    assert folder_stamp(out)["files"] == ["b.txt", "keep.txt"]


def test_a_fetched_file_edited_since_is_not_fetched_over(
    api: KaggleStandin, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    fetch(outputs(api, {"metrics.csv": b"step,loss\n"}), REF, out, [])
    (out / "metrics.csv").write_bytes(b"step,loss,my column\n")
    with pytest.raises(NbgenError, match=r"a file of yours .*or you edited it since"):
        fetch(outputs(api, {"metrics.csv": b"step,loss\n"}), REF, out, [])
    assert (out / "metrics.csv").read_bytes() == b"step,loss,my column\n"
    fetch(outputs(api, {"metrics.csv": b"step,loss\n"}), REF, out, [], force=True)
    assert (out / "metrics.csv").read_bytes() == b"step,loss\n"
