"""What a run that did not complete says: the failing cell from the executed notebook Kaggle
keeps, or cancelled, quota, verification, Internet off, each with its remedy."""

from __future__ import annotations

from typing import Any

import pytest

from nbgen.remote.failure import explain, failed_cell, quota_line
from nbgen.runtime.kaggle.kernels import KernelRef, KernelState

REF = KernelRef("me", "train-cats", 7)


def executed(error_cell: int, traceback: list[str], ename: str = "ValueError") -> dict[str, Any]:
    """A notebook as papermill leaves it: cells run up to ``error_cell`` (1-based), its error."""
    cells: list[dict[str, Any]] = [{"cell_type": "markdown", "id": "title", "source": "# Train"}]
    for i in range(2, 8):
        outputs: list[dict[str, Any]] = []
        if i == error_cell:
            outputs = [{"output_type": "error", "ename": ename, "evalue": "boom",
                        "traceback": traceback}]  # fmt: skip
        cells.append({"cell_type": "code", "id": f"c{i}", "source": f"\n# step {i}\nrun({i})",
                      "outputs": outputs})  # fmt: skip
    return {"cells": cells}


ANSI_TRACEBACK = [
    "\x1b[0;31m---------\x1b[0m",
    "\x1b[0;31mValueError\x1b[0m: shapes (3,) and (4,) not aligned",
]


def test_the_failing_cell_and_the_errors_last_line() -> None:
    cell = failed_cell(executed(5, ANSI_TRACEBACK))
    assert cell is not None and cell.number == 5 and cell.first_line == "# step 5"
    assert cell.error == "ValueError: shapes (3,) and (4,) not aligned"
    line = explain(REF, KernelState("ERROR", ""), executed=executed(5, ANSI_TRACEBACK), log="")
    assert line == ("me/train-cats v7 failed in cell 5 ('# step 5'): ValueError: shapes (3,) and "
                    "(4,) not aligned")  # fmt: skip


def test_the_cell_is_named_in_the_users_notebook_when_setup_cells_came_first() -> None:
    user_ids = ["title", "c2", "c3", "c4", "c5", "c6", "c7"]
    nb = executed(5, [], ename="KeyError")
    nb["cells"][1:1] = [{"cell_type": "code", "id": "nbgen-setup", "source": "x", "outputs": []}]
    cell = failed_cell(nb)
    assert cell is not None and cell.number == 6  # the sixth of the pushed copy...
    line = explain(REF, KernelState("ERROR", ""), executed=nb, log="", user_ids=user_ids,
                   notebook="train.ipynb")  # fmt: skip
    assert "in cell 5 of train.ipynb ('# step 5'): KeyError: boom" in line  # ...the user's fifth
    nb["cells"][1]["outputs"] = [
        {"output_type": "error", "ename": "E", "evalue": "", "traceback": []}
    ]
    line = explain(REF, KernelState("ERROR", ""), executed=nb, log="", user_ids=user_ids)
    assert "in cell 2 of the pushed notebook ('x'): E:" in line  # a setup cell of nbgen's


def test_without_the_notebook_the_log_speaks() -> None:
    log = "epoch 1\nTraceback (most recent call last):\nRuntimeError: CUDA out of memory\n\n"
    line = explain(REF, KernelState("ERROR", "Kernel failed"), executed=None, log=log)
    assert line == "me/train-cats v7 failed: RuntimeError: CUDA out of memory"
    assert explain(REF, KernelState("ERROR", ""), executed=None, log="") == (
        "me/train-cats v7 failed: Kaggle gave no reason"
    )


@pytest.mark.parametrize(("internet", "needle"), [
    (False, "The run had no Internet (--no-internet): push again without --no-internet"),
    (True, "the notebook's Internet is off on Kaggle (Settings > Internet on the right)"),
    (None, "or the account is not phone-verified"),
])  # fmt: skip
def test_a_network_error_names_the_internet(internet: bool | None, needle: str) -> None:
    trace = ["ConnectionError: HTTPSConnectionPool(host='huggingface.co', port=443): Max retries "
             "exceeded (Caused by NameResolutionError)"]  # fmt: skip
    line = explain(REF, KernelState("ERROR", ""), executed=executed(3, trace), log="",
                   internet=internet)  # fmt: skip
    first, second = line.split("\n")
    assert first.startswith("me/train-cats v7 failed in cell 3") and needle in second


def test_cancelled_quota_and_verification_each_have_their_line() -> None:
    cancelled = explain(REF, KernelState("CANCEL_ACKNOWLEDGED", ""), executed=None, log="")
    assert (
        cancelled.startswith("me/train-cats v7 was cancelled")
        and "nothing was fetched" in cancelled
    )
    quota = {"used": 30 * 3600.0, "total": 30 * 3600.0, "refresh": "2026-12-05T00:00:00"}
    said = explain(REF, KernelState("ERROR", "Accelerator quota exceeded."), executed=None, log="",
                   quota=quota)  # fmt: skip
    assert said == ("me/train-cats v7: the weekly GPU quota is used up (30.0 h of 30.0 h used this "
                    "week; it refreshes 2026-12-05T00:00:00): Accelerator quota exceeded. Run with "
                    "--gpu none, or wait for the quota to refresh.")  # fmt: skip
    assert "(" not in quota_line("me/x", "quota exceeded", None).split(":")[1]
    phone = explain(REF, KernelState("ERROR", "Phone verification is required to use a GPU"),
                    executed=None, log="")  # fmt: skip
    assert (
        "verify at https://www.kaggle.com/settings" in phone and "--gpu none --no-internet" in phone
    )


def test_without_setup_cells_the_number_is_the_users_even_without_ids() -> None:
    nb = executed(4, ["NameError: name 'x' is not defined"])
    for cell in nb["cells"]:
        cell.pop("id")
    line = explain(REF, KernelState("ERROR", ""), executed=nb, log="", notebook="train.ipynb")
    assert "failed in cell 4 of train.ipynb ('# step 4'): NameError" in line
