"""Kaggle data named the way users paste it: ``owner/slug``, a competition name, a kaggle.com
address, the page's "Copy API command" or a ``kagglehub`` call. All name the same thing, and
what they say beyond the name is kept: a version (``owner/slug/versions/3``, ``owner/slug/3``)
and a file (``-f train.csv``, ``path="train.csv"``). An address on any host but kaggle.com is
refused, naming the host."""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

from nbgen.runtime.kaggle.text import KaggleError, kaggle_text

_KAGGLE_SLUG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_KAGGLE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_KAGGLE_VERSION_RE = re.compile(r"(?:versions/)?([1-9][0-9]{0,8})")
_KAGGLE_HUB_RE = re.compile(r"kagglehub\s*\.\s*(dataset|competition)_download\s*\(")
# a host at the start of an address typed without a scheme: www.kaggle.com/..., evil.example/
_KAGGLE_HOSTLIKE_RE = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::[0-9]*)?(?=[/?#]|$)")
_KAGGLE_VALUE_FLAGS = {"-d", "--dataset", "-c", "--competition", "-f", "--file", "-p", "--path"}


class KaggleRef(NamedTuple):
    kind: str  # "dataset" or "competition"
    name: str  # "owner/slug" or "name"
    file: str = ""  # one file of it ("train.csv", "images/a.png"); "" for all of it
    version: int | None = None  # a data set's version; None for the latest

    @property
    def text(self) -> str:
        """The reference written back the way a user would paste it, file and version kept:
        ``owner/slug``, ``owner/slug/versions/3``, ``titanic``, or a kagglehub call."""
        handle = self.name + (f"/versions/{self.version}" if self.version else "")
        if not self.file:
            return handle
        return f"kagglehub.{self.kind}_download({handle!r}, path={self.file!r})"


def parse_kaggle_ref(value: str, lang: str = "en") -> KaggleRef:
    """The data set or competition that ``value`` names; KaggleError if it names none."""
    text = value.strip().lstrip("!").strip()
    words = kaggle_text(lang)
    host = _kaggle_host(text)
    if host and host != "kaggle.com" and not host.endswith(".kaggle.com"):
        raise KaggleError(words["bad_host"].format(value=value, host=host))
    if host is not None:
        ref = _from_url(text) if host else None
    else:
        ref = _from_hub(text) or _from_command(text) or _from_name(text)
    if ref is None:
        raise KaggleError(words["bad_ref"].format(value=value))
    if ref.file and not kaggle_file_name(ref.file):
        raise KaggleError(words["bad_file"].format(value=value, file=ref.file))
    return ref._replace(file=kaggle_file_name(ref.file)) if ref.file else ref


def _kaggle_host(text: str) -> str | None:
    """The host ``text`` is an address on, lowercased ("" for none given), or None when it is
    not an address."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text):
        try:
            return (urlsplit(text).hostname or "").lower()
        except ValueError:  # a malformed port or bracket
            return ""
    match = _KAGGLE_HOSTLIKE_RE.match(text)
    return match.group(0).split(":")[0].lower() if match else None


def _from_name(text: str) -> KaggleRef | None:
    text = text.strip("'\"")
    parts = text.split("/")
    if len(parts) > 2:  # owner/slug/3 or owner/slug/versions/3
        version = _version("/".join(parts[2:]))
        return _checked("dataset", "/".join(parts[:2]), version=version) if version else None
    if _KAGGLE_SLUG_RE.fullmatch(text):
        return KaggleRef("dataset", text)
    if _KAGGLE_NAME_RE.fullmatch(text):
        return KaggleRef("competition", text)
    return None


def _version(text: str) -> int | None:
    match = _KAGGLE_VERSION_RE.fullmatch(text)
    return int(match.group(1)) if match else None


def _from_hub(text: str) -> KaggleRef | None:
    """``kagglehub.dataset_download(handle, path=None, ...)`` as pasted, read as Python."""
    match = _KAGGLE_HUB_RE.search(text)
    if match is None:
        return None
    call = _call_text(text, match.start())
    try:
        node = ast.parse(call, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(node, ast.Call):
        return None
    words: dict[str, object] = {k.arg: _literal(k.value) for k in node.keywords if k.arg}
    args = [_literal(a) for a in node.args]
    handle = words.get("handle", args[0] if args else None)
    path = words.get("path", args[1] if len(args) > 1 else None)
    if not isinstance(handle, str) or not isinstance(path, (str, type(None))):
        return None
    kind = match.group(1)
    ref = _from_name(handle) if kind == "dataset" else _checked(kind, handle)
    return ref._replace(file=path or "") if ref is not None and ref.kind == kind else None


def _literal(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else ...


def _call_text(text: str, start: int) -> str:
    """``text`` from ``start`` to the parenthesis that closes the call opened there."""
    depth, quote = 0, ""
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return text[start:]


def _from_url(text: str) -> KaggleRef | None:
    url = urlsplit(text if "://" in text else "https://" + text)
    parts = [p for p in url.path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "datasets":
        version = _version("/".join(parts[3:5])) if len(parts) >= 5 else None
        return _checked("dataset", f"{parts[1]}/{parts[2]}", version=version)
    if len(parts) >= 2 and parts[0] in ("competitions", "c"):
        return _checked("competition", parts[1])
    return None


def _from_command(text: str) -> KaggleRef | None:
    """``kaggle datasets download [-d] OWNER/SLUG[/N] [-f FILE] [--unzip] ...`` and
    ``kaggle competitions download [-c] NAME [-f FILE] ...``, as the kaggle client reads them."""
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    if len(words) < 3 or words[0] != "kaggle" or words[2] != "download":
        return None
    kind = {"datasets": "dataset", "competitions": "competition"}.get(words[1])
    if kind is None:
        return None
    names, file, rest = [], "", iter(words[3:])
    for word in rest:
        flag, eq, inline = word.partition("=")
        if flag in _KAGGLE_VALUE_FLAGS and flag.startswith("--") and eq:
            value: str | None = inline
        elif word in _KAGGLE_VALUE_FLAGS:
            value = next(rest, None)
        elif word.startswith("-"):  # --unzip, -o, -q, -w: flags without a value
            continue
        else:
            names.append(word)
            continue
        if value is None:
            return None
        if flag in ("-f", "--file"):
            file = value
        elif flag in ("-d", "--dataset", "-c", "--competition"):
            names.insert(0, value)
    if not names:
        return None
    ref = _from_name(names[0]) if kind == "dataset" else _checked(kind, names[0])
    return ref._replace(file=file) if ref is not None and ref.kind == kind else None


def kaggle_file_name(file: str) -> str:
    """``file`` as a path inside the data (``images/a.png``), or "" when it could land outside
    it or is no file name at all (absolute, ``..``, a drive, a control character)."""
    name = file.strip().replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    parts = name.split("/")
    bad = (
        not name
        or name.startswith("/")
        or re.match(r"[A-Za-z]:", name) is not None
        or any(p in ("", ".", "..") for p in parts)
        or any(ord(c) < 32 or c in "\x7f\x85\u2028\u2029" for c in name)
    )
    return "" if bad else name


def _checked(kind: str, name: str, version: int | None = None) -> KaggleRef | None:
    pattern = _KAGGLE_SLUG_RE if kind == "dataset" else _KAGGLE_NAME_RE
    return KaggleRef(kind, name, version=version) if pattern.fullmatch(name) else None


def kaggle_refs(value: str | Iterable[str], lang: str = "en") -> list[KaggleRef]:
    """Every reference in a form field: several separated by commas (a comma inside a call's
    parentheses or quotes does not separate), or a list of them."""
    items = [value] if isinstance(value, str) else list(value)
    refs: list[KaggleRef] = []
    for item in items:
        for piece in _split_top_level(item):
            if piece.strip():
                ref = parse_kaggle_ref(piece, lang)
                if ref not in refs:
                    refs.append(ref)
    return refs


def _split_top_level(text: str) -> list[str]:
    pieces, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char in ",;" and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return pieces
