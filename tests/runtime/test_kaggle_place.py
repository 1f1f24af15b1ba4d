"""Where Kaggle data lands (the real client against the loopback stand-in): never in or over a
folder of the user's, one folder per data set, version and competition, single files joining
it, leftovers of a killed run cleaned, versions fetched as pinned."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbgen.runtime.ownership.proofs import OWNED_STAMP
from tests.kaggle_api import TOKEN, KaggleStandin, kaggle_standin, make_zip, nbgen_kaggle

TITANIC = make_zip({"train.csv": b"id,survived\n1,0\n", "test.csv": b"id\n1\n"})
CATS = make_zip({"images/a.png": b"\x89PNG a", "images/b.png": b"\x89PNG b", "labels.csv": b"l\n"})
CREDS = {"KAGGLE_API_TOKEN": TOKEN}


@pytest.fixture
def api() -> Iterator[KaggleStandin]:
    state = KaggleStandin(
        datasets={"owner/cats": CATS, "alice/mnist": make_zip({"a.csv": b"alice"}),
                  "bob/mnist": make_zip({"b.csv": b"bob"})},
        versions={"owner/cats": {1: make_zip({"labels.csv": b"version 1\n"})}},
        competitions={"titanic": TITANIC, "mnist": make_zip({"c.csv": b"competition"})},
        rules_accepted={"titanic", "mnist"},
    )  # fmt: skip
    with kaggle_standin(state) as running:
        yield running


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != OWNED_STAMP
    }


def users_folder(path: Path) -> dict[str, bytes]:
    path.mkdir(parents=True)
    (path / "my_notes.txt").write_text("mine")
    (path / "model.pt").write_bytes(b"weights")
    return files_under(path)


def test_a_users_titanic_folder_beside_is_never_touched(api: KaggleStandin, tmp_path: Path) -> None:
    before = users_folder(tmp_path / "titanic")
    result = nbgen_kaggle(api, tmp_path, "--competition", "titanic", "--to", ".", **CREDS)
    assert result.returncode == 0, result.stderr
    assert files_under(tmp_path / "titanic") == before
    assert (tmp_path / "competitions" / "titanic" / "train.csv").is_file()


def test_a_users_folder_where_the_data_would_land_is_never_replaced(
    api: KaggleStandin, tmp_path: Path
) -> None:
    mine = tmp_path / "competitions" / "titanic"
    before = users_folder(mine)
    result = nbgen_kaggle(api, tmp_path, "--competition", "titanic", "--to", ".", **CREDS)
    assert result.returncode == 1
    line = result.stderr.strip()
    assert "\n" not in line.removeprefix("nbgen kaggle: error: ")
    assert "competitions/titanic: a folder of yours is in the way (nbgen did not make it)" in line
    assert "choose another KAGGLE_DEST (--to on the command line)" in line and "--force" in line
    assert files_under(mine) == before
    assert api.requests == []  # refused before anything was asked of Kaggle
    forced = nbgen_kaggle(
        api, tmp_path, "--competition", "titanic", "--to", ".", "--force", **CREDS
    )
    assert forced.returncode == 0, forced.stderr
    assert files_under(mine) == {"test.csv": b"id\n1\n", "train.csv": b"id,survived\n1,0\n"}


def test_single_files_of_one_folder_all_stay(api: KaggleStandin, tmp_path: Path) -> None:
    for name in ("images/a.png", "images/b.png"):
        result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--file", name, **CREDS)
        assert result.returncode == 0, result.stderr
    target = tmp_path / "data" / "datasets" / "owner" / "cats" / "latest"
    assert files_under(target) == {"images/a.png": b"\x89PNG a", "images/b.png": b"\x89PNG b"}


def test_a_file_the_user_put_in_the_folder_is_never_replaced_by_a_single_file(
    api: KaggleStandin, tmp_path: Path
) -> None:
    nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--file", "images/a.png", **CREDS)
    target = tmp_path / "data" / "datasets" / "owner" / "cats" / "latest"
    (target / "labels.csv").write_text("my own labels")
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--file", "labels.csv", **CREDS)
    assert result.returncode == 1
    assert "labels.csv: a file of yours is in the way (nbgen did not write it)" in result.stderr
    assert (target / "labels.csv").read_text() == "my own labels"
    forced = nbgen_kaggle(
        api, tmp_path, "--dataset", "owner/cats", "--file", "labels.csv", "--force", **CREDS
    )
    assert forced.returncode == 0 and (target / "labels.csv").read_bytes() == b"l\n"


def test_a_file_that_would_climb_out_of_the_data_is_refused_before_asking(
    api: KaggleStandin, tmp_path: Path
) -> None:
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--file", "../../x", **CREDS)
    assert result.returncode == 1
    assert "'owner/cats': '../../x' is not a file of the data" in result.stderr
    assert api.requests == [] and not (tmp_path / "data").exists()


def test_a_whole_download_does_not_take_a_file_the_user_added(
    api: KaggleStandin, tmp_path: Path
) -> None:
    nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--file", "labels.csv", **CREDS)
    target = tmp_path / "data" / "datasets" / "owner" / "cats" / "latest"
    (target / "predictions.csv").write_text("mine")
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", **CREDS)
    assert result.returncode == 1
    assert "datasets/owner/cats/latest holds predictions.csv, which nbgen did not put there" in (
        result.stderr
    )
    assert (target / "predictions.csv").read_text() == "mine"


def test_a_single_file_kaggle_sends_zipped_arrives_as_itself(tmp_path: Path) -> None:
    with kaggle_standin(KaggleStandin(competitions={"titanic": TITANIC}, rules_accepted={"titanic"},
                                      zip_single_files=True)) as api:  # fmt: skip
        result = nbgen_kaggle(
            api, tmp_path, "--competition", "titanic", "--file", "train.csv", **CREDS
        )
    assert result.returncode == 0, result.stderr
    target = tmp_path / "data" / "competitions" / "titanic"
    assert files_under(target) == {"train.csv": b"id,survived\n1,0\n"}
    assert "GET /signed/competitions/titanic/files/train.csv.zip" in api.requests


def test_what_a_killed_run_left_is_cleaned_and_a_lookalike_is_not(
    api: KaggleStandin, tmp_path: Path
) -> None:
    parent = tmp_path / "data" / "competitions"
    leftover = parent / ".titanic.nbgen-k1ll3d"
    (leftover / "extracted").mkdir(parents=True)
    (leftover / "extracted" / "train.csv").write_text("half")
    (leftover / OWNED_STAMP).write_text('{"name": "titanic", "nbgen": "scratch"}\n')
    lookalike = users_folder(parent / ".titanic.nbgen-mine")
    stamped_else = parent / ".titanic.nbgen-run"
    stamped_else.mkdir()
    (stamped_else / OWNED_STAMP).write_text('{"nbgen": "run"}\n')
    result = nbgen_kaggle(api, tmp_path, "--competition", "titanic", **CREDS)
    assert result.returncode == 0, result.stderr
    assert not leftover.exists()
    assert files_under(parent / ".titanic.nbgen-mine") == lookalike
    assert stamped_else.is_dir()


def test_a_users_folder_named_like_the_partial_one_is_refused(
    api: KaggleStandin, tmp_path: Path
) -> None:
    mine = tmp_path / "data" / "competitions" / ".titanic.nbgen-partial"
    before = users_folder(mine)
    result = nbgen_kaggle(api, tmp_path, "--competition", "titanic", **CREDS)
    assert result.returncode == 1
    assert ".titanic.nbgen-partial: a folder of yours is in the way" in result.stderr
    assert "--force" not in result.stderr  # force names the data's folder, not this one
    assert files_under(mine) == before


def test_same_slug_other_owner_or_a_competition_never_share_a_folder(
    api: KaggleStandin, tmp_path: Path
) -> None:
    for args in (["--dataset", "alice/mnist"], ["--dataset", "bob/mnist"],
                 ["--competition", "mnist"]):  # fmt: skip
        result = nbgen_kaggle(api, tmp_path, *args, **CREDS)
        assert result.returncode == 0, result.stderr
        assert "already downloaded" not in result.stdout
    data = tmp_path / "data"
    assert files_under(data / "datasets" / "alice" / "mnist" / "latest") == {"a.csv": b"alice"}
    assert files_under(data / "datasets" / "bob" / "mnist" / "latest") == {"b.csv": b"bob"}
    assert files_under(data / "competitions" / "mnist") == {"c.csv": b"competition"}


def test_a_stamp_for_other_data_is_a_copied_folder_and_yours(
    api: KaggleStandin, tmp_path: Path
) -> None:
    # the path follows from kind, owner, slug and version: a stamp naming other data came with a
    # folder the user copied here, perhaps with files of their own added
    target = tmp_path / "data" / "datasets" / "alice" / "mnist" / "latest"
    target.mkdir(parents=True)
    (target / "b.csv").write_text("bob's")
    (target / "my_features.parquet").write_bytes(b"a day of feature work")
    stamp: dict[str, object] = {
        "nbgen": "kaggle",
        "dataset": "bob/mnist",
        "version": None,
        "all": True,
        "files": [],
    }
    (target / OWNED_STAMP).write_text(json.dumps(stamp))
    before = files_under(target)
    for extra in ([], ["--file", "a.csv"]):
        result = nbgen_kaggle(api, tmp_path, "--dataset", "alice/mnist", *extra, **CREDS)
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert "alice/mnist/latest: its nbgen stamp names bob/mnist, not alice/mnist" in line
        assert "--force" in line
        assert files_under(target) == before  # nothing of the folder changed
    forced = nbgen_kaggle(api, tmp_path, "--dataset", "alice/mnist", "--force", **CREDS)
    assert forced.returncode == 0, forced.stderr
    assert files_under(target) == {"a.csv": b"alice"}  # what --force names, replaced
    assert json.loads((target / OWNED_STAMP).read_text())["dataset"] == "alice/mnist"


def test_a_version_pin_fetches_that_version(api: KaggleStandin, tmp_path: Path) -> None:
    pinned = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats/versions/1", **CREDS)
    assert pinned.returncode == 0, pinned.stderr
    cats = tmp_path / "data" / "datasets" / "owner" / "cats"
    assert files_under(cats / "versions" / "1") == {"labels.csv": b"version 1\n"}
    assert "owner/cats version 1: 1 file," in pinned.stdout
    latest = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", **CREDS)
    assert latest.returncode == 0 and "already downloaded" not in latest.stdout
    assert files_under(cats / "latest")["labels.csv"] == b"l\n"
    again = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats/1", **CREDS)
    assert "owner/cats version 1: already downloaded" in again.stdout


def test_a_version_that_does_not_exist_is_named(api: KaggleStandin, tmp_path: Path) -> None:
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats/versions/7", **CREDS)
    assert result.returncode == 1
    assert "No such Kaggle dataset: owner/cats version 7 (HTTP 404)" in result.stderr


def test_zips_in_a_competition_archive_come_out(tmp_path: Path) -> None:
    shipped = make_zip({"train.zip": make_zip({"train/cat.0.jpg": b"jpg"}), "sample.csv": b"s\n"})
    state = KaggleStandin(competitions={"dogs": shipped}, rules_accepted={"dogs"})
    with kaggle_standin(state) as api:
        result = nbgen_kaggle(api, tmp_path, "--competition", "dogs", **CREDS)
    assert result.returncode == 0, result.stderr
    target = tmp_path / "data" / "competitions" / "dogs"
    assert files_under(target) == {"sample.csv": b"s\n", "train/cat.0.jpg": b"jpg"}


def test_a_zip_bomb_from_kaggle_is_the_clear_error_and_nothing_stays(tmp_path: Path) -> None:
    state = KaggleStandin(datasets={"owner/bomb": make_zip({"z.bin": bytes(300 << 20)})})
    with kaggle_standin(state) as api:
        result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/bomb", **CREDS)
    assert result.returncode == 1
    assert "extracting it would write 300.0 MiB" in result.stderr
    assert [p for p in (tmp_path / "data").rglob("*") if p.is_file()] == []  # partial gone too


def test_a_failed_download_leaves_no_empty_folders_and_keeps_what_was_there(
    tmp_path: Path,
) -> None:
    state = KaggleStandin(datasets={"owner/bomb": make_zip({"z.bin": bytes(300 << 20)})})
    (tmp_path / "data" / "datasets").mkdir(parents=True)  # the user's, made before nbgen ran
    with kaggle_standin(state) as api:
        for ref in ("owner/bomb", "owner/cats/versions/7", "nobody/x"):
            result = nbgen_kaggle(api, tmp_path, "--dataset", ref, **CREDS)
            assert result.returncode == 1, ref
            assert list((tmp_path / "data").rglob("*")) == [tmp_path / "data" / "datasets"], ref
        (tmp_path / "data" / "datasets" / "nobody").mkdir()
        (tmp_path / "data" / "datasets" / "nobody" / "notes.txt").write_text("mine\n")
        result = nbgen_kaggle(api, tmp_path, "--dataset", "nobody/x", **CREDS)
    assert result.returncode == 1
    assert sorted(p.name for p in (tmp_path / "data" / "datasets").rglob("*")) == [
        "nobody", "notes.txt"
    ]  # fmt: skip


def test_a_dest_that_climbs_back_keeps_the_users_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()  # the user's, empty
    with kaggle_standin(KaggleStandin()) as api:
        result = nbgen_kaggle(api, tmp_path, "--dataset", "nobody/x", "--to", "nope/../data",
                              **CREDS)  # fmt: skip
    assert result.returncode == 1
    assert (tmp_path / "data").is_dir() and list((tmp_path / "data").iterdir()) == []


def test_a_dangling_link_as_the_destination_is_named_and_not_followed(tmp_path: Path) -> None:
    (tmp_path / "dl").symlink_to(tmp_path / "gone")
    with kaggle_standin(KaggleStandin(datasets={"owner/cats": make_zip({"a": b"1"})})) as api:
        result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--to", "dl", **CREDS)
    assert result.returncode == 1
    assert f"dl: is a symbolic link to {tmp_path / 'gone'}, which does not exist" in result.stderr
    assert not (tmp_path / "gone").exists() and (tmp_path / "dl").is_symlink()
