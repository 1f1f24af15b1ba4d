"""Kaggle credentials, first found wins: on a Kaggle notebook its own token file (named by
``KAGGLE_API_V1_TOKEN``, which the kaggle client itself reads first there), the environment,
Colab Secrets, Kaggle Secrets, a kaggle.json in the work folder or ``~/.kaggle``, an
``access_token`` file, and on Colab an upload prompt that saves what it gets privately (never
in the work folder, which is on Drive). Colab Secrets that time out (no Colab web page: the VS
Code extension, a headless run) mean no upload either: it would wait forever. No secret is ever
printed."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from nbgen.runtime.kaggle.text import KaggleError, kaggle_text
from nbgen.runtime.ownership.files import write_file
from nbgen.runtime.ownership.folders import remove_scratch, scratch_folder
from nbgen.runtime.platforms.env import detect_platform
from nbgen.runtime.platforms.secrets import (
    SecretMiss,
    find_secret,
    secret_miss_text,
)

# what an API token looks like (KGAT_..., or an older opaque one): no spaces, no quotes
_KAGGLE_TOKEN_RE = re.compile(r"[A-Za-z0-9_.~+/=-]{8,1024}")


class KaggleCredentials(NamedTuple):
    source: str  # where they came from, for messages (never the secret itself)
    env: dict[str, str]  # what the kaggle client gets in its environment


def find_kaggle_credentials(
    work_folder: str | os.PathLike[str] = ".", lang: str = "en", *, allow_upload: bool = True,
    name: str = "",
) -> KaggleCredentials:  # fmt: skip
    """The first credentials found, in nbgen's documented order; KaggleError if none (on a
    Kaggle notebook the message starts with "Add Input" for ``name``, the data wanted)."""
    text = kaggle_text(lang)
    looked: list[str] = []
    denied: list[str] = []  # Colab secrets that exist but this notebook may not read
    headless: list[str] = []  # Colab secrets that timed out: no Colab web page
    where = detect_platform()
    finders: list[Callable[[], KaggleCredentials | None]] = [
        lambda: _kaggle_from_notebook(text, looked) if where == "kaggle" else None,
        lambda: _kaggle_from_env(text, looked),
        lambda: _kaggle_from_colab(text, looked, denied, headless) if where == "colab" else None,
        lambda: _kaggle_from_kaggle_secrets(text, looked, lang) if where == "kaggle" else None,
        lambda: _kaggle_from_files(Path(work_folder), looked),
    ]
    for finder in finders:
        found = finder()
        if found is not None:
            return found
    if denied:
        raise KaggleError(text["no_access"].format(name=denied[0]))
    if headless:
        raise KaggleError(text["headless"])
    if allow_upload and where == "colab":
        return _kaggle_from_upload(lang)
    places = "\n".join(f"  - {place}" for place in looked)
    if where == "kaggle":
        raise KaggleError(text["no_creds_kaggle"].format(name=name or "?", places=places))
    raise KaggleError(text["no_creds"].format(places=places, folder=Path(work_folder).resolve()))


# A place that answered like this cannot give the next name either: asking again would wait
# another 10 s (Colab outside its web page) or fail the same way (no secrets service, offline).
_KAGGLE_PLACE_DOWN = frozenset({"timeout", "no_service", "offline"})
_KAGGLE_NAMES = ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY")


def _kaggle_lookup(
    source: str, origin: str, misses: list[tuple[str, SecretMiss]], *, file_token: bool = False
) -> KaggleCredentials | None:
    """KAGGLE_API_TOKEN, else KAGGLE_USERNAME and KAGGLE_KEY, from one place of the secrets
    resolver (``source``: env, colab or kaggle); each miss is kept, with its name, in
    ``misses``."""
    values: dict[str, str] = {}
    for name in _KAGGLE_NAMES:
        if any(miss.reason in _KAGGLE_PLACE_DOWN for _, miss in misses):
            break
        found = find_secret(name, sources=(source,), prompt=False)
        misses.extend((name, miss) for miss in found.misses)
        value = str(found.value) if found.value is not None else ""
        if file_token and name == "KAGGLE_API_TOKEN" and value and os.path.isfile(value):
            value = _kaggle_read_token(Path(value))  # the client reads a path as a token file
        values[name] = value
        if name == "KAGGLE_API_TOKEN" and value:
            return KaggleCredentials(f"{origin} (KAGGLE_API_TOKEN)", {name: value})
    user, key = values.get("KAGGLE_USERNAME", ""), values.get("KAGGLE_KEY", "")
    if user and key:
        return KaggleCredentials(
            f"{origin} (KAGGLE_USERNAME, KAGGLE_KEY)", {"KAGGLE_USERNAME": user, "KAGGLE_KEY": key}
        )
    return None


def _kaggle_from_env(text: dict[str, str], looked: list[str]) -> KaggleCredentials | None:
    looked.append(text["places_env"])
    return _kaggle_lookup("env", text["env"], [], file_token=True)


def _kaggle_from_notebook(text: dict[str, str], looked: list[str]) -> KaggleCredentials | None:
    """A Kaggle notebook's own token: the file ``KAGGLE_API_V1_TOKEN`` names."""
    path = os.environ.get("KAGGLE_API_V1_TOKEN", "")
    if not path:
        return None
    looked.append(text["places_v1"].format(path=path))
    token = _kaggle_read_token(Path(path))
    return KaggleCredentials(text["notebook_token"], {"KAGGLE_API_TOKEN": token}) if token else None


