"""Module mode: a .py that imports without side effects and converts back to the notebook.

Which statements stay at top level is decided by :func:`nbgen.runtime.importer.plan_cells`,
the same code the import hook runs, so ``import x`` means the same for ``x.py`` and
``x.ipynb``. Runs of other statements go, in place, under :data:`GUARD`, indented by four
spaces except for rows inside multi-line strings (their indentation is content). A cell that
is not Python (``%%bash``, a syntax error) is kept as comments, marked ``nbgen="inert"``.
"""

from __future__ import annotations

from typing import Any

from nbgen.convert.percent import comment_text_line, uncomment_text_line
from nbgen.runtime.importer import Unit, plan_cells, python_text, string_continuation_rows
from nbgen.runtime.magics import uncomment_magic_line

GUARD = 'if __name__ == "__main__":  # nbgen: notebook only'
INDENT = "    "
INERT = "inert"


def encode_module_cells(cells: list[dict[str, Any]]) -> tuple[dict[int, list[str]], set[int]]:
    """For each code cell (by index in ``cells``), its lines in the module file; and the
    indices of the cells that are not Python and so become comments."""
    code = [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    texts = [python_text(c["source"]) for _, c in code]
    plans = plan_cells(texts)
    out: dict[int, list[str]] = {}
    inert: set[int] = set()
    for (index, cell), text, plan in zip(code, texts, plans, strict=True):
        if text is None:
            source = cell["source"]
            out[index] = [comment_text_line(line) for line in source.split("\n")] if source else []
            inert.add(index)
        else:
            out[index] = _guarded_lines(text, plan)
    return out, inert


def _guarded_lines(text: str, plan: list[tuple[Unit, bool]]) -> list[str]:
    lines = text.split("\n") if text else []
    runs = _runs(lines, plan)
    continuation = string_continuation_rows(text) if runs else set()
    out: list[str] = []
    run_iter = iter(runs)
    run = next(run_iter, None)
    for row, line in enumerate(lines, start=1):
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


def decode_module_cell(metadata: dict[str, Any], lines: list[str]) -> str:
    """Inverse of the encoding for one code cell; pops nbgen's own marker key."""
    if metadata.pop("nbgen", None) == INERT:
        return "\n".join(uncomment_text_line(line) for line in lines)
    continuation = string_continuation_rows("\n".join(lines)) if GUARD in lines else set()
    out: list[str] = []
    in_block = False
    for row, line in enumerate(lines, start=1):
        if line == GUARD and row not in continuation:
            in_block = True
            continue
        if in_block and row not in continuation and line:
            if line.startswith(INDENT):
                line = line[len(INDENT) :]
            else:
                in_block = False
        out.append(uncomment_magic_line(line))
    return "\n".join(out)
