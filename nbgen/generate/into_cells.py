"""Which cells of a notebook are nbgen's setup cells, and how fresh ones take their places.

An owned cell carries ``"nbgen": {"setup": SECTION, "text": STAMP, "id": ID}`` in its
metadata: the section, a hash of the type and text nbgen wrote, and the cell id it wrote them
under. Jupyter and Colab copy metadata with a cell, so a mark alone proves nothing: of the
cells marked for one section and type, one is nbgen's (the one with its recorded id, then the
one among the other setup cells, then the unedited one, then the first) and every other is a
copy, the user's from then on. nbgen's cell is refreshed where it stands; a user cell between
two setup sections stays where it is. A cell nbgen wrote and the user edited is not replaced
without ``--force``: the caller refuses, naming it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, NamedTuple

from nbgen.generate.into_form import merge_parameters

Cell = dict[str, Any]
Role = tuple[str, str]  # (section, cell type): one cell each in the templates
PARAMETERS: Role = ("parameters", "code")


class Plan(NamedTuple):
    cells: list[Cell]
    edited: list[str]  # nbgen's cells the user edited, "cell 7 (drive, code)"
    notes: list[str]


def owned_section(cell: Cell) -> str | None:
    """The setup section a cell is marked for, or None for a user's cell."""
    mark = cell.get("metadata", {}).get("nbgen")
    section = mark.get("setup") if isinstance(mark, dict) else None
    return section if isinstance(section, str) else None


def text_stamp(cell: Cell) -> str:
    """The hash nbgen records of a cell's type and text, to tell later whether it was edited."""
    data = f"{cell['cell_type']}\0{cell['source']}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:16]


def find_originals(cells: list[Cell]) -> dict[Role, int]:
    """The index of nbgen's own cell for each role; every other marked cell is a copy."""
    groups: dict[Role, list[int]] = {}
    for index, cell in enumerate(cells):
        section = owned_section(cell)
        if section is not None:
            groups.setdefault((section, cell["cell_type"]), []).append(index)
    return {role: max(found, key=lambda i: _rank(cells, i, role)) for role, found in groups.items()}


def _rank(cells: list[Cell], index: int, role: Role) -> tuple[bool, bool, bool, int]:
    cell = cells[index]
    mark = cell["metadata"]["nbgen"]
    same_id = "id" in cell and mark.get("id") == cell["id"]
    neighbours = [cells[i] for i in (index - 1, index + 1) if 0 <= i < len(cells)]
    in_block = any(
        owned_section(c) is not None and (owned_section(c), c["cell_type"]) != role
        for c in neighbours
    )
    return same_id, in_block, not is_edited(cell), -index


def is_edited(cell: Cell) -> bool:
    """True for a marked cell whose text is no longer what nbgen recorded writing. A cell with
    no record (an older nbgen's, or a copy) is judged by :func:`_unproved` instead."""
    stamp = cell["metadata"]["nbgen"].get("text")
    return isinstance(stamp, str) and stamp != text_stamp(cell)


def _unproved(cell: Cell, new: Cell | None) -> bool:
    """A marked cell without the record of nbgen's text: nbgen's only where it is, word for
    word, what nbgen writes there now (the mark alone is copied with the cell)."""
    if isinstance(cell["metadata"]["nbgen"].get("text"), str):
        return False
    return new is None or text_stamp(cell) != text_stamp(new)


def plan_cells(cells: list[Cell], fresh: list[Cell], *, with_ids: bool) -> Plan:
    """``cells`` with ``fresh`` in the places of nbgen's old cells; new ones beside their
    neighbours in ``fresh`` (or, the first time, at the top below a title or badge)."""
    originals = find_originals(cells)
    mine = {index: role for role, index in originals.items()}
    wanted = {(owned_section(c) or "", c["cell_type"]): j for j, c in enumerate(fresh)}
    out: list[Cell] = []
    placed: dict[int, Cell] = {}
    edited, notes = [], []
    for index, cell in enumerate(cells):
        role = mine.get(index)
        name = f"cell {index + 1} ({_label(cell)})"
        if role is None and owned_section(cell) is not None:
            out.append(_unmarked(cell))
            notes.append(f"{name} is a copy of nbgen's cell: it is yours now (mark removed)")
            continue
        if role is None:
            out.append(cell)
            continue
        if role != PARAMETERS and is_edited(cell):
            edited.append(name)
        elif role != PARAMETERS and _unproved(
            cell, fresh[wanted[role]] if role in wanted else None
        ):
            edited.append(f"cell {index + 1} ({_label(cell)}: marked, with no record of what "
                          "nbgen wrote, as an older nbgen or a copy leaves it)")  # fmt: skip
        if role in wanted:
            placed[wanted[role]] = _refreshed(cell, fresh[wanted[role]])
            out.append(placed[wanted[role]])
        else:
            notes.append(f"{name}: removed (not one of the setup cells now)")
    top = _top(cells)
    for j, cell in enumerate(fresh):
        if j not in placed:
            placed[j] = dict(cell)
            out.insert(_slot(out, placed, j, len(fresh), top), placed[j])
    _finish(out, set(map(id, placed.values())), with_ids=with_ids)
    return Plan(out, edited, notes)


