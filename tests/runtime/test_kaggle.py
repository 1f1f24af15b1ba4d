"""The real kaggle client against the loopback stand-in, through `nbgen kaggle download`."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_nbgen
from tests.kaggle_api import (
    KEY,
    TOKEN,
    USERNAME,
    KaggleStandin,
    env_for,
    kaggle_standin,
    make_zip,
    nbgen_kaggle,
)

TITANIC = make_zip({"train.csv": b"id,survived\n1,0\n" * 50, "test.csv": b"id\n1\n"})
CATS = make_zip({"images/cat1.png": b"\x89PNG" + b"0" * 2000, "labels.csv": b"file,label\n"})


@pytest.fixture
def api() -> Iterator[KaggleStandin]:
    state = KaggleStandin(
        datasets={"owner/cats": CATS},
        competitions={"titanic": TITANIC, "closed": TITANIC},
        rules_accepted={"titanic"},
    )
    with kaggle_standin(state) as running:
        yield running


def test_dataset_download_extract_and_rerun(api: KaggleStandin, tmp_path: Path) -> None:
    result = nbgen_kaggle(
        api, tmp_path, "--dataset", "owner/cats", KAGGLE_USERNAME=USERNAME, KAGGLE_KEY=KEY
    )
    assert result.returncode == 0, result.stderr
    target = tmp_path / "data" / "datasets" / "owner" / "cats" / "latest"
    assert (target / "images" / "cat1.png").read_bytes().startswith(b"\x89PNG")
    assert "owner/cats: 2 files" in result.stdout and "images/cat1.png" in result.stdout
    assert "Kaggle credentials: environment (KAGGLE_USERNAME, KAGGLE_KEY)" in result.stdout
    assert sorted(p.name for p in target.parent.iterdir()) == ["latest"]  # no temp, no partial
    seen = len(api.requests)
    again = nbgen_kaggle(
        api, tmp_path, "--dataset", "owner/cats", KAGGLE_USERNAME=USERNAME, KAGGLE_KEY=KEY
    )
    assert again.returncode == 0 and "already downloaded" in again.stdout
    assert len(api.requests) == seen  # served from disk: nothing asked of Kaggle
    forced = nbgen_kaggle(
        api, tmp_path, "--dataset", "owner/cats", "--force", KAGGLE_API_TOKEN=TOKEN
    )
    assert forced.returncode == 0 and len(api.requests) > seen


def test_competition_download_is_extracted(api: KaggleStandin, tmp_path: Path) -> None:
    result = nbgen_kaggle(
        api, tmp_path, "--competition", "titanic", "--to", "in", KAGGLE_API_TOKEN=TOKEN
    )
    assert result.returncode == 0, result.stderr
    target = tmp_path / "in" / "competitions" / "titanic"
    assert (target / "train.csv").read_bytes().startswith(b"id,survived")
    assert "IntrospectToken" in api.requests and "DownloadDataFiles" in api.requests


@pytest.mark.parametrize(
    ("args", "creds", "needle"),
    [
        (
            ["--dataset", "owner/cats"],
            {"KAGGLE_USERNAME": USERNAME, "KAGGLE_KEY": "wrong-key-123"},
            "Kaggle rejected the credentials from environment (KAGGLE_USERNAME, KAGGLE_KEY) (HTTP 401)",
        ),
        (
            ["--dataset", "owner/cats"],
            {"KAGGLE_API_TOKEN": "KGAT_wrong_token"},
            "Kaggle rejected the credentials from environment (KAGGLE_API_TOKEN) (HTTP 401)",
        ),
        (
            ["--competition", "closed"],
            {"KAGGLE_API_TOKEN": TOKEN},
            "accept the competition's rules at https://www.kaggle.com/competitions/closed/rules",
        ),
        (
            ["--dataset", "owner/dogs"],
            {"KAGGLE_API_TOKEN": TOKEN},
            "No such Kaggle dataset: owner/dogs (HTTP 404)",
        ),
        (
            ["--competition", "nope"],
            {"KAGGLE_API_TOKEN": TOKEN},
            "No such Kaggle competition: nope (HTTP 404)",
        ),
        (["--dataset", "not-a-slug"], {"KAGGLE_API_TOKEN": TOKEN}, "expected OWNER/SLUG"),
    ],
    ids=["401-key", "401-token", "403-rules", "404-dataset", "404-competition", "bad-slug"],
)
def test_errors_are_one_clear_message(
    api: KaggleStandin, tmp_path: Path, args: list[str], creds: dict[str, str], needle: str
) -> None:
    result = nbgen_kaggle(api, tmp_path, *args, **creds)
    assert result.returncode == 1
    assert needle in result.stderr
    assert [p for p in tmp_path.glob("data/**/*") if not p.is_dir()] == []  # nothing written


def test_no_credentials_lists_every_place(api: KaggleStandin, tmp_path: Path) -> None:
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats")
    assert result.returncode == 1
    for place in (
        "KAGGLE_API_TOKEN",
        "KAGGLE_USERNAME and KAGGLE_KEY",
        str(tmp_path / "kaggle.json"),
        ".kaggle/kaggle.json",
        ".kaggle/access_token",
        "Generate New Token",
        "Legacy API Credentials",
    ):
        assert place in result.stderr
    assert api.requests == []


@pytest.mark.parametrize(
    ("where", "needle"),
    [
        ({}, "Could not reach Kaggle (network error)"),
        (
            {"KAGGLE_KERNEL_RUN_TYPE": "Interactive"},
            "this Kaggle notebook's Internet is off. Switch it on (Settings > Internet on the "
            "right; Kaggle offers it only to phone-verified accounts",
        ),
    ],
    ids=["local", "kaggle"],
)
def test_network_failure_is_said(tmp_path: Path, where: dict[str, str], needle: str) -> None:
    state = KaggleStandin(datasets={"owner/cats": CATS})
    with socket.socket() as bound:  # bound, never listening: refused, and no one else's port
        bound.bind(("127.0.0.1", 0))
        state.port = bound.getsockname()[1]
        result = nbgen_kaggle(
            state, tmp_path, "--dataset", "owner/cats", KAGGLE_API_TOKEN=TOKEN, **where
        )
    assert result.returncode == 1 and needle in result.stderr


def test_a_cut_download_is_not_marked_complete_and_resumes(
    api: KaggleStandin, tmp_path: Path
) -> None:
    # the client writes 1 MiB at a time: half of 3 MiB leaves 1 MiB on disk
    big = make_zip({"noise.bin": os.urandom(3 << 20), "labels.csv": b"file,label\n"})
    api.datasets["owner/big"] = big
    api.drop_downloads = True  # half the body, then the connection drops
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbgen", "kaggle", "download", "--dataset", "owner/big"], cwd=tmp_path,
        env=env_for(api, tmp_path / "home", KAGGLE_API_TOKEN=TOKEN), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    folder = tmp_path / "data" / "datasets" / "owner" / "big"
    partial = folder / ".latest.nbgen-partial" / "big.zip"
    deadline = time.monotonic() + 60  # the cut part is on disk: the client now backs off
    while not (partial.exists() and partial.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert not (folder / "latest").exists()  # not marked complete
    cut = partial.stat().st_size
    assert 0 < cut < len(big)  # kept, to resume from
    api.drop_downloads = False
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/big", KAGGLE_API_TOKEN=TOKEN)
    assert result.returncode == 0, result.stderr
    assert api.ranges == [f"bytes={cut}-"]  # only the rest was asked for
    assert (folder / "latest" / "labels.csv").read_bytes() == b"file,label\n"
    assert sorted(p.name for p in folder.iterdir()) == ["latest"]  # the partial folder is gone


def test_cli_usage_errors(tmp_path: Path) -> None:
    result = run_nbgen("kaggle", "download", cwd=tmp_path)
    assert (
        result.returncode == 1
        and "one of the arguments --dataset --competition is required" in result.stderr
    )


def test_single_files_join_the_folder_and_are_cached(api: KaggleStandin, tmp_path: Path) -> None:
    creds = {"KAGGLE_API_TOKEN": TOKEN}
    first = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--file", "labels.csv", **creds)
    assert first.returncode == 0, first.stderr
    target = tmp_path / "data" / "datasets" / "owner" / "cats" / "latest"
    assert sorted(p.name for p in target.iterdir() if not p.name.startswith(".")) == ["labels.csv"]
    second = nbgen_kaggle(
        api, tmp_path, "--competition", "titanic", "--file", "test.csv", "--to", "in", **creds
    )
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "in" / "competitions" / "titanic" / "test.csv").read_bytes() == b"id\n1\n"
    seen = len(api.requests)
    again = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", "--file", "labels.csv", **creds)
    assert "already downloaded" in again.stdout and len(api.requests) == seen
    whole = nbgen_kaggle(
        api, tmp_path, "--dataset", "owner/cats", **creds
    )  # the rest is not there yet
    assert whole.returncode == 0 and (target / "images" / "cat1.png").is_file()
    assert len(api.requests) > seen


def test_a_slow_download_shows_bytes_and_speed(tmp_path: Path) -> None:
    big = make_zip({"noise.bin": os.urandom(4 << 20)})  # the client writes 1 MiB at a time
    state = KaggleStandin(datasets={"owner/cats": big}, trickle=1.2)
    with kaggle_standin(state) as api:
        result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", KAGGLE_API_TOKEN=TOKEN)
    assert result.returncode == 0, result.stderr
    # redrawn (\r) as bytes arrive: which sizes a loaded machine catches may vary, not that
    # it shows several, rising, below the whole
    sizes = [float(x) for x in re.findall(r"owner/cats: ([\d.]+) MiB downloaded, ", result.stdout)]
    assert sizes == sorted(sizes) and len({x for x in sizes if 0 < x < 4.0}) >= 2, result.stdout
    assert "iB/s" in result.stdout


def test_the_credentials_named_are_the_ones_that_authenticate(
    api: KaggleStandin, tmp_path: Path
) -> None:
    # the client reads ~/.kaggle/access_token on its own; nbgen chose (and names) the
    # environment's key, so that key, and only it, must be what Kaggle sees
    home = tmp_path / "home" / ".kaggle"
    home.mkdir(parents=True)
    (home / "access_token").write_text(TOKEN)
    result = nbgen_kaggle(
        api, tmp_path, "--dataset", "owner/cats", KAGGLE_USERNAME=USERNAME, KAGGLE_KEY="wrong-key"
    )
    assert result.returncode == 1
    assert "Kaggle rejected the credentials from environment (KAGGLE_USERNAME, KAGGLE_KEY)" in (
        result.stderr
    )
    assert "IntrospectToken" not in api.requests  # the token file was never tried
