"""Kaggle archives are extracted safely: nothing lands outside the target, no bomb fills the
disk, no header lies its way past the checks, and zips inside the archive come out too."""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from nbgen.runtime.kaggle import extract
from nbgen.runtime.kaggle.extract import KaggleBudget, extract_inner_zips, safe_extract
from nbgen.runtime.kaggle.text import KaggleError
from nbgen.runtime.ownership.folders import scratch_folder
from nbgen.runtime.ownership.proofs import OWNED_STAMP
from tests.kaggle_api import make_zip


def zip_file(path: Path, files: dict[str, bytes]) -> Path:
    path.write_bytes(make_zip(files))
    return path


def everything(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("member", ["../evil.txt", "/tmp/evil_abs.txt", "ok/../../evil.txt"])
def test_malicious_archive_writes_nothing_outside(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fine.txt", b"ok")
        zf.writestr(member, b"pwned")
    target = tmp_path / "t" / "x"
    target.mkdir(parents=True)
    with pytest.raises(KaggleError, match="would land outside"):
        safe_extract(archive, target)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["bad.zip", "t", "x"]
    assert not Path("/tmp/evil_abs.txt").exists()


def test_symlink_member_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(KaggleError, match="would land outside"):
        safe_extract(archive, tmp_path / "out")


def test_a_zip_bomb_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    archive = zip_file(tmp_path / "bomb.zip", {"zeros.bin": bytes(300 << 20)})  # ~300 KiB packed
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(KaggleError, match=r"bomb.zip: extracting it would write 300.0 MiB \(\d+ "
                       r"times the archive\); nbgen stops at 200.0 GiB and 200 times"):  # fmt: skip
        safe_extract(archive, out)
    assert everything(out) == []


def test_the_byte_limit_holds_whatever_the_ratio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(extract.EXTRACT_LIMIT, "bytes", 1000)
    archive = zip_file(tmp_path / "a.zip", {"a.bin": bytes(600), "b.bin": bytes(600)})
    with pytest.raises(KaggleError, match="nbgen stops at 1000 B"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def lying(size: int, declared: int) -> bytes:
    """A zip whose one member says (in both headers) it is ``declared`` bytes, holding ``size``."""
    data = bytearray(make_zip({"big.bin": bytes(size)}))
    struct.pack_into("<I", data, 22, declared)  # the local header's uncompressed size
    struct.pack_into("<I", data, data.rfind(b"PK\x01\x02") + 24, declared)  # the central one
    return bytes(data)


def test_a_header_that_lies_about_the_size_gets_the_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    archive.write_bytes(lying(50 << 20, 1000))  # passes the size check by saying 1000 bytes
    out = tmp_path / "out"
    with pytest.raises(KaggleError, match=r"liar.zip: member 'big.bin' does not match its header"):
        safe_extract(archive, out)
    written = out / "big.bin"
    assert not written.exists() or written.stat().st_size <= 1000  # never more than declared


def test_a_member_is_never_copied_past_its_declared_size() -> None:
    out = io.BytesIO()
    with pytest.raises(zipfile.BadZipFile, match="larger than its header says"):
        extract._kaggle_copy(io.BytesIO(bytes(5000)), out, 1000)
    assert len(out.getvalue()) <= 1000


def test_a_member_twice_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "twice.zip"
    with zipfile.ZipFile(archive, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("a.csv", b"first")
        zf.writestr("a.csv", b"second")
    with pytest.raises(KaggleError, match=r"member 'a\.csv' is in it twice"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_nbgen_stamps_are_never_taken_from_an_archive(tmp_path: Path) -> None:
    forged = b'{"nbgen": "scratch"}\n'
    archive = zip_file(tmp_path / "f.zip", {OWNED_STAMP: forged, f"sub/{OWNED_STAMP}": forged,
                                             "ok.csv": b"1"})  # fmt: skip
    out = tmp_path / "out"
    safe_extract(archive, out)
    assert everything(out) == ["ok.csv"]


def test_a_member_the_file_system_refuses_is_one_clear_line(tmp_path: Path) -> None:
    archive = zip_file(tmp_path / "long.zip", {"x" * 300 + ".csv": b"1"})
    with pytest.raises(KaggleError, match="the name is too long for this file system"):
        safe_extract(archive, tmp_path / "out")


def test_zips_inside_are_extracted_beside_themselves_and_deleted(tmp_path: Path) -> None:
    work = scratch_folder(tmp_path, "titanic")
    out = work / "extracted"
    images = make_zip({"train/cat.0.jpg": b"jpg", "train/deeper.zip": make_zip({"d.txt": b"d"})})
    outer = zip_file(tmp_path / "titanic.zip", {"train.zip": images, "test.csv": b"id\n"})
    budget = KaggleBudget(outer.stat().st_size)
    safe_extract(outer, out, budget=budget)
    done = extract_inner_zips(out, work, budget)
    assert [p.name for p in done] == ["train.zip", "deeper.zip"]
    assert everything(out) == ["test.csv", "train", "train/cat.0.jpg", "train/d.txt"]


def test_an_inner_zip_whose_member_is_already_there_gets_a_folder_of_its_own(
    tmp_path: Path,
) -> None:
    work = scratch_folder(tmp_path, "x")
    out = work / "extracted"
    inner = make_zip({"train.csv": b"inner"})
    outer = zip_file(tmp_path / "x.zip", {"train.csv": b"outer", "extra.zip": inner})
    safe_extract(outer, out)
    extract_inner_zips(out, work, KaggleBudget(outer.stat().st_size))
    assert (out / "train.csv").read_bytes() == b"outer"
    assert (out / "extra" / "train.csv").read_bytes() == b"inner"
    assert not (out / "extra.zip").exists()


def test_an_inner_clash_with_no_way_out_is_one_line(tmp_path: Path) -> None:
    work = scratch_folder(tmp_path, "x")
    out = work / "extracted"
    outer = zip_file(tmp_path / "x.zip", {"a.csv": b"outer", "extra/keep.txt": b"k",
                                          "extra.zip": make_zip({"a.csv": b"inner"})})  # fmt: skip
    safe_extract(outer, out)
    with pytest.raises(KaggleError, match=r"extra.zip: 'a.csv' is already there .* and so is the "
                       r"folder .*extra; nothing was kept"):  # fmt: skip
        extract_inner_zips(out, work, KaggleBudget(outer.stat().st_size))


def test_a_bomb_spread_over_nested_zips_counts_as_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(extract.EXTRACT_LIMIT, "ratio", 3)
    half = os.urandom(2 << 20) + bytes(2 << 20)  # compresses about 2 times
    inner = make_zip({"data.bin": half})
    outer = zip_file(tmp_path / "x.zip", {"inner.zip": inner, "zeros.bin": bytes(2 << 20)})
    work = scratch_folder(tmp_path, "x")
    out = work / "extracted"
    budget = KaggleBudget(outer.stat().st_size)
    safe_extract(outer, out, budget=budget)  # each archive alone is under 3 times
    with pytest.raises(KaggleError, match=r"inner\.zip: extracting it would write"):
        extract_inner_zips(out, work, budget)  # together they are not
    assert not (out / "data.bin").exists()


def test_zips_nested_deeper_than_the_limit_stay_zips(tmp_path: Path) -> None:
    work = scratch_folder(tmp_path, "x")
    out = work / "extracted"
    nested = make_zip({"core.txt": b"core"})
    for level in range(extract.KAGGLE_NESTING + 1):
        nested = make_zip({f"l{level}.zip": nested})
    outer = zip_file(tmp_path / "x.zip", {"top.zip": nested})
    safe_extract(outer, out)
    extract_inner_zips(out, work, KaggleBudget(outer.stat().st_size))
    assert [p.suffix for p in out.rglob("*") if p.is_file()] == [".zip"]  # one left, unopened


def test_an_inner_zip_nbgen_cannot_open_stays_as_it_is(tmp_path: Path) -> None:
    work = scratch_folder(tmp_path, "x")
    out = work / "extracted"
    encrypted = bytearray(make_zip({"secret.txt": b"s"}))
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag in both headers
        at = encrypted.find(header)
        offset = at + (6 if header == b"PK\x03\x04" else 8)
        encrypted[offset] |= 0x1
    outer = zip_file(tmp_path / "x.zip", {"broken.zip": b"not a zip at all",
                                          "locked.zip": bytes(encrypted)})  # fmt: skip
    safe_extract(outer, out)
    assert extract_inner_zips(out, work, KaggleBudget(outer.stat().st_size)) == []
    assert everything(out) == ["broken.zip", "locked.zip"]


def test_an_encrypted_archive_is_one_clear_line(tmp_path: Path) -> None:
    data = bytearray(make_zip({"secret.txt": b"s"}))
    data[data.find(b"PK\x03\x04") + 6] |= 0x1
    data[data.find(b"PK\x01\x02") + 8] |= 0x1
    archive = tmp_path / "locked.zip"
    archive.write_bytes(bytes(data))
    with pytest.raises(KaggleError, match=r"locked\.zip is not a valid zip archive"):
        safe_extract(archive, tmp_path / "out")
