"""What a run that did not complete says, in one line with its remedy: the failing cell (its
number and first line) and the error's last line, read from the executed notebook Kaggle keeps
(``__notebook__.ipynb``, written by papermill) and the log; or cancelled, the weekly GPU quota
used up, the account not phone-verified, the Internet off."""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from nbgen.runtime.kaggle.kernels import KERNEL_CANCELLED, KernelRef, KernelState

EXECUTED_NOTEBOOK = "__notebook__.ipynb"
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NETWORK_RE = re.compile(
    r"ConnectionError|NameResolutionError|Temporary failure in name resolution|Max retries "
    r"exceeded|Network is unreachable|Failed to establish a new connection|getaddrinfo failed"
)
PHONE_RE = re.compile(r"phone|verif", re.IGNORECASE)
QUOTA_RE = re.compile(r"quota", re.IGNORECASE)
PHONE_REMEDY = ("Kaggle gives a GPU and the Internet only to a phone-verified account: verify "
                "at https://www.kaggle.com/settings (Phone Verification), then run again; or "
                "run without them: --gpu none --no-internet")  # fmt: skip


class FailedCell(NamedTuple):
    number: int  # 1-based, over all cells of the executed notebook
    cell_id: str
    first_line: str
    error: str  # the error's last line, "ValueError: boom"


def failed_cell(executed: dict[str, Any]) -> FailedCell | None:
    """The first code cell with an error output (papermill stops there)."""
    for number, cell in enumerate(executed.get("cells", []), 1):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if out.get("output_type") == "error":
                return FailedCell(number, str(cell.get("id", "")), _first_line(cell), _error(out))
    return None


def _first_line(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _error(out: dict[str, Any]) -> str:
    lines = [_ANSI_RE.sub("", str(line)).rstrip() for line in out.get("traceback", [])]
    lines = [line for chunk in lines for line in chunk.splitlines() if line.strip()]
    if lines:
        return lines[-1].strip()
    return f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()


def read_executed(data: bytes) -> dict[str, Any] | None:
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return nb if isinstance(nb, dict) else None


def explain(
    ref: KernelRef, state: KernelState, *, executed: dict[str, Any] | None, log: str,
    internet: bool | None = None, quota: dict[str, Any] | None = None,
    user_ids: list[str] | None = None, notebook: str = "",
) -> str:  # fmt: skip
    """One line (two at most) saying why ``ref`` did not complete, and what to do."""
    if state.status in KERNEL_CANCELLED:
        return (f"{ref} was cancelled (on kaggle.com, or by a newer push of the same notebook); "
                "nothing was fetched. Run it again when you mean to.")  # fmt: skip
    said = state.failure.strip()
    if QUOTA_RE.search(said):
        return quota_line(ref, said, quota)
    if PHONE_RE.search(said):
        return f"{ref}: {said}. {PHONE_REMEDY}"
    cell = failed_cell(executed) if executed else None
    last = cell.error if cell else _last_line(log) or said
    where = _where(cell, user_ids or [], notebook) if cell else ""
    if _NETWORK_RE.search(last) or (not cell and _NETWORK_RE.search(log)):
        return f"{ref} failed{where}: {last}\n{internet_line(internet)}"
    if cell:
        return f"{ref} failed{where}: {last}"
    return f"{ref} failed: {last or 'Kaggle gave no reason'}"


def _where(cell: FailedCell, user_ids: list[str], notebook: str) -> str:
    """Where the cell is: in the user's notebook when it is theirs (``user_ids`` are their cell
    ids when setup cells went first in the pushed copy; empty when the copy numbers alike)."""
    mine = f" of {notebook}" if notebook else ""
    if cell.cell_id and cell.cell_id in user_ids:
        number, of = user_ids.index(cell.cell_id) + 1, mine
    else:
        number, of = cell.number, " of the pushed notebook" if user_ids else mine
    return f" in cell {number}{of} ({cell.first_line!r})"


def _last_line(log: str) -> str:
    lines = [_ANSI_RE.sub("", line).strip() for line in log.splitlines()]
    return next((line for line in reversed(lines) if line), "")


def internet_line(internet: bool | None) -> str:
    if internet is False:
        return ("The run had no Internet (--no-internet): push again without --no-internet "
                "(a phone-verified account is needed).")  # fmt: skip
    return ("The run could not reach the Internet: the notebook's Internet is off on Kaggle "
            "(Settings > Internet on the right), or the account is not phone-verified: "
            + PHONE_REMEDY.split(": ", 1)[1])  # fmt: skip


def quota_line(ref: KernelRef | str, said: str, quota: dict[str, Any] | None) -> str:
    """The weekly GPU hours used up: what Kaggle reports, and the way out."""
    hours = ""
    if quota:
        used, total = float(quota["used"]) / 3600, float(quota["total"]) / 3600
        when = f"; it refreshes {quota['refresh']}" if quota.get("refresh") else ""
        hours = f" ({used:.1f} h of {total:.1f} h used this week{when})"
    return (f"{ref}: the weekly GPU quota is used up{hours}: {said.rstrip('.')}. Run with "
            "--gpu none, or wait for the quota to refresh.")  # fmt: skip
