"""Kaggle credentials, first found wins: the environment, Colab Secrets, Kaggle Secrets, a
kaggle.json in the work folder or ``~/.kaggle``, and on Colab an upload prompt that saves the
key privately (never in the work folder, which is on Drive). No secret is ever printed."""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from nbgen.runtime.env import detect_platform
from nbgen.runtime.kaggle_text import KaggleError, kaggle_text


class KaggleCredentials(NamedTuple):
    source: str  # where they came from, for messages (never the secret itself)
    env: dict[str, str]  # what the kaggle client gets in its environment


def find_kaggle_credentials(
    work_folder: str | os.PathLike[str] = ".", lang: str = "en", allow_upload: bool = True
) -> KaggleCredentials:
    """The first credentials found, in nbgen's documented order; KaggleError if none."""
    text = kaggle_text(lang)
    looked: list[str] = []
    denied: list[str] = []  # Colab secrets that exist but this notebook may not read
    where = detect_platform()
    finders: list[Callable[[], KaggleCredentials | None]] = [
        lambda: _kaggle_from_env(text, looked),
        lambda: _kaggle_from_colab(text, looked, denied) if where == "colab" else None,
        lambda: _kaggle_from_kaggle_secrets(text, looked) if where == "kaggle" else None,
        lambda: _kaggle_from_files(Path(work_folder), looked),
    ]
    for finder in finders:
        found = finder()
        if found is not None:
            return found
    if denied:
        raise KaggleError(text["no_access"].format(name=denied[0]))
    if allow_upload and where == "colab":
        return _kaggle_from_upload(lang)
    places = "\n".join(f"  - {place}" for place in looked)
    raise KaggleError(text["no_creds"].format(places=places, folder=Path(work_folder).resolve()))


def _kaggle_lookup(origin: str, get: Callable[[str], str]) -> KaggleCredentials | None:
    """KAGGLE_API_TOKEN, else KAGGLE_USERNAME and KAGGLE_KEY, from one place (``get``)."""
    token = get("KAGGLE_API_TOKEN").strip()
    if token:
        return KaggleCredentials(f"{origin} (KAGGLE_API_TOKEN)", {"KAGGLE_API_TOKEN": token})
    user, key = get("KAGGLE_USERNAME").strip(), get("KAGGLE_KEY").strip()
    if user and key:
        return KaggleCredentials(
            f"{origin} (KAGGLE_USERNAME, KAGGLE_KEY)", {"KAGGLE_USERNAME": user, "KAGGLE_KEY": key}
        )
    return None


def _kaggle_from_env(text: dict[str, str], looked: list[str]) -> KaggleCredentials | None:
    looked.append(text["places_env"])
    return _kaggle_lookup(text["env"], lambda name: os.environ.get(name, ""))


def _kaggle_from_colab(
    text: dict[str, str], looked: list[str], denied: list[str]
) -> KaggleCredentials | None:
    userdata = _kaggle_module("google.colab.userdata")
    if userdata is None:
        return None
    looked.append(text["places_colab"])

    def secret(name: str) -> str:
        try:
            return str(userdata.get(name) or "")
        except userdata.NotebookAccessError:
            denied.append(name)
        except (userdata.SecretNotFoundError, userdata.TimeoutException):
            pass
        return ""

    return _kaggle_lookup(text["colab_secrets"], secret)


def _kaggle_from_kaggle_secrets(
    text: dict[str, str], looked: list[str]
) -> KaggleCredentials | None:
    secrets = _kaggle_module("kaggle_secrets")
    if secrets is None:
        return None
    looked.append(text["places_kaggle"])
    try:
        client = secrets.UserSecretsClient()
    except Exception:  # no secrets service (an old image, a batch run without one)
        return None

    def secret(name: str) -> str:
        try:
            return str(client.get_secret(name) or "")
        except Exception:  # BackendError: no secret of that name attached
            return ""

    return _kaggle_lookup(text["kaggle_secrets"], secret)


def _kaggle_module(name: str) -> Any:
    """The platform's own module (Colab's userdata, Kaggle's secrets), or None elsewhere."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _kaggle_home() -> Path:
    config = os.environ.get("KAGGLE_CONFIG_DIR")
    return Path(config) if config else Path(os.path.expanduser("~")) / ".kaggle"


def _kaggle_from_files(folder: Path, looked: list[str]) -> KaggleCredentials | None:
    home = _kaggle_home()
    for path in (folder / "kaggle.json", home / "kaggle.json"):
        looked.append(str(path.absolute()))
        found = _kaggle_read_json(path)
        if found is not None:
            return found
    token_file = home / "access_token"
    looked.append(str(token_file))
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    return KaggleCredentials(str(token_file), {"KAGGLE_API_TOKEN": token}) if token else None


def _kaggle_read_json(path: Path) -> KaggleCredentials | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    user, key = str(data.get("username", "")).strip(), str(data.get("key", "")).strip()
    if user and key:
        return KaggleCredentials(str(path), {"KAGGLE_USERNAME": user, "KAGGLE_KEY": key})
    return None


def _kaggle_from_upload(lang: str) -> KaggleCredentials:
    """Colab's upload widget, pointed at a private folder: ``files.upload`` writes what it gets
    into ``target_dir`` (the working folder by default, which is on Drive)."""
    from google.colab import files

    text = kaggle_text(lang)
    print(text["upload"])
    private = Path(tempfile.mkdtemp(prefix="nbgen-upload-"))  # 0700, on the runtime's disk
    try:
        uploaded = files.upload(target_dir=str(private))
        data = next(iter(uploaded.values()), None)
    finally:
        for item in private.iterdir():
            item.unlink()
        private.rmdir()
    if data is None:
        raise KaggleError(text["upload_none"])
    creds = save_kaggle_json(data, lang=lang)
    print(text["saved"].format(path=creds.source))
    return creds


def save_kaggle_json(data: bytes, home: Path | None = None, lang: str = "en") -> KaggleCredentials:
    """Keep a kaggle.json as ``~/.kaggle/kaggle.json``: folder 0700, file 0600, written whole."""
    folder = (home / ".kaggle") if home is not None else _kaggle_home()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / "kaggle.json"
    fd, tmp = tempfile.mkstemp(prefix=".kaggle.", suffix=".tmp", dir=folder)  # 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        found = _kaggle_read_json(Path(tmp))
        if found is None:
            raise KaggleError(kaggle_text(lang)["not_json"].format(path="kaggle.json"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return KaggleCredentials(str(path), found.env)