def _label(cell: Cell) -> str:
    return f"{owned_section(cell)}, {cell['cell_type']}"


def _unmarked(cell: Cell) -> Cell:
    meta = {k: v for k, v in cell["metadata"].items() if k != "nbgen"}
    return {**cell, "metadata": meta}


def _refreshed(old: Cell, new: Cell) -> Cell:
    """``new`` in ``old``'s place: the user's form lines and extra metadata kept, and the
    outputs kept when the text did not change."""
    cell = dict(new)
    if (owned_section(old), old["cell_type"]) == PARAMETERS:
        cell["source"] = merge_parameters(old["source"], new["source"], "the parameters cell")
    meta = {**{k: v for k, v in old["metadata"].items() if k != "nbgen"}, **new["metadata"]}
    theirs = old["metadata"].get("tags")
    if isinstance(theirs, list):
        ours = list(new["metadata"].get("tags", []))
        tags = ours + [t for t in theirs if isinstance(t, str) and t not in ours]
        if tags:
            meta["tags"] = tags
    cell["metadata"] = meta
    if "id" in old:
        cell["id"] = old["id"]
    if cell["source"] == old["source"] and cell["cell_type"] == "code":
        cell["outputs"] = old.get("outputs", [])
        cell["execution_count"] = old.get("execution_count")
    return cell


def _slot(out: list[Cell], placed: dict[int, Cell], j: int, count: int, top: int) -> int:
    """Where fresh cell ``j`` goes: after the fresh cell before it that has a place, else
    before the next one that has, else (the first time) at ``top``."""
    where = {id(c): k for k, c in enumerate(out)}
    for before in range(j - 1, -1, -1):
        if before in placed and id(placed[before]) in where:
            return where[id(placed[before])] + 1
    for after in range(j + 1, count):
        if after in placed and id(placed[after]) in where:
            return where[id(placed[after])]
    return top


_BADGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[\s*\]\([^)]*\)|<[^>]*>|\s")


def _top(cells: list[Cell]) -> int:
    """How many leading cells are a title or an "Open in Colab" badge: setup goes below."""
    count = 0
    for cell in cells:
        text = cell["source"].strip()
        badge = bool(text) and not _BADGE.sub("", _BADGE.sub("", text))  # [![..](..)](..)
        title = text.startswith(("# ", "<h1")) or badge
        if cell["cell_type"] != "markdown" or not title or owned_section(cell) is not None:
            break
        count += 1
    return count


def _finish(cells: list[Cell], ours: set[int], *, with_ids: bool) -> None:
    """Unique ids for nbgen's cells (a user's ids never change) and a fresh mark on each."""
    taken: dict[str, int] = {}
    for cell in cells:
        if isinstance(cell.get("id"), str):
            taken[cell["id"]] = taken.get(cell["id"], 0) + 1
    for cell in cells:
        if id(cell) not in ours:
            continue
        if not with_ids:
            cell.pop("id", None)
        elif taken.get(cell.get("id", ""), 0) != 1:  # new, or shared with a copy
            old = cell.get("id", "")
            taken[old] = taken.get(old, 1) - 1
            cell["id"] = _free_id(str(old or "cell"), taken)
            taken[cell["id"]] = 1
        mark: dict[str, Any] = {"setup": owned_section(cell), "text": text_stamp(cell)}
        if with_ids:
            mark["id"] = cell["id"]
        cell["metadata"] = {**cell["metadata"], "nbgen": mark}


def _free_id(base: str, taken: dict[str, int]) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]", "", base)[:40] or "cell"
    for n in range(len(taken) + 2):
        candidate = f"nbgen-{stem}" + (f"-{n}" if n else "")
        if not taken.get(candidate):
            return candidate
    raise AssertionError("unreachable: more candidates than taken ids")
