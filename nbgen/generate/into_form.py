"""The parameters cell of ``nbgen new --into``: the user's form values read back, and the cell
refreshed with every line of the user's kept.

A form line (``NAME = value  # @param ...``) is nbgen's: its value is the user's and comes back
through the spec, the rest of the line is rewritten. Every other line (``LEARNING_RATE =
3e-4``, a comment, a blank line) is the user's and stays where it is.
"""

from __future__ import annotations

import ast
import re
from typing import Any, NamedTuple

from nbgen.errors import NbgenError, UsageError
from nbgen.generate.spec import validate_values

# Each form field and the spec key it comes from (WORK_FOLDER stands for project/workdir).
PARAMETER_KEYS = {
    "LANG": "lang", "WORK_FOLDER": "workdir", "USE_DRIVE": "drive",
    "CUDA_VISIBLE_DEVICES": "cuda_visible_devices", "PIP_PACKAGES": "pip", "KAGGLE_DATA": "kaggle_data",
    "KAGGLE_DEST": "kaggle_dest", "BENCH_DATA": "bench_data", "BENCH_MODE": "bench_mode",
    "BENCH_STEPS": "bench_steps", "BENCH_BATCH_SIZE": "bench_batch_size",
    "BENCH_STEM": "bench_stem", "BENCH_EPOCHS": "bench_epochs",
    "ALLOW_UPGRADE": "allow_upgrade", "SECRETS": "secret", "GIT_URL": "git_url",
    "GIT_BRANCH": "git_branch", "GIT_TOKEN_SECRET": "git_token_secret", "GIT_DEST": "git_dest",
    "CHECKPOINT_NAME": "checkpoint_name", "KAGGLE_CACHE": "kaggle_cache",
    "KAGGLE_CACHE_MAX_GB": "kaggle_cache_max_gb",
}  # fmt: skip
_FIELD_LINE = re.compile(r"([A-Z][A-Z0-9_]*) = ")
_HINT = (
    "write the value itself: a string in quotes, a number, True or False "
    '(e.g. PIP_PACKAGES = "timm, einops")'
)


class _Field(NamedTuple):
    name: str
    first: int  # 0-based line numbers, both included
    last: int
    value: ast.expr


def form_values(source: str, where: str) -> dict[str, Any]:
    """The spec values the form holds. A syntax error, or a form field whose value is not a
    plain literal, is refused naming the line: the form is never reset behind the user's back."""
    lines = code_lines(source)
    values: dict[str, Any] = {}
    for field in _fields(source, where, set(PARAMETER_KEYS)):
        key = PARAMETER_KEYS[field.name]
        at = f"{where}, line {field.first + 1}"
        try:
            value = ast.literal_eval(field.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            shown = lines[field.first].strip()[:80]
            raise UsageError(f"{at}: {shown!r} is not a plain value; {_HINT}") from None
        values.update(
            validate_values({key: _spec_value(key, value, at)}, source=at, label=field.name)
        )
    return values


def merge_parameters(old: str, fresh: str, where: str) -> str:
    """``fresh`` (nbgen's form, already holding the user's values) laid over ``old``: the title
    and form lines are nbgen's, every other line of ``old`` stays where it is, with its own
    line ending; form lines that ``old`` lacks go after its last one, and form lines ``fresh``
    no longer has are dropped."""
    fresh_lines = fresh.split("\n")  # nbgen's own text: "\n" only
    title = fresh_lines[0] if fresh_lines[0].startswith("# @title") else None
    wanted = {m.group(1): line for line in fresh_lines if (m := _FIELD_LINE.match(line))}
    spans = {f.first: f for f in _fields(old, where, set(wanted) | set(PARAMETER_KEYS))}
    old_lines = code_lines(old)
    out: list[str] = []
    done: set[str] = set()
    last_field = 0
    index = 0
    if title is not None:
        has_title = old_lines[0].startswith("# @title")
        out.append(title + (_ending(old_lines[0]) if has_title else "\n"))
        index, last_field = int(has_title), len(out)
    while index < len(old_lines):
        field = spans.get(index)
        if field is None:
            out.append(old_lines[index])
            index += 1
            continue
        if field.name in wanted and field.name not in done:
            out.append(wanted[field.name] + _ending(old_lines[field.last]))
            done.add(field.name)
            last_field = len(out)
        index = field.last + 1
    missing = [wanted[name] for name in wanted if name not in done]
    if missing:
        if last_field and not _ending(out[last_field - 1]):
            out[last_field - 1] += "\n"
        tail = "" if last_field == len(out) else "\n"
        out[last_field:last_field] = [line + "\n" for line in missing[:-1]] + [missing[-1] + tail]
    return "".join(out)


_NEWLINE = re.compile(r"\r\n|\r|\n")


def code_lines(source: str) -> list[str]:
    """The lines of ``source`` as Python numbers them (``\r\n``, ``\r`` or ``\n`` ends one;
    ``str.splitlines`` also splits on characters Python does not), each with its ending; they
    join back to ``source``."""
    lines, start = [], 0
    for match in _NEWLINE.finditer(source):
        lines.append(source[start : match.end()])
        start = match.end()
    lines.append(source[start:])
    return lines


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _fields(source: str, where: str, names: set[str]) -> list[_Field]:
    """Every top-level ``NAME = ...`` of the cell for a form field in ``names``, each of
    which must have its lines to itself."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise UsageError(
            f"{where}, line {exc.lineno or 1}: not valid Python ({exc.msg}); fix that line in "
            "the notebook, then run again"
        ) from None
    except (ValueError, MemoryError, RecursionError):
        raise UsageError(f"{where}: not valid Python; fix the cell, then run again") from None
    fields = []
    starts = [node.lineno for node in tree.body]
    for position, node in enumerate(tree.body):
        name, value = _target(node)
        if name not in names or value is None:
            continue
        last = node.end_lineno or node.lineno
        shares = starts.count(node.lineno) > 1 or (
            position + 1 < len(starts) and starts[position + 1] == last
        )
        if node.col_offset != 0 or shares:
            raise UsageError(
                f"{where}, line {node.lineno}: put the form field {name} on a line of its own"
            )
        fields.append(_Field(name, node.lineno - 1, last - 1, value))
    return fields


def _target(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """``NAME`` and the value of ``NAME = value`` (or ``NAME: type = value``)."""
    value: ast.expr | None
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
    elif isinstance(node, ast.AnnAssign):
        target, value = node.target, node.value
    else:
        return None, None
    return (target.id, value) if isinstance(target, ast.Name) else (None, None)


def _spec_value(key: str, value: Any, at: str) -> Any:
    """A form value as the spec takes it: text fields of several items become lists."""
    if key == "kaggle_data" and isinstance(value, str):
        return _split_refs(value, at)
    if key == "pip" and isinstance(value, str):
        from nbgen.runtime.platforms.pip import pip_requirements

        return pip_requirements(value)
    if key == "pip" and isinstance(value, tuple):
        return list(value)
    if key in ("secret", "allow_upgrade") and isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _split_refs(value: str, at: str) -> list[str]:
    from nbgen.runtime.kaggle.refs import kaggle_refs
    from nbgen.runtime.kaggle.text import KaggleError

    try:
        return [ref.text for ref in kaggle_refs(value)]
    except KaggleError as exc:
        raise NbgenError(f"{at}: KAGGLE_DATA: {exc}") from None
