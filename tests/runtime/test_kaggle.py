"""The real kaggle client against the loopback stand-in, through `nbgen kaggle download`."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbgen.runtime.kaggle_creds import find_kaggle_credentials, save_kaggle_json
from nbgen.runtime.kaggle_extract import safe_extract
from nbgen.runtime.kaggle_text import KaggleError
from tests.conftest import run_nbgen
from tests.kaggle_api import KEY, TOKEN, USERNAME, KaggleStandin, kaggle_standin, make_zip

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


def env_for(api: KaggleStandin, home: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KAGGLE_", "COLAB_"))}
    return {**clean, **api.env, "HOME": str(home), **extra}


def nbgen_kaggle(
    api: KaggleStandin, cwd: Path, *args: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "nbgen", "kaggle", "download", *args], cwd=cwd, capture_output=True,
        text=True, env=env_for(api, cwd / "home", **extra), timeout=120, check=False,
    )  # fmt: skip
    for secret in (KEY, TOKEN):
        assert secret not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_dataset_download_extract_and_rerun(api: KaggleStandin, tmp_path: Path) -> None:
    result = nbgen_kaggle(
        api, tmp_path, "--dataset", "owner/cats", KAGGLE_USERNAME=USERNAME, KAGGLE_KEY=KEY
    )
    assert result.returncode == 0, result.stderr
    target = tmp_path / "data" / "cats"
    assert (target / "images" / "cat1.png").read_bytes().startswith(b"\x89PNG")
    assert "owner/cats: 2 files" in result.stdout and "images/cat1.png" in result.stdout
    assert "Kaggle credentials: environment (KAGGLE_USERNAME, KAGGLE_KEY)" in result.stdout
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["cats"]  # no temp left
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
    assert (tmp_path / "in" / "titanic" / "train.csv").read_bytes().startswith(b"id,survived")
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
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def test_no_credentials_lists_every_place(api: KaggleStandin, tmp_path: Path) -> None:
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats")
    assert result.returncode == 1
    for place in (
        "KAGGLE_API_TOKEN",
        "KAGGLE_USERNAME and KAGGLE_KEY",
        str(tmp_path / "kaggle.json"),
        ".kaggle/kaggle.json",
        ".kaggle/access_token",
        "Create New Token",
    ):
        assert place in result.stderr
    assert api.requests == []


def test_network_failure_is_said(tmp_path: Path) -> None:
    state = KaggleStandin(datasets={"owner/cats": CATS})
    with kaggle_standin(state):
        pass  # the port is closed again: connections are refused
    result = nbgen_kaggle(state, tmp_path, "--dataset", "owner/cats", KAGGLE_API_TOKEN=TOKEN)
    assert result.returncode == 1 and "Could not reach Kaggle (network error)" in result.stderr


def test_interrupted_download_is_not_marked_complete(api: KaggleStandin, tmp_path: Path) -> None:
    api.drop_downloads = True
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbgen", "kaggle", "download", "--dataset", "owner/cats"], cwd=tmp_path,
        env=env_for(api, tmp_path / "home", KAGGLE_API_TOKEN=TOKEN), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(r.startswith("GET ") for r in api.requests) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the client now backs off before retrying
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert not (tmp_path / "data" / "cats").exists()
    assert list((tmp_path / "data").iterdir()) == []  # no partial file, no temp folder
    api.drop_downloads = False
    result = nbgen_kaggle(api, tmp_path, "--dataset", "owner/cats", KAGGLE_API_TOKEN=TOKEN)
    assert result.returncode == 0 and (tmp_path / "data" / "cats" / "labels.csv").exists()


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


class TestCredentialSources:
    @pytest.fixture(autouse=True)
    def _clean(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        for name in (
            "KAGGLE_API_TOKEN",
            "KAGGLE_USERNAME",
            "KAGGLE_KEY",
            "KAGGLE_KERNEL_RUN_TYPE",
            "COLAB_RELEASE_TAG",
            "NBGEN_STANDIN_SECRETS",
        ):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))

    def test_order_env_token_first(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("KAGGLE_USERNAME", "u")
        monkeypatch.setenv("KAGGLE_KEY", "k")
        assert (
            find_kaggle_credentials(tmp_path).source == "environment (KAGGLE_USERNAME, KAGGLE_KEY)"
        )
        monkeypatch.setenv("KAGGLE_API_TOKEN", "t")
        assert find_kaggle_credentials(tmp_path).env == {"KAGGLE_API_TOKEN": "t"}

    def test_colab_secrets(
        self, colab_stubs: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("COLAB_SECRET_KAGGLE_USERNAME", "su")
        monkeypatch.setenv("COLAB_SECRET_KAGGLE_KEY", "sk")
        creds = find_kaggle_credentials(tmp_path, allow_upload=False)
        assert creds.source == "Colab Secrets (KAGGLE_USERNAME, KAGGLE_KEY)"
        assert creds.env == {"KAGGLE_USERNAME": "su", "KAGGLE_KEY": "sk"}
        monkeypatch.setenv("COLAB_SECRET_KAGGLE_API_TOKEN", "st")
        assert find_kaggle_credentials(tmp_path, allow_upload=False).env == {
            "KAGGLE_API_TOKEN": "st"
        }

    @pytest.mark.parametrize("mode", ["denied", "timeout"])
    def test_colab_secret_errors_fall_through(
        self, colab_stubs: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mode: str
    ) -> None:
        monkeypatch.setenv("NBGEN_STANDIN_SECRETS", mode)
        (tmp_path / "kaggle.json").write_text(f'{{"username": "{USERNAME}", "key": "{KEY}"}}')
        creds = find_kaggle_credentials(tmp_path, allow_upload=False)
        assert creds.source == str(tmp_path / "kaggle.json")

    def test_drive_json_then_home_files(self, tmp_path: Path) -> None:
        home = tmp_path / "home" / ".kaggle"
        home.mkdir(parents=True)
        (home / "access_token").write_text("tok\n")
        assert find_kaggle_credentials(tmp_path).env == {"KAGGLE_API_TOKEN": "tok"}
        (home / "kaggle.json").write_text('{"username": "h", "key": "hk"}')
        assert find_kaggle_credentials(tmp_path).source == str(home / "kaggle.json")
        (tmp_path / "kaggle.json").write_text('{"username": "d", "key": "dk"}')
        assert find_kaggle_credentials(tmp_path).env["KAGGLE_USERNAME"] == "d"

    def test_an_upload_without_a_file_says_so(self, colab_stubs: Path, tmp_path: Path) -> None:
        with pytest.raises(KaggleError, match="No file was uploaded"):
            find_kaggle_credentials(tmp_path, allow_upload=True)

    def test_saved_kaggle_json_is_private(self, tmp_path: Path) -> None:
        creds = save_kaggle_json(b'{"username": "a", "key": "b"}', home=tmp_path)
        folder = tmp_path / ".kaggle"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / "kaggle.json").stat().st_mode) == 0o600
        assert creds.env == {"KAGGLE_USERNAME": "a", "KAGGLE_KEY": "b"}


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
    target = tmp_path / "data" / "cats"
    assert sorted(p.name for p in target.iterdir() if not p.name.startswith(".")) == ["labels.csv"]
    second = nbgen_kaggle(
        api, tmp_path, "--competition", "titanic", "--file", "test.csv", "--to", "in", **creds
    )
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "in" / "titanic" / "test.csv").read_bytes() == b"id\n1\n"
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
    assert "owner/cats: 1.0 MiB downloaded, " in result.stdout  # redrawn (\r) as bytes arrive
    assert "owner/cats: 3.0 MiB downloaded, " in result.stdout and "iB/s" in result.stdout
