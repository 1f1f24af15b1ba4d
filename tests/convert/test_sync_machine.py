"""The sync state machine under random use: edits on either side, Windows re-encodings,
deletes, renames, --prefer. No edit is ever lost, and one run settles."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from nbgen.commands.sync import sync
from nbgen.convert import formats
from tests.convert.helpers import notebook

NAMES = ("a", "b")
LINES = st.lists(
    st.sampled_from(["x = 1", "# %%", "print('hé')", "", "  y", "%time z", "s = '\u2028'", "#"]),
    min_size=1, max_size=3,
).map("\n".join)  # fmt: skip


def read_nb_cells(path: Path) -> list[str]:
    data = path.read_bytes().decode("utf-8-sig")
    return ["".join(c["source"]) for c in json.loads(data)["cells"]]


def read_py_cells(path: Path) -> list[str]:
    text, _ = formats.read_text_file(path)
    return [c["source"] for c in formats.from_text(text, path)["cells"]]


def restyle(path: Path, crlf: bool, bom: bool) -> None:
    """Re-encode as Git for Windows or a Windows editor would; the content stays."""
    text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="nbgen-machine-"))
        (self.dir / ".git").mkdir()
        self.old_cwd = os.getcwd()
        os.chdir(self.dir)
        nb = notebook(("code", "x = 0"), ("markdown", "# doc"), ("code", "y = 0"))
        nb["metadata"] = {
            "colab": {"provenance": []},
            "kernelspec": {"name": "python3", "display_name": "P"},
        }
        (self.dir / "a.ipynb").write_text(json.dumps(nb, indent=2))
        # what each pair held at its last sync (None: never synced)
        self.synced: dict[str, list[str] | None] = {"a": None, "b": None}
        assert self.run_sync() == 0
        self.synced["a"] = read_nb_cells(self.nb("a"))

    def teardown(self) -> None:
        os.chdir(self.old_cwd)
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- the files -------------------------------------------------------------------------------
    def nb(self, name: str) -> Path:
        return self.dir / f"{name}.ipynb"

    def py(self, name: str) -> Path:
        return self.dir / f"{name}.py"

    def snapshot(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.dir.iterdir()) if p.is_file()}

    def run_sync(self, **kwargs: Any) -> int:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return sync([], **kwargs)

    # ---- what a user does ------------------------------------------------------------------------
    @precondition(lambda self: any(self.nb(n).exists() for n in NAMES))
    @rule(data=st.data(), source=LINES)
    def edit_notebook(self, data: st.DataObject, source: str) -> None:
        name = data.draw(st.sampled_from([n for n in NAMES if self.nb(n).exists()]))
        raw = json.loads(self.nb(name).read_bytes().decode("utf-8-sig"))
        cell = data.draw(st.sampled_from([c for c in raw["cells"] if c["cell_type"] == "code"]))
        cell["source"] = source
        self.nb(name).write_text(json.dumps(raw, indent=2), encoding="utf-8")  # Colab's layout

    @precondition(lambda self: any(self.py(n).exists() for n in NAMES))
    @rule(data=st.data(), source=LINES)
    def edit_py(self, data: st.DataObject, source: str) -> None:
        name = data.draw(st.sampled_from([n for n in NAMES if self.py(n).exists()]))
        text = self.py(name).read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        nb = formats.from_text(text, self.py(name))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        data.draw(st.sampled_from(code))["source"] = source
        self.py(name).write_text(formats.to_text(nb), encoding="utf-8")

    @rule(data=st.data(), crlf=st.booleans(), bom=st.booleans())
    def reencode(self, data: st.DataObject, crlf: bool, bom: bool) -> None:
        files = [p for n in NAMES for p in (self.nb(n), self.py(n)) if p.exists()]
        if files:
            restyle(data.draw(st.sampled_from(files)), crlf, bom)

    @precondition(lambda self: self.nb("a").exists() and not self.nb("b").exists())
    @rule()
    def rename_notebook(self) -> None:
        self.nb("a").rename(self.nb("b"))

    @rule(name=st.sampled_from(NAMES))
    def delete_py(self, name: str) -> None:
        if self.nb(name).exists():
            self.py(name).unlink(missing_ok=True)

    @rule(name=st.sampled_from(NAMES))
    def clear_orphan(self, name: str) -> None:
        """What the 'notebook gone' message asks for."""
        if not self.nb(name).exists():
            self.py(name).unlink(missing_ok=True)

    # ---- sync, with what it must do ---------------------------------------------------------------
    @rule(prefer=st.sampled_from([None, "ipynb", "py"]))
    def do_sync(self, prefer: str | None) -> None:
        before = self.snapshot()
        expected: dict[str, list[str] | None] = {}
        refused = False
        for name in NAMES:
            nb_cells = read_nb_cells(self.nb(name)) if self.nb(name).exists() else None
            py_cells = read_py_cells(self.py(name)) if self.py(name).exists() else None
            if nb_cells is None:
                refused |= py_cells is not None  # a gone notebook is reported, never re-made
                expected[name] = None
                continue
            if py_cells is None or py_cells == nb_cells:
                expected[name] = nb_cells
                continue
            nb_changed = nb_cells != self.synced[name]
            py_changed = py_cells != self.synced[name]
            if prefer == "py" or (py_changed and not nb_changed and prefer != "ipynb"):
                expected[name] = py_cells
            elif prefer == "ipynb" or (nb_changed and not py_changed):
                expected[name] = nb_cells
            else:
                refused = True  # both changed: a conflict writes nothing
                expected[name] = None
        code = self.run_sync(prefer=prefer)
        assert code == (1 if refused else 0)
        after = self.snapshot()
        for name, cells in expected.items():
            if cells is None:  # untouched: every byte of both files as it was
                for path in (self.nb(name), self.py(name)):
                    assert after.get(path.name) == before.get(path.name)
                continue
            assert read_nb_cells(self.nb(name)) == cells, name
            assert read_py_cells(self.py(name)) == cells, name
            self.synced[name] = cells
        if not refused:  # one run settles: a second run and a check write nothing
            assert self.run_sync() == 0 and self.run_sync(check=True) == 0
            assert self.snapshot() == after

    @invariant()
    def nothing_outside_the_pairs(self) -> None:
        allowed = {".git", ".nbgen-sync"} | {f"{n}{s}" for n in NAMES for s in (".ipynb", ".py")}
        assert {p.name for p in self.dir.iterdir()} <= allowed


TestSyncMachine = SyncMachine.TestCase
TestSyncMachine.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
