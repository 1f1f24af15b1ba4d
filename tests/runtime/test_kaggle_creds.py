"""Kaggle credentials come from the place nbgen names, in its documented order; a Kaggle
notebook's own token first there; no upload prompt where it would wait forever; uploaded
kaggle.json and API token files are both kept privately."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from nbgen.runtime.kaggle.creds import find_kaggle_credentials, save_kaggle_credentials
from nbgen.runtime.kaggle.text import KaggleError
from tests.kaggle_api import KEY, TOKEN, USERNAME


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
            "NBGEN_STANDIN_UPLOAD",
            "KAGGLE_API_V1_TOKEN",
            "KAGGLE_CONFIG_DIR",
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
        (home / "access_token").write_text("KGAT_home_token\n")
        assert find_kaggle_credentials(tmp_path).env == {"KAGGLE_API_TOKEN": "KGAT_home_token"}
        (home / "kaggle.json").write_text('{"username": "h", "key": "hk"}')
        assert find_kaggle_credentials(tmp_path).source == str(home / "kaggle.json")
        (tmp_path / "kaggle.json").write_text('{"username": "d", "key": "dk"}')
        assert find_kaggle_credentials(tmp_path).env["KAGGLE_USERNAME"] == "d"

    def test_an_upload_without_a_file_says_so(self, colab_stubs: Path, tmp_path: Path) -> None:
        with pytest.raises(KaggleError, match="No file was uploaded"):
            find_kaggle_credentials(tmp_path, allow_upload=True)

    def test_saved_kaggle_json_is_private(self, tmp_path: Path) -> None:
        creds = save_kaggle_credentials(b'{"username": "a", "key": "b"}', home=tmp_path)
        folder = tmp_path / ".kaggle"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / "kaggle.json").stat().st_mode) == 0o600
        assert creds.env == {"KAGGLE_USERNAME": "a", "KAGGLE_KEY": "b"}

    def test_a_token_file_named_by_the_environment_is_read(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        token_file = tmp_path / "token"
        token_file.write_bytes(b"\xef\xbb\xbfKGAT_from_file\r\n")
        monkeypatch.setenv("KAGGLE_API_TOKEN", str(token_file))  # the client reads a path so
        assert find_kaggle_credentials(tmp_path).env == {"KAGGLE_API_TOKEN": "KGAT_from_file"}

    def test_access_token_txt_as_the_client_reads_it(self, tmp_path: Path) -> None:
        home = tmp_path / "home" / ".kaggle"
        home.mkdir(parents=True)
        (home / "access_token.txt").write_text("KGAT_windows_user\n")
        creds = find_kaggle_credentials(tmp_path)
        assert creds.env == {"KAGGLE_API_TOKEN": "KGAT_windows_user"}
        assert creds.source == str(home / "access_token.txt")


@pytest.fixture
def on_kaggle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A Kaggle notebook's environment: what it sets, and a home of its own."""
    for name in ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY", "COLAB_RELEASE_TAG",
                 "KAGGLE_CONFIG_DIR"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    monkeypatch.setenv("KAGGLE_DATA_PROXY_URL", "http://127.0.0.1:9")
    token_file = tmp_path / "kaggle" / "api_v1_token"
    token_file.parent.mkdir()
    monkeypatch.setenv("KAGGLE_API_V1_TOKEN", str(token_file))
    return token_file


def test_on_kaggle_the_notebooks_own_token_comes_first(
    on_kaggle: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    on_kaggle.write_text("KGAT_the_notebooks_own\n")
    monkeypatch.setenv("KAGGLE_API_TOKEN", "KGAT_from_the_environment")
    monkeypatch.setenv("KAGGLE_SECRET_KAGGLE_API_TOKEN", "KGAT_from_secrets")
    creds = find_kaggle_credentials(tmp_path)
    assert creds.source == "this Kaggle notebook's own token (KAGGLE_API_V1_TOKEN)"
    assert creds.env == {"KAGGLE_API_TOKEN": "KGAT_the_notebooks_own"}


def test_on_kaggle_without_a_token_file_the_secrets_follow(
    on_kaggle: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KAGGLE_SECRET_KAGGLE_API_TOKEN", "KGAT_from_secrets")
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2] / "nbgen" / "standins"))
    assert find_kaggle_credentials(tmp_path).source == "Kaggle Secrets (KAGGLE_API_TOKEN)"


@pytest.mark.parametrize(("lang", "first"), [("en", "owner/cats is not attached to this "
                         "Kaggle notebook. Attach it: Add Input"), ("zh", "owner/cats 没有挂载到"
                         "本 Kaggle 笔记本。请挂载它：右侧 Add Input")])  # fmt: skip