def _kaggle_from_colab(
    text: dict[str, str], looked: list[str], denied: list[str], headless: list[str]
) -> KaggleCredentials | None:
    """Colab Secrets, through the resolver; a secret whose 'Notebook access' is off, and a
    timeout (no Colab web page), are remembered for the message."""
    looked.append(text["places_colab"])
    misses: list[tuple[str, SecretMiss]] = []
    found = _kaggle_lookup("colab", text["colab_secrets"], misses)
    for name, miss in misses:
        if miss.reason == "no_access":
            denied.append(name)
        elif miss.reason == "timeout":
            headless.append(name)
    return found


def _kaggle_from_kaggle_secrets(
    text: dict[str, str], looked: list[str], lang: str
) -> KaggleCredentials | None:
    """Kaggle Secrets, through the resolver; a service that cannot answer (Internet off, none in
    this session) is named with its remedy in the list of places looked in."""
    misses: list[tuple[str, SecretMiss]] = []
    found = _kaggle_lookup("kaggle", text["kaggle_secrets"], misses)
    down = [(name, miss) for name, miss in misses if miss.reason in (*_KAGGLE_PLACE_DOWN, "failed")]
    place = text["places_kaggle"]
    looked.append(f"{place}: {secret_miss_text(down[0][1], down[0][0], lang)}" if down else place)
    return found


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
    for token_file in (home / "access_token", home / "access_token.txt"):
        looked.append(str(token_file))
        token = _kaggle_read_token(token_file)
        if token:
            return KaggleCredentials(str(token_file), {"KAGGLE_API_TOKEN": token})
    return None


def _kaggle_read_token(path: Path) -> str:
    try:
        return _kaggle_parse_token(path.read_bytes())
    except OSError:
        return ""


def _kaggle_parse_token(raw: bytes) -> str:
    """The token in a token file, as pasted: the token alone, or ``KAGGLE_API_TOKEN=...``
    (``export`` and quotes allowed); a BOM and any line ending are fine. "" for anything else."""
    try:
        text = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return ""
    match = re.fullmatch(r"(?:export\s+)?KAGGLE_API_TOKEN\s*=\s*(['\"]?)(\S+?)\1", text)
    token = match.group(2) if match else text
    return token if _KAGGLE_TOKEN_RE.fullmatch(token) else ""


def _kaggle_read_json(path: Path) -> KaggleCredentials | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return _kaggle_parse_json(raw, str(path))


def _kaggle_parse_json(raw: bytes, source: str) -> KaggleCredentials | None:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    user, key = str(data.get("username", "")).strip(), str(data.get("key", "")).strip()
    if user and key:
        return KaggleCredentials(source, {"KAGGLE_USERNAME": user, "KAGGLE_KEY": key})
    return None


def _kaggle_from_upload(lang: str) -> KaggleCredentials:
    """Colab's upload widget, pointed at a private folder: ``files.upload`` writes what it gets
    into ``target_dir`` (the working folder by default, which is on Drive)."""
    from google.colab import files

    text = kaggle_text(lang)
    print(text["upload"])
    # 0700, on the runtime's disk, never the working folder (which may be on Drive)
    private = scratch_folder(Path(tempfile.gettempdir()), "upload", lang)
    try:
        uploaded = files.upload(target_dir=str(private))
        picked = next(iter(uploaded.items()), None)
    finally:
        remove_scratch(private)
    if picked is None:
        raise KaggleError(text["upload_none"])
    creds = save_kaggle_credentials(picked[1], lang=lang, label=os.path.basename(picked[0]))
    print(text["saved"].format(path=creds.source))
    return creds


def save_kaggle_credentials(
    data: bytes, home: Path | None = None, lang: str = "en", label: str = "upload"
) -> KaggleCredentials:
    """Keep uploaded credentials where the kaggle client looks: a kaggle.json as
    ``~/.kaggle/kaggle.json``, an API token as ``~/.kaggle/access_token``; folder 0700, file
    0600, written whole. A file already there is the user's and is not replaced (it was read
    first and held nothing usable)."""
    folder = (home / ".kaggle") if home is not None else _kaggle_home()
    small = len(data) <= 1 << 16  # a data set uploaded by mistake is not read as credentials
    found = _kaggle_parse_json(data, str(folder / "kaggle.json")) if small else None
    path = folder / "kaggle.json"
    if found is None:
        token = _kaggle_parse_token(data) if small else ""
        if not token:
            raise KaggleError(kaggle_text(lang)["not_creds"].format(path=label))
        path = folder / "access_token"
        found = KaggleCredentials(str(path), {"KAGGLE_API_TOKEN": token})
        data = (token + "\n").encode("utf-8")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    write_file(path, data, proof=None, mode=0o600, lang=lang)
    return found
