"""The git process: a token reaches it only through its environment, and its errors become one
line each (401, 403, 404, no network, no such branch).

The token travels as an ``http.<URL>.extraHeader`` in ``GIT_CONFIG_COUNT``/``KEY``/``VALUE``
(git 2.31+): nothing is written to disk, the remote URL in ``.git/config`` stays bare, and the
header is sent only to that address. Credential helpers and prompts are switched off for the
process, so no helper stores the token and a refusal fails at once instead of waiting on a
terminal that a notebook does not have.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from nbgen.runtime.git.text import GitError, git_text
from nbgen.runtime.git.urls import GitRemote
from nbgen.runtime.platforms.env import detect_platform

# user names that hosts accept beside a token (a value "user:token" names its own)
_GIT_TOKEN_USERS = {"gitlab.com": "oauth2", "bitbucket.org": "x-token-auth"}
_GIT_NETWORK = ("Could not resolve host", "Failed to connect", "Couldn't connect to server",
                "Connection refused", "Network is unreachable", "Connection timed out",
                "Operation timed out", "Could not resolve proxy", "No route to host")  # fmt: skip


class GitToken(NamedTuple):
    """A token and where it came from (for messages: the secret's name and its source)."""

    value: str
    secret: str
    source: str


class GitResult(NamedTuple):
    code: int
    output: str  # stdout and stderr together, with the token (if any) masked


class GitRunner:
    """Runs git for one remote, with its token (if any) in the process environment only."""

    def __init__(self, remote: GitRemote, token: GitToken | None, lang: str = "en") -> None:
        self.remote, self.token, self.lang = remote, token, lang
        self.env = git_environment(remote, token)

    def run(
        self, args: Sequence[str], cwd: Path | None = None, *, stream: bool = False
    ) -> GitResult:
        """Run ``git ARGS``; with ``stream`` its output (progress) shows in the cell as it comes."""
        try:
            proc = subprocess.Popen(
                ["git", *args], cwd=cwd, env=self.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )  # fmt: skip
        except FileNotFoundError:
            raise GitError(git_text(self.lang)["no_git"]) from None
        chunks = []
        with proc:
            assert proc.stdout is not None
            while True:
                chunk = os.read(proc.stdout.fileno(), 65536) if stream else proc.stdout.read()
                if not chunk:
                    break
                piece = self.mask(chunk.decode("utf-8", "replace"))
                chunks.append(piece)
                if stream:
                    sys.stdout.write(piece)
                    sys.stdout.flush()
        return GitResult(proc.returncode, "".join(chunks))

    def check(
        self,
        args: Sequence[str],
        cwd: Path | None = None,
        *,
        stream: bool = False,
        branch: str = "",
    ) -> str:
        """``run``, raising the one line that explains a failure; the output otherwise."""
        result = self.run(args, cwd, stream=stream)
        if result.code != 0:
            raise GitError(self.explain(args[0], result.output, branch))
        return result.output

    def mask(self, text: str) -> str:
        """``text`` with the token (and its header form) masked, should git ever echo it."""
        if self.token is not None:
            for secret in (self.token.value, _git_basic(self.remote, self.token)):
                text = text.replace(secret, "***")
        return text

    def explain(self, command: str, output: str, branch: str = "") -> str:
        """The one line for git's failure ``output``."""
        text = git_text(self.lang)
        url, host, token = self.remote.url, self.remote.host, self.token
        fields = {"url": url, "host": host, "branch": branch,
                  "secret": token.secret if token else "", "source": token.source if token else ""}  # fmt: skip
        if any(marker in output for marker in _GIT_NETWORK):
            key = "internet_off" if detect_platform() == "kaggle" else "network"
        elif re.search(
            r"could not read Username|Authentication failed|returned error: 401", output
        ):
            key = "rejected" if token else "auth_needed"
        elif "returned error: 403" in output:
            key = "forbidden" if token else "forbidden_anon"
        elif re.search(r"repository '.*' not found|returned error: 404", output):
            key = "not_found_token" if token else "not_found"
        elif re.search(r"Remote branch .* not found|couldn't find remote ref", output):
            key = "no_branch"
        elif re.search(r"not valid: is this a git repository|does not appear to be a git", output):
            key = "not_repo"
        else:
            lines = [line.strip() for line in output.splitlines() if line.strip()]
            fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
            detail = (fatal or lines or ["no output"])[-1][:300]
            return text["failed"].format(command=command, detail=detail)
        return text[key].format(**fields)


def git_environment(remote: GitRemote, token: GitToken | None) -> dict[str, str]:
    """The environment of a git process: no prompt, no credential helper, English messages
    (they are matched), and the token as an extra header for ``remote`` only."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_ASKPASS", "SSH_ASKPASS")}
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C", LANGUAGE="C")
    pairs = [("credential.helper", ""), ("core.askPass", "")]
    if token is not None:
        pairs.append((f"http.{remote.url}.extraHeader", _git_basic(remote, token)))
    try:
        base = max(0, int(env.get("GIT_CONFIG_COUNT", "0")))
    except ValueError:
        base = 0
    for index, (key, value) in enumerate(pairs, start=base):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    env["GIT_CONFIG_COUNT"] = str(base + len(pairs))
    return env


def _git_basic(remote: GitRemote, token: GitToken) -> str:
    user, sep, password = token.value.partition(":")
    if not sep:
        user, password = _GIT_TOKEN_USERS.get(remote.host, "x-access-token"), token.value
    pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Authorization: Basic {pair}"


def git_version(lang: str = "en") -> tuple[int, ...]:
    """The installed git's version, e.g. (2, 39, 5); GitError when git is missing."""
    try:
        out = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError(git_text(lang)["no_git"]) from None
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out.stdout)
    return tuple(int(part or 0) for part in match.groups()) if match else (0,)
