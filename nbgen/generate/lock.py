"""`nbgen lock`: a notebook's environment record (``WORK_FOLDER/.nbgen/environment.json``) as a
requirements or constraints file for a machine of your own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, NamedTuple

from nbgen.errors import UsageError
from nbgen.fsutil import read_bytes

LockKind = Literal["requirements", "constraints"]
LOCK_HEADER = "# nbgen lock:"  # the first line of every file nbgen lock writes
LOCK_SEAL = "# nbgen lock sha256: "  # its last line: the hash of the lines above, the proof
# The kernel's own machinery, imported by every notebook: not a requirement of the user's code.
_STACK = """asttokens comm debugpy decorator executing google-colab ipykernel ipython jedi
jupyter-client jupyter-core matplotlib-inline nbgen nest-asyncio parso pexpect pip platformdirs
prompt-toolkit ptyprocess pure-eval pygments pyzmq setuptools stack-data tornado traitlets wcwidth
wheel"""
KERNEL_STACK = frozenset(_STACK.split())


class Lock(NamedTuple):
    """What `nbgen lock` writes, and what it says about it."""

    text: str
    pinned: int  # packages pinned
    recorded: str  # the record's date
    where: str  # platform, Python


def find_record(path: Path) -> Path:
    """``path`` itself, or the record inside a work folder (or its ``.nbgen`` folder)."""
    for candidate in (path, path / ".nbgen" / "environment.json", path / "environment.json"):
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"{path}: no environment record here; a notebook's setup writes one as "
        "WORK_FOLDER/.nbgen/environment.json (on Drive: download it, or use Drive for desktop)"
    )


def lock(record: Path, kind: LockKind = "requirements") -> Lock:
    """The requirements (what the notebook imported and installed) or constraints (every
    package) of ``record``, pinned as they were, for pip."""
    from nbgen.runtime.environment.record import read_record

    path = find_record(record)
    read_bytes(path)  # an unreadable file says so, naming it
    data, why = read_record(path)
    if why or data is None:
        what = "not JSON" if why == "not_json" else "not an environment record of nbgen's"
        raise UsageError(f"{path}: {what}; give the environment.json a notebook's setup wrote")
    packages = _lock_map(data.get("packages"))
    if kind == "requirements":
        wanted = set(_lock_list(data.get("imported"))) | set(_lock_list(data.get("installed")))
        wanted |= {_lock_name(r) for r in _lock_list(data.get("requested"))}
    else:
        wanted = set(packages)
    names = sorted(n for n in wanted if n in packages and n not in KERNEL_STACK)
    names = [n for n in names if _PIN_RE.fullmatch(f"{n}=={packages[n]}")]
    recorded = _one_line(data.get("recorded", ""))[:10] or "?"
    where = _one_line(f"{data.get('platform', '?')}, Python {data.get('python', '?')}")
    cuda = _one_line(f", CUDA {data['cuda']}") if data.get("cuda") else ""
    lines = [f"{LOCK_HEADER} {kind} from {_one_line(path)} ({where}{cuda}, recorded {recorded})"]
    for name in names:
        version, _, local = packages[name].partition("+")
        if local and name.startswith("torch"):
            lines.append(f"# {name} was {packages[name]} there; for that build add --extra-index-url "
                         f"https://download.pytorch.org/whl/{local}")  # fmt: skip
        lines.append(f"{name}=={version}")
    body = "\n".join(lines) + "\n"
    return Lock(body + f"{LOCK_SEAL}{_lock_hash(body)}\n", len(names), recorded, where)


# A pin pip reads as one requirement: a record edited (or damaged) on Drive cannot add a line
# such as `--extra-index-url https://elsewhere` to the file.
_PIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9][A-Za-z0-9.!+_-]*")


def _one_line(value: object) -> str:
    """``value`` as text on one line: a line break (any that ``str.splitlines`` knows) or
    another control character from the record becomes ``?``."""
    return "".join(c if c.isprintable() else "?" for c in str(value))


def written_by_lock(data: bytes) -> bool:
    """The proof for replacing a file: `nbgen lock` wrote it, and nobody changed it since (its
    first line, and its last: the hash of the lines above). A pin added by hand makes the file
    the user's. Line endings do not count (a ``core.autocrlf`` checkout is still nbgen's)."""
    text = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").decode("utf-8", "replace")
    body, _, seal = text.rstrip("\n").rpartition("\n")
    body += "\n"
    return (
        body.startswith(LOCK_HEADER)
        and seal.startswith(LOCK_SEAL)
        and seal.removeprefix(LOCK_SEAL) == _lock_hash(body)
    )


def _lock_hash(body: str) -> str:
    import hashlib

    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _lock_name(requirement: str) -> str:
    """The distribution a requirement names (``timm>=1.0`` → ``timm``), as pip compares names."""
    from nbgen.runtime.environment.packages import canonical

    return canonical(re.split(r"[<>=!~;\[ @(]", requirement.strip(), maxsplit=1)[0])


def _lock_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _lock_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
