"""kagglehub where it serves data without a download: the real kagglehub against loopback
stand-ins of the two services it asks (as kagglehub's own tests do: tests/server_stubs/
colab_stub.py and jwt_stub.py): Colab's runtime endpoint (``TBE_RUNTIME_ADDR``:
``/kagglehub/datasets/is_supported`` and ``/mount``) and a Kaggle notebook's data proxy
(``/kaggle-jwt-handler/AttachDatasourceUsingJwtRequest``). "Mounting" is a folder the stand-in
makes. What neither can show: that Colab's real cache has a given data set; that is Colab's."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from nbgen.runtime.kaggle import hub
from nbgen.runtime.kaggle.download import kaggle_download
from tests.kaggle_api import TOKEN, KaggleStandin, kaggle_standin, make_zip
from tests.loopback import LoopbackServer, serving

pytest.importorskip("kagglehub")
pytestmark = pytest.mark.slow
CATS = make_zip({"labels.csv": b"file,label\n"})


@dataclass
class Mounts:
    """What the stand-in offers (data set or competition name -> mount slug) and saw."""

    root: Path
    offered: dict[str, str] = field(default_factory=dict)
    mount: bool = True  # False: says yes, but the folder never appears
    seen: list[tuple[str, dict[str, object], str]] = field(default_factory=list)
    port: int = 0


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer[Mounts]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        state = self.server.state
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        auth = self.headers.get("Authorization") or self.headers.get("X-Kaggle-Authorization") or ""
        state.seen.append((self.path, body, auth))
        ref = body.get("datasetRef") or body.get("competitionRef") or body
        assert isinstance(ref, dict)
        key = str(ref.get("dataset") or ref.get("DatasetSlug") or ref.get("CompetitionSlug"))
        slug = state.offered.get(key)
        if slug is None:
            return self._answer(404, {"code": 404})
        if state.mount:
            (state.root / slug).mkdir(parents=True, exist_ok=True)
            (state.root / slug / "labels.csv").write_text("file,label\n")
        if self.path.endswith("/is_supported"):
            return self._answer(200, None)
        if self.path.endswith("/mount"):
            return self._answer(200, {"slug": slug})
        return self._answer(200, {"wasSuccessful": True, "result": {"mountSlug": slug}})

    def _answer(self, status: int, body: object) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def mounts(tmp_path: Path) -> Iterator[Mounts]:
    state = Mounts(tmp_path / "input", offered={"cats": "cats", "titanic": "titanic"})
    with serving(_Handler, state) as state.port:
        yield state


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[KaggleStandin]:
    """The Kaggle API stand-in for the kaggle client, which must not be needed."""
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_KERNEL_RUN_TYPE", "KAGGLE_API_V1_TOKEN",
                 "COLAB_RELEASE_TAG", "DISABLE_COLAB_CACHE", "DISABLE_KAGGLE_CACHE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with kaggle_standin(KaggleStandin(datasets={"owner/cats": CATS})) as state:
        for name, value in {**state.env, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}.items():
            monkeypatch.setenv(name, value)
        yield state


@pytest.fixture
def on_colab(monkeypatch: pytest.MonkeyPatch, mounts: Mounts, api: KaggleStandin) -> Mounts:
    monkeypatch.setenv("COLAB_RELEASE_TAG", "nbgen-test")
    monkeypatch.setenv("TBE_RUNTIME_ADDR", f"127.0.0.1:{mounts.port}")
    monkeypatch.setenv("COLAB_CACHE_MOUNT_FOLDER", str(mounts.root))
    monkeypatch.setenv("KAGGLE_API_TOKEN", TOKEN)
    return mounts


def test_on_colab_its_kaggle_cache_serves_the_data_and_nothing_downloads(
    on_colab: Mounts, api: KaggleStandin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = kaggle_download("owner/cats/versions/2", dest=tmp_path / "data")
    assert path == on_colab.root / "cats" and (path / "labels.csv").is_file()
    out = capsys.readouterr().out
    assert "owner/cats version 2: served by Colab's own Kaggle cache (through kagglehub)" in out
    assert "kagglehub" not in out.replace("(through kagglehub)", "")  # only nbgen's lines
    assert api.requests == [] and not (tmp_path / "data").exists()
    [(_, asked, auth), *_] = on_colab.seen
    assert asked == {"owner": "owner", "dataset": "cats", "version": 2}
    assert auth == f"Bearer {TOKEN}"  # the credentials nbgen found, handed to kagglehub


def test_on_colab_data_its_cache_lacks_is_downloaded(
    on_colab: Mounts, api: KaggleStandin, tmp_path: Path
) -> None:
    on_colab.offered.clear()
    path = kaggle_download("owner/cats", dest=tmp_path / "data")
    assert path == tmp_path / "data" / "datasets" / "owner" / "cats" / "latest"
    assert "DownloadDataset" in api.requests and (path / "labels.csv").is_file()


def test_a_mount_that_never_comes_is_given_up_with_a_line(
    on_colab: Mounts, api: KaggleStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setattr(hub, "KAGGLE_HUB_TIMEOUT", 4.0)
    on_colab.mount = False  # kagglehub would wait for the folder forever
    path = kaggle_download("owner/cats", dest=tmp_path / "data")
    assert (
        "kagglehub did not mount it within 4 s; downloading it instead" in capsys.readouterr().out
    )
    assert (path / "labels.csv").is_file() and "DownloadDataset" in api.requests


def test_kagglehub_s_own_switch_is_honoured(
    on_colab: Mounts, api: KaggleStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISABLE_COLAB_CACHE", "true")
    kaggle_download("owner/cats", dest=tmp_path / "data")
    assert on_colab.seen == [] and "DownloadDataset" in api.requests


def test_on_kaggle_data_not_attached_is_attached_without_credentials(
    monkeypatch: pytest.MonkeyPatch, mounts: Mounts, api: KaggleStandin, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.delenv("KAGGLE_API_TOKEN", raising=False)
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    monkeypatch.setenv("NBGEN_KAGGLE_ROOT", str(tmp_path / "kaggle"))  # nothing attached there
    monkeypatch.setenv("KAGGLE_DATA_PROXY_URL", f"http://127.0.0.1:{mounts.port}")
    monkeypatch.setenv("KAGGLE_USER_SECRETS_TOKEN", "jwt-of-this-session")
    monkeypatch.setenv("KAGGLE_DATA_PROXY_TOKEN", "proxy-token")
    monkeypatch.setenv("KAGGLE_CACHE_MOUNT_FOLDER", str(mounts.root))
    path = kaggle_download("titanic", dest=tmp_path / "data")
    assert path == mounts.root / "titanic"
    assert (
        "titanic: attached to this Kaggle notebook (through kagglehub)" in capsys.readouterr().out
    )
    [(where, asked, auth)] = mounts.seen
    assert where.endswith("/AttachDatasourceUsingJwtRequest")
    assert asked == {"competitionRef": {"CompetitionSlug": "titanic"}}
    assert auth == "Bearer jwt-of-this-session" and api.requests == []


def test_without_kagglehub_s_preconditions_it_is_not_asked(
    monkeypatch: pytest.MonkeyPatch, mounts: Mounts, api: KaggleStandin, tmp_path: Path
) -> None:
    monkeypatch.setenv("COLAB_RELEASE_TAG", "nbgen-test")  # Colab, but no TBE_RUNTIME_ADDR
    monkeypatch.setenv("KAGGLE_API_TOKEN", TOKEN)
    kaggle_download("owner/cats", dest=tmp_path / "data")
    assert mounts.seen == [] and "DownloadDataset" in api.requests


def test_a_kagglehub_that_does_not_import_means_the_client_downloads(
    on_colab: Mounts, api: KaggleStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken" / "kagglehub"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('an old or damaged kagglehub')\n")
    monkeypatch.setenv(
        "PYTHONPATH", f"{broken.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    )
    path = kaggle_download("owner/cats", dest=tmp_path / "data")
    assert on_colab.seen == [] and "DownloadDataset" in api.requests
    assert (path / "labels.csv").is_file()
