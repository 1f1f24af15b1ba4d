"""The Kaggle cache, with the real kaggle client against the loopback stand-in (counting its
requests): `nbgen kaggle download --cache DIR` twice, the local data folder deleted in between
as a new Colab runtime loses it, the cache folder kept as Drive keeps it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kaggle_api import (
    KEY,
    TOKEN,
    USERNAME,
    KaggleStandin,
    kaggle_standin,
    make_zip,
    nbgen_kaggle,
)

pytestmark = pytest.mark.slow
V1 = make_zip({"labels.csv": b"file,label\n", "images/cat1.png": b"\x89PNG" + b"1" * 3000})
V2 = make_zip({"labels.csv": b"file,label\na,cat\n", "images/cat2.png": b"\x89PNG" + b"2" * 3000})
TITANIC = make_zip({"train.csv": b"id,survived\n1,0\n" * 40})
CREDS = {"KAGGLE_USERNAME": USERNAME, "KAGGLE_KEY": KEY}  # no IntrospectToken: requests count


@pytest.fixture
def api() -> Iterator[KaggleStandin]:
    state = KaggleStandin(datasets={"owner/cats": V2}, versions={"owner/cats": {1: V1}},
                          competitions={"titanic": TITANIC}, rules_accepted={"titanic"})  # fmt: skip
    with kaggle_standin(state) as running:
        yield running


def entry(cache: Path, *parts: str) -> Path:
    return cache.joinpath("kaggle", *parts)


def new_runtime(tmp_path: Path) -> None:
    """What a fresh runtime has: no local data (the cache, on "Drive", stays)."""
    shutil.rmtree(tmp_path / "data", ignore_errors=True)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".nbgen-owned"}  # fmt: skip


def test_a_pinned_version_comes_back_with_no_request_and_no_credentials(
    api: KaggleStandin, tmp_path: Path
) -> None:
    cache = tmp_path / "drive" / ".nbgen-cache"
    first = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats/versions/1", "--cache", str(cache),
                         KAGGLE_API_TOKEN=TOKEN)  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "DownloadDataset" in api.requests
    kept = entry(cache, "datasets", "owner", "cats", "1")
    manifest = json.loads((kept / "manifest.json").read_text())
    archive = kept / manifest["archives"][0]["name"]
    assert manifest["nbgen"] == "kaggle-cache" and manifest["version"] == 1
    assert (
        manifest["archives"][0]["sha256"]
        == hashlib.sha256(V1).hexdigest()
        == (hashlib.sha256(archive.read_bytes()).hexdigest())
    )
    assert manifest["size"] == len(V1) and manifest["date"]
    assert "kept a copy for the next session in the cache" in first.stdout
    target = tmp_path / "data" / "datasets" / "owner" / "cats" / "versions" / "1"
    wanted = files_of(target)
    assert wanted["images/cat1.png"].startswith(b"\x89PNG1")

    new_runtime(tmp_path)
    seen = len(api.requests)
    second = nbgen_kaggle(
        api, tmp_path, "--dataset", "owner/cats/versions/1", "--cache", str(cache)
    )
    assert second.returncode == 0, second.stderr
    assert api.requests[seen:] == []  # not one request, and no credentials were needed
    assert (
        "copying it from the cache" in second.stdout and "Kaggle credentials" not in second.stdout
    )
    assert files_of(target) == wanted
    assert json.loads((kept / "manifest.json").read_text())["used"] > manifest["used"]


def test_the_latest_costs_one_metadata_request_and_follows_a_new_version(
    api: KaggleStandin, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--cache", str(cache), **CREDS)
    assert first.returncode == 0, first.stderr
    assert "version 2 is the current one on Kaggle" in first.stdout
    assert (entry(cache, "datasets", "owner", "cats", "2") / "manifest.json").is_file()
    new_runtime(tmp_path)
    seen = len(api.requests)
    second = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--cache", str(cache), **CREDS)
    assert second.returncode == 0, second.stderr
    assert api.requests[seen:] == ["GetDataset"]  # which version is current; nothing downloaded
    latest = tmp_path / "data" / "datasets" / "owner" / "cats" / "latest"
    assert files_of(latest)["labels.csv"] == b"file,label\na,cat\n"

    api.versions["owner/cats"][2] = api.datasets["owner/cats"]  # the owner publishes version 3
    api.datasets["owner/cats"] = make_zip({"labels.csv": b"v3\n"})
    new_runtime(tmp_path)
    third = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--cache", str(cache), **CREDS)
    assert third.returncode == 0, third.stderr
    assert "version 3 is the current one" in third.stdout and "DownloadDataset" in api.requests
    assert files_of(latest) == {"labels.csv": b"v3\n"}
    assert sorted(p.name for p in entry(cache, "datasets", "owner", "cats").iterdir()) == ["2", "3"]


def test_a_damaged_archive_is_downloaded_again_with_a_line(
    api: KaggleStandin, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    args = ("--dataset", "owner/cats/1", "--cache", str(cache))
    assert nbgen_kaggle(api, tmp_path, *args, KAGGLE_API_TOKEN=TOKEN).returncode == 0
    kept = entry(cache, "datasets", "owner", "cats", "1")
    archive = next(p for p in kept.iterdir() if p.suffix == ".zip")
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: the size is right, the checksum is not
    archive.write_bytes(bytes(data))
    new_runtime(tmp_path)
    again = nbgen_kaggle(api, tmp_path, *args, KAGGLE_API_TOKEN=TOKEN)
    assert again.returncode == 0, again.stderr
    assert (
        f"the cached copy in {kept} is damaged ({archive.name}: its size or checksum"
        in again.stdout
    )
    assert api.requests.count("DownloadDataset") == 2
    assert archive.read_bytes() == V1  # the cache holds a good copy again
    target = tmp_path / "data" / "datasets" / "owner" / "cats" / "versions" / "1"
    assert (target / "images" / "cat1.png").read_bytes().startswith(b"\x89PNG1")


def test_the_cap_drops_the_least_recently_used_and_only_what_its_manifest_lists(
    api: KaggleStandin, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cap = str((len(V1) + len(V2) - 1) / 2**30)  # one of them fits, not both
    one = ("--dataset", "owner/cats/1", "--cache", str(cache), "--cache-max-gb", cap)
    assert nbgen_kaggle(api, tmp_path, *one, KAGGLE_API_TOKEN=TOKEN).returncode == 0
    old = entry(cache, "datasets", "owner", "cats", "1")
    (old / "notes.txt").write_text("mine")  # the user's file in nbgen's entry
    two = ("--dataset", "owner/cats/2", "--cache", str(cache), "--cache-max-gb", cap)
    result = nbgen_kaggle(api, tmp_path, *two, KAGGLE_API_TOKEN=TOKEN)
    assert result.returncode == 0, result.stderr
    assert "Kaggle cache: removed owner/cats/versions/1 (" in result.stdout
    assert "to stay under KAGGLE_CACHE_MAX_GB" in result.stdout
    assert sorted(p.name for p in old.iterdir()) == ["notes.txt"]  # kept, and its folder too
    assert (entry(cache, "datasets", "owner", "cats", "2") / "manifest.json").is_file()


def test_too_big_for_the_cap_is_not_kept_but_downloaded(api: KaggleStandin, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    tiny = str(10 / 2**30)
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats/1", "--cache", str(cache),
                          "--cache-max-gb", tiny, KAGGLE_API_TOKEN=TOKEN)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        "is more than KAGGLE_CACHE_MAX_GB" in result.stdout
        and "not kept in the cache" in result.stdout
    )
    assert not entry(cache, "datasets").exists()
    assert (tmp_path / "data" / "datasets" / "owner" / "cats" / "versions" / "1").is_dir()


def test_a_single_file_and_a_competition_are_cached_apart(
    api: KaggleStandin, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    file_args = ("--dataset", "owner/cats/1", "--file", "labels.csv", "--cache", str(cache))
    comp_args = ("--competition", "titanic", "--cache", str(cache))
    for args in (file_args, comp_args):
        assert nbgen_kaggle(api, tmp_path, *args, KAGGLE_API_TOKEN=TOKEN).returncode == 0
    names = sorted(p.name for p in entry(cache, "datasets", "owner", "cats").iterdir())
    assert len(names) == 1 and names[0].startswith("1-file-")  # never the whole version's entry
    assert (entry(cache, "competitions", "titanic", "latest") / "manifest.json").is_file()
    new_runtime(tmp_path)
    seen = len(api.requests)
    for args in (file_args, comp_args):
        result = nbgen_kaggle(api, tmp_path, *args)
        assert result.returncode == 0, result.stderr
    assert api.requests[seen:] == []
    data = tmp_path / "data"
    assert (data / "datasets/owner/cats/versions/1/labels.csv").read_bytes() == b"file,label\n"
    assert not (data / "datasets/owner/cats/versions/1/images").exists()
    assert (data / "competitions/titanic/train.csv").read_bytes().startswith(b"id,survived")


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda c: c.parent.mkdir(parents=True) or c.write_text("mine"), "is a file, not a folder"),
        (lambda c: c.mkdir(parents=True), "a folder nbgen did not make"),
        (lambda c: _entry_with(c, b"{not json"), "its manifest.json is not nbgen's"),
        (lambda c: _entry_with(c, b'{"name": "my own", "size": 1}'), "its manifest.json is not nbgen's"),
        (lambda c: _entry_with(c, None), "a folder nbgen did not make"),
        (lambda c: _entry_with(c, _manifest("../../../escape.txt")), "its manifest.json is not nbgen's"),
        (lambda c: _entry_with(c, _manifest("cats.zip", "cats.zip")), "its manifest.json is not nbgen's"),
        (lambda c: _entry_with(c, _manifest("cats.zip", version=2)), "its manifest.json names other data"),
        (lambda c: _link_in(c), "is a symbolic link"),
    ],
    ids=["cache-is-a-file", "users-folder", "manifest-not-json", "users-json", "no-manifest",
         "climbs-out", "twice", "copied-from-another-entry", "link"],
)  # fmt: skip
def test_what_is_in_the_cache_s_way_is_refused_before_any_download(
    api: KaggleStandin, tmp_path: Path, make: object, needle: str
) -> None:
    cache = tmp_path / "drive" / ".nbgen-cache"
    make(cache)  # type: ignore[operator]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats/1", "--cache", str(cache),
                          KAGGLE_API_TOKEN=TOKEN)  # fmt: skip
    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert needle in line and "KAGGLE_CACHE = False" in line
    assert api.requests == []
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    assert after == before and not (tmp_path / "data").exists()  # nothing written, nothing lost


def _entry_with(cache: Path, manifest: bytes | None) -> None:
    cache.mkdir(parents=True)
    (cache / ".nbgen-owned").write_text('{"nbgen": "cache"}\n')
    folder = entry(cache, "datasets", "owner", "cats", "1")
    folder.mkdir(parents=True)
    (folder / "cats.zip").write_bytes(b"the user's")
    if manifest is not None:
        (folder / "manifest.json").write_bytes(manifest)


def _manifest(*names: str, version: int = 1) -> bytes:
    """A manifest of nbgen's kind that lists ``names`` (which may climb out, or repeat), of
    ``version`` (another than its folder's: copied from another entry)."""
    archives = [{"name": name, "size": 1, "sha256": "0" * 64} for name in names]
    return json.dumps({"nbgen": "kaggle-cache", "dataset": "owner/cats", "version": version, "file": "",
                       "archives": archives, "size": 1, "date": "x", "used": "x"}).encode()  # fmt: skip


def _link_in(cache: Path) -> None:
    cache.mkdir(parents=True)
    (cache / ".nbgen-owned").write_text('{"nbgen": "cache"}\n')
    elsewhere = cache.parent / "elsewhere"
    elsewhere.mkdir()
    (cache / "kaggle").symlink_to(elsewhere, target_is_directory=True)


@pytest.mark.parametrize("value", ["0", "-3", "abc", "nan", "inf", ""])
def test_a_cap_that_is_no_size_is_one_line(api: KaggleStandin, tmp_path: Path, value: str) -> None:
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats/1", "--cache",
                          str(tmp_path / "cache"), "--cache-max-gb", value, KAGGLE_API_TOKEN=TOKEN)  # fmt: skip
    if value == "":  # empty: no cap
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert f"--cache-max-gb {value!r}: give the most the cache may hold in GB" in line
    assert (
        api.requests == []
        and not (tmp_path / "cache").exists()
        and not (tmp_path / "data").exists()
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_cache_that_cannot_be_written_costs_one_line_not_the_data(
    api: KaggleStandin, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = ("--dataset", "owner/cats/1", "--cache", str(cache))
    assert nbgen_kaggle(api, tmp_path, *first, KAGGLE_API_TOKEN=TOKEN).returncode == 0
    folders = [cache, *(p for p in cache.rglob("*") if p.is_dir())]
    for folder in folders:
        folder.chmod(0o555)  # a Drive that takes no more (full, or read-only)
    try:
        result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats/2", "--cache", str(cache),
                              KAGGLE_API_TOKEN=TOKEN)  # fmt: skip
        new_runtime(tmp_path)
        again = nbgen_kaggle(api, tmp_path, *first)  # a restore still works, its date unsaved
    finally:
        for folder in folders:
            folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "owner/cats version 2: no copy kept in the cache (" in result.stdout
    assert (tmp_path / "data/datasets/owner/cats/versions/2/labels.csv").is_file()
    assert again.returncode == 0 and "copying it from the cache" in again.stdout


def test_which_version_is_current_is_asked_the_same_with_the_newest_client(
    api: KaggleStandin, tmp_path: Path, kaggle_client: dict[str, str]
) -> None:
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--cache",
                          str(tmp_path / "cache"), **CREDS, **kaggle_client)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "owner/cats: version 2 is the current one on Kaggle" in result.stdout
    assert api.requests.count("GetDataset") == 1
    assert (entry(tmp_path / "cache", "datasets", "owner", "cats", "2") / "manifest.json").is_file()
