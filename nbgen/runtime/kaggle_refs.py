"""Kaggle data named the way users paste it: ``owner/slug``, a competition name, a kaggle.com
address, the page's "Copy API command" or a ``kagglehub`` call. All name the same thing."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

from nbgen.runtime.kaggle_text import KaggleError, kaggle_text

_KAGGLE_SLUG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_KAGGLE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_KAGGLE_HUB_RE = re.compile(r"kagglehub\.(dataset|competition)_download\(\s*['\"]([^'\"]+)['\"]")


class KaggleRef(NamedTuple):
    kind: str  # "dataset" or "competition"
    name: str  # "owner/slug" or "name"


def parse_kaggle_ref(value: str, lang: str = "en") -> KaggleRef:
    """The data set or competition that ``value`` names; KaggleError if it names none."""
    text = value.strip().lstrip("!").strip()
    ref = _from_hub(text) or _from_url(text) or _from_command(text) or _from_name(text)
    if ref is None:
        raise KaggleError(kaggle_text(lang)["bad_ref"].format(value=value))
    return ref


def _from_name(text: str) -> KaggleRef | None:
    text = text.strip("'\"")
    if _KAGGLE_SLUG_RE.fullmatch(text):
        return KaggleRef("dataset", text)
    if _KAGGLE_NAME_RE.fullmatch(text):
        return KaggleRef("competition", text)
    return None


def _from_hub(text: str) -> KaggleRef | None:
    match = _KAGGLE_HUB_RE.search(text)
    if match is None:
        return None
    handle = match.group(2)
    if match.group(1) == "dataset":  # owner/slug, or owner/slug/versions/N
        parts = handle.split("/")
        return _checked("dataset", "/".join(parts[:2])) if len(parts) >= 2 else None
    return _checked("competition", handle)


def _from_url(text: str) -> KaggleRef | None:
    if "kaggle.com/" not in text:
        return None
    url = urlsplit(text if "://" in text else "https://" + text)
    parts = [p for p in url.path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "datasets":
        return _checked("dataset", f"{parts[1]}/{parts[2]}")
    if len(parts) >= 2 and parts[0] in ("competitions", "c"):
        return _checked("competition", parts[1])
    return None


def _from_command(text: str) -> KaggleRef | None:
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    if len(words) < 3 or words[0] != "kaggle" or words[2] != "download":
        return None
    kind = {"datasets": "dataset", "competitions": "competition"}.get(words[1])
    if kind is None:
        return None
    flags = ("-d", "--dataset") if kind == "dataset" else ("-c", "--competition")
    rest = words[3:]
    for i, word in enumerate(rest):
        if word in flags and i + 1 < len(rest):
            return _checked(kind, rest[i + 1])
        if word.startswith(tuple(f + "=" for f in flags)):
            return _checked(kind, word.split("=", 1)[1])
    positional = [w for i, w in enumerate(rest) if not w.startswith("-")
                  and (i == 0 or not rest[i - 1].startswith("-"))]  # fmt: skip
    return _checked(kind, positional[0]) if positional else None


def _checked(kind: str, name: str) -> KaggleRef | None:
    pattern = _KAGGLE_SLUG_RE if kind == "dataset" else _KAGGLE_NAME_RE
    return KaggleRef(kind, name) if pattern.fullmatch(name) else None


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