def test_on_kaggle_with_nothing_attached_and_no_secret_add_input_comes_first(
    on_kaggle: Path, tmp_path: Path, lang: str, first: str
) -> None:
    with pytest.raises(KaggleError) as caught:
        find_kaggle_credentials(tmp_path, lang, name="owner/cats")
    assert str(caught.value).startswith(first)
    assert str(on_kaggle) in str(caught.value)  # the token file it looked for is named


class TestColabWithoutItsWebPage:
    @pytest.fixture(autouse=True)
    def _headless(self, colab_stubs: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        for name in ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_KERNEL_RUN_TYPE",
                     "KAGGLE_CONFIG_DIR"):  # fmt: skip
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        monkeypatch.setenv("NBGEN_STANDIN_SECRETS", "timeout")  # userdata.get: TimeoutException
        picked = tmp_path / "picked" / "kaggle.json"
        picked.parent.mkdir()
        picked.write_text(f'{{"username": "{USERNAME}", "key": "{KEY}"}}')
        monkeypatch.setenv("NBGEN_STANDIN_UPLOAD", str(picked))

    def test_a_timeout_means_no_upload_but_one_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(KaggleError, match=r"Colab Secrets did not answer \(TimeoutException\): "
                           r"Secrets and file upload need the Colab web page.*Set KAGGLE_API_TOKEN "
                           r"in the runtime's environment"):  # fmt: skip
            find_kaggle_credentials(tmp_path)
        assert "Saving" not in capsys.readouterr().out  # files.upload was never called
        assert not (tmp_path / "home" / ".kaggle").exists()

    def test_a_timeout_still_lets_the_environment_work(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("KAGGLE_API_TOKEN", TOKEN)
        assert find_kaggle_credentials(tmp_path).source == "environment (KAGGLE_API_TOKEN)"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("access_token", b"KGAT_uploaded_token\n"),
        ("token.txt", b"\xef\xbb\xbfexport KAGGLE_API_TOKEN='KGAT_uploaded_token'\r\n"),
        ("pasted.txt", b"  KAGGLE_API_TOKEN=KGAT_uploaded_token  "),
    ],
)
def test_an_uploaded_token_file_is_kept_as_access_token(
    colab_stubs: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, data: bytes
) -> None:
    for variable in ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_KERNEL_RUN_TYPE",
                     "NBGEN_STANDIN_SECRETS", "KAGGLE_CONFIG_DIR"):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    picked = tmp_path / "picked" / name
    picked.parent.mkdir()
    picked.write_bytes(data)
    monkeypatch.setenv("NBGEN_STANDIN_UPLOAD", str(picked))
    creds = find_kaggle_credentials(tmp_path / "work")
    saved = tmp_path / "home" / ".kaggle" / "access_token"
    assert creds.env == {"KAGGLE_API_TOKEN": "KGAT_uploaded_token"}
    assert creds.source == str(saved)
    assert saved.read_bytes() == b"KGAT_uploaded_token\n"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert find_kaggle_credentials(tmp_path / "work").source == str(saved)  # found next time


@pytest.mark.parametrize(
    "data",
    [b"id,label\n1,cat\n", b"", b'{"user": "x"}', b"\xff\xfe", b"KGAT_" + b"a" * (1 << 16)],
)
def test_an_upload_that_is_no_credentials_is_refused_naming_it(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(
        KaggleError, match=r"train\.csv: neither a Kaggle API token nor a kaggle\.json"
    ):
        save_kaggle_credentials(data, home=tmp_path, label="train.csv")
    assert not (tmp_path / ".kaggle" / "access_token").exists()


def test_on_kaggle_with_the_internet_off_the_secrets_place_says_so(
    on_kaggle: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2] / "nbgen" / "standins"))
    monkeypatch.setenv("NBGEN_STANDIN_KAGGLE_SECRETS", "offline")
    monkeypatch.setenv("KAGGLE_SECRET_KAGGLE_API_TOKEN", "KGAT_unreachable")
    with pytest.raises(KaggleError) as caught:
        find_kaggle_credentials(tmp_path, name="owner/cats")
    assert (
        "  - Kaggle Secrets KAGGLE_API_TOKEN, then KAGGLE_USERNAME and KAGGLE_KEY: the secrets "
        "service cannot be reached: switch the notebook's Internet on" in str(caught.value)
    )


def test_one_secrets_resolver_no_second_copy() -> None:
    """Kaggle's credentials read the environment, Colab Secrets and Kaggle Secrets only through
    nbgen.runtime.platforms.secrets (whose own tests cover each failure class)."""
    source = (Path(__file__).parents[2] / "nbgen" / "runtime" / "kaggle" / "creds.py").read_text()
    for own_copy in ("userdata", "UserSecretsClient", "import_module", 'environ.get("KAGGLE_KEY'):
        assert own_copy not in source
    assert "find_secret(" in source
