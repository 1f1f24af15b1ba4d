"""Module mode: a .py that imports without side effects and converts back to the notebook.

Which statements stay at top level is decided by :func:`nbgen.runtime.modules.keeper.analyse`,
the same code the import hook runs, so ``import x`` means the same for ``x.py`` and
``x.ipynb``. Runs of other statements go, in place, under :data:`GUARD`, indented by four
spaces except for rows inside multi-line strings (their indentation is content). A cell that
is not Python (``%%bash``, a syntax error) is kept as comments, marked ``nbgen="inert"``.

A user's own line that reads exactly like the guard (or like an escaped guard) gets
:data:`ESCAPE` appended once more, a comment, so it means the same to Python and reads back
exactly.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Any, NamedTuple

from nbgen.convert.percent import comment_text_line, uncomment_text_line
from nbgen.runtime.modules.keeper import Note, analyse
from nbgen.runtime.modules.magics import magic_reads, uncomment_magic_line
from nbgen.runtime.modules.syntax import Unit, gc_paused, parse_cell, python_text

GUARD = 'if __name__ == "__main__":  # nbgen: notebook only'
ESCAPE = "  # nbgen: the notebook's own line"
_GUARD_LIKE_RE = re.compile(re.escape(GUARD) + f"(?:{re.escape(ESCAPE)})*")
INDENT = "    "
INERT = "inert"


class Encoded(NamedTuple):
    lines: dict[int, list[str]]  # each code cell's lines in the module file, by cell index
    inert: set[int]  # cells that are not Python, kept as comments
    notes: list[Note]  # what runs on import that the user should know; cell = index in cells


def encode_module_cells(cells: list[dict[str, Any]]) -> Encoded:
    """Encode the code cells of a notebook for a module file."""
    with gc_paused():
        return _encode(cells)


def _encode(cells: list[dict[str, Any]]) -> Encoded:
    code = [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    texts = [python_text(c["source"]) for _, c in code]
    plan = analyse(texts, [magic_reads(c["source"]) for _, c in code])
    out: dict[int, list[str]] = {}
    inert: set[int] = set()
    for (index, cell), text, units in zip(code, texts, plan.cells, strict=True):
        if text is None:
            source = cell["source"]
            out[index] = [comment_text_line(line) for line in source.split("\n")] if source else []
            inert.add(index)
        else:
            out[index] = _guarded_lines(text, units)
    notes = [note._replace(cell=code[note.cell][0]) for note in plan.notes]
    return Encoded(out, inert, notes)


def _guarded_lines(text: str, plan: list[tuple[Unit, bool]]) -> list[str]:
    lines = text.split("\n") if text else []
    runs = _runs(lines, plan)
    continuation = string_continuation_rows(text)
    out: list[str] = []
    run_iter = iter(runs)
    run = next(run_iter, None)
    for row, line in enumerate(lines, start=1):
        if row not in continuation and _GUARD_LIKE_RE.fullmatch(line):
            line += ESCAPE
        if run is not None and row > run[1]:
            run = next(run_iter, None)
        if run is not None and run[0] <= row <= run[1]:
            if row == run[0]:
                out.append(GUARD)
            out.append(line if not line or row in continuation else INDENT + line)
        else:
            out.append(line)
    return out


def _runs(lines: list[str], plan: list[tuple[Unit, bool]]) -> list[tuple[int, int]]:
    """(first, last) rows of each run of consecutive skipped units."""
    runs: list[tuple[int, int]] = []
    for pos, (unit, kept) in enumerate(plan):
        if kept:
            continue
        if runs and pos > 0 and not plan[pos - 1][1]:
            runs[-1] = (runs[-1][0], unit.last)
        else:
            runs.append((unit.first, unit.last))
    # Indented comment lines right after a run would read back as part of it: take them in.
    starts = {u.first for u, _ in plan}
    extended = []
    for first, last in runs:
        row = last + 1
        while row <= len(lines) and row not in starts:
            line = lines[row - 1]
            if line.startswith(INDENT):
                last = row
            elif line:
                break
            row += 1
        extended.append((first, last))
    return extended


def decode_module_cell(lines: list[str], *, inert: bool) -> str:
    """Inverse of the encoding for one code cell."""
    if inert:
        return "\n".join(uncomment_text_line(line) for line in lines)
    continuation: set[int] = set()
    if any(line.startswith(GUARD) for line in lines):
        with gc_paused():
            continuation = string_continuation_rows("\n".join(lines))
    out: list[str] = []
    in_block = False
    for row, line in enumerate(lines, start=1):
        if row in continuation:
            out.append(uncomment_magic_line(line))
            continue
        if line == GUARD:
            in_block = True
            continue
        if in_block and line:
            if line.startswith(INDENT):
                line = line[len(INDENT) :]
            else:
                in_block = False
        if line.endswith(ESCAPE) and _GUARD_LIKE_RE.fullmatch(line):
            line = line[: -len(ESCAPE)]
        out.append(uncomment_magic_line(line))
    return "\n".join(out)


def string_continuation_rows(text: str) -> set[int]:
    """1-based rows that lie inside a multi-line string (not its first row): their
    indentation is content, so a guard never indents them. From the syntax tree (the one
    parse module mode already made); from the tokens if the text does not parse."""
    try:
        tree = parse_cell(text)
    except (SyntaxError, ValueError):
        return _token_continuation_rows(text)
    rows: set[int] = set()
    # only a statement that spans lines can hold a string that does
    spanning = [n for n in tree.body if (n.end_lineno or n.lineno) > n.lineno]
    for statement in spanning:
        for node in ast.walk(statement):
            if isinstance(node, ast.Constant | ast.JoinedStr) and isinstance(
                getattr(node, "value", ""), str | bytes
            ):
                end = node.end_lineno or node.lineno
                if end > node.lineno:
                    rows.update(range(node.lineno + 1, end + 1))
    return rows


def _token_continuation_rows(text: str) -> set[int]:
    rows: set[int] = set()
    depth_start: list[int] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = tokenize.tok_name.get(tok.type, "")
            if kind == "FSTRING_START":
                depth_start.append(tok.start[0])
            elif kind == "FSTRING_END" and depth_start:
                start = depth_start.pop()
                if not depth_start:
                    rows.update(range(start + 1, tok.end[0] + 1))
            elif tok.type == tokenize.STRING and not depth_start:
                rows.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return rows
