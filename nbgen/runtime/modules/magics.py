"""IPython syntax in notebook code (``%time``, ``!pip``, ``x = !ls``) as plain Python comments.

Standard library only (``re``): used by the percent format, module mode and the import hook.
"""

from __future__ import annotations

import re

# A line that is IPython syntax (``%time``, ``!pip``, ``x = !ls``) becomes ``# `` + line; a
# comment that already looks like one of those (or like a ``# %%`` cell marker) gets one more
# ``# `` so the way back is exact. ``%% x`` (not a magic, and commenting it would make a cell
# marker) stays as it is.
_MAGIC_START_RE = re.compile(r"[%!]|[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[%!]")
_BARE_CELL_MARK_RE = re.compile(r"%%(?:\s|$)")
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit"})


def _nb_is_escaped_form(text: str) -> bool:
    # text has no leading white space; "magic" or "# " + escaped form (any white space after #)
    while text.startswith("#"):
        text = text[1:].lstrip()
    return bool(_MAGIC_START_RE.match(text))


def _nb_needs_comment(text: str) -> bool:
    return _nb_is_escaped_form(text) and not _BARE_CELL_MARK_RE.match(text)


def comment_magic_line(line: str) -> str:
    """Make one code line plain Python (see the comment above); exact inverse below."""
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    body = line[len(indent) :]
    return f"{indent}# {body}" if _nb_needs_comment(body) else line


def uncomment_magic_line(line: str) -> str:
    """Inverse of :func:`comment_magic_line`."""
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    body = line[len(indent) :]
    if body.startswith("# ") and _nb_needs_comment(body[2:]):
        return indent + body[2:]
    return line


def cell_magic_name(source: str) -> str | None:
    """``"bash"`` for a cell starting ``%%bash``; None for a plain cell."""
    match = re.match(r"[ \t]*%%(\w+)", source)
    return match.group(1) if match else None


_NAME_RE = re.compile(r"[A-Za-z_]\w*")
_SHELL_VAR_RE = re.compile(r"\{([^{}]*)\}|\$([A-Za-z_]\w*)")


def magic_reads(source: str) -> frozenset[str]:
    """Python names that the cell's magic and shell lines read (``%timeit f(x)`` reads f and
    x; ``!echo {path}`` reads path): code that runs only in the notebook."""
    found: set[str] = set()
    for line in source.split("\n"):
        body = line.lstrip(" \t")
        if not _nb_needs_comment(body):
            continue
        magic = re.match(r"(?:[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*)?(%%?|!!?)(\w*)(.*)", body)
        if magic is None:
            continue
        sign, rest = magic.group(1), magic.group(3)
        if sign.startswith("%"):
            found.update(_NAME_RE.findall(rest))
        else:
            for braces, dollar in _SHELL_VAR_RE.findall(rest):
                found.update(_NAME_RE.findall(braces) if braces else [dollar])
    return frozenset(found)
