"""What GIT_URL and GIT_BRANCH may be: an https address without credentials, a branch name git
takes. A refusal never repeats what stood before '@' or after '?' (it may be a token)."""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from typing import NamedTuple

from nbgen.runtime.git.text import GitError, git_text

_GIT_NAME_RE = re.compile(r"[A-Za-z0-9._-]{1,100}")
_GIT_BRANCH_RE = re.compile(r"[A-Za-z0-9._/+-]{1,200}")
_GIT_SSH_RE = re.compile(r"^[\w.-]+@[\w.-]+:")
# a github.com address with more than OWNER/REPO is a page: /tree/dev, /blob/main/x.py, /pull/1
_GIT_PAGE_HOSTS = ("github.com", "www.github.com")


class GitRemote(NamedTuple):
    """A checked GIT_URL: the address git is given, its host, and the repository's name."""

    url: str  # scheme://host[:port]/path, no credentials, no query, no trailing slash
    host: str
    name: str  # the last part without .git: the folder it is cloned into


def parse_git_url(value: str, lang: str = "en") -> GitRemote:
    """Check GIT_URL; GitError with the reason and the fix otherwise."""
    text = git_text(lang)
    url = value.strip()
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in url) or not url:
        raise GitError(text["not_url"].format(url=redact_url(url)))
    if url.startswith(("ssh://", "git://", "git+ssh://")) or _GIT_SSH_RE.match(url):
        raise GitError(text["ssh"].format(url=redact_url(url)))
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise GitError(text["not_url"].format(url=redact_url(url))) from None
    if "@" in parts.netloc:
        raise GitError(text["credentials"].format(url=redact_url(url)))
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise GitError(text["query"].format(url=redact_url(url)))
    segments = [s for s in parts.path.split("/") if s]
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("https", "http") or not host or not segments:
        raise GitError(text["not_url"].format(url=redact_url(url)))
    if host in _GIT_PAGE_HOSTS and len(segments) > 2:
        repo = f"https://github.com/{segments[0]}/{segments[1]}"
        raise GitError(text["page"].format(url=url, repo=repo))
    name = segments[-1].removesuffix(".git")
    if not _GIT_NAME_RE.fullmatch(name) or name in (".", "..") or ".." in segments:
        raise GitError(text["not_url"].format(url=redact_url(url)))
    netloc = host if port is None else f"{host}:{port}"
    return GitRemote(f"{parts.scheme.lower()}://{netloc}/{'/'.join(segments)}", host, name)


def redact_url(url: str) -> str:
    """``url`` for a message: what stands before '@' and after '?' or '#' replaced by ***."""
    shown = re.sub(r"^([A-Za-z][\w+.-]*://)[^/]*@", r"\1***@", url)
    shown = re.sub(r"[?#].*", "?***", shown, flags=re.S)
    return shown if len(shown) <= 200 else shown[:200] + "..."


def same_remote(a: str, b: str) -> bool:
    """Two addresses of one repository: equal but for the host's case, ``.git`` and a final /."""

    def key(url: str) -> str:
        url = url.strip().rstrip("/").removesuffix(".git")
        scheme, _, rest = url.partition("://")
        host, _, path = rest.partition("/")
        return f"{scheme.lower()}://{host.lower()}/{path}"

    return key(a) == key(b)


def check_branch(value: str, lang: str = "en") -> str:
    """GIT_BRANCH stripped, or GitError if git would not take it as a branch name (the rules
    of ``git check-ref-format``, and no leading '-', which would read as an option)."""
    branch = value.strip()
    if not branch:
        return ""
    bad = (
        not _GIT_BRANCH_RE.fullmatch(branch)
        or branch.startswith(("-", "/", "."))
        or branch.endswith(("/", ".", ".lock"))
        or ".." in branch
        or "//" in branch
        or "/." in branch
    )
    if bad:
        raise GitError(git_text(lang)["bad_branch"].format(branch=branch))
    return branch
