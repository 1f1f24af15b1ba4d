"""One door: no module but nbgen/runtime/ownership/ replaces, deletes or writes a file.

Creating folders is not a change to anything a user has, so ``mkdir`` stays allowed; so do the
stand-ins, which play Google's and Kaggle's code (``files.upload`` writes where Colab would).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "nbgen"
DOOR = ROOT / "runtime" / "ownership"
PLAYS_THE_PLATFORM = ROOT / "standins"

# a call to one of these names changes or removes what is on disk
FORBIDDEN_FUNCTIONS = {
    ("os", "replace"), ("os", "rename"), ("os", "renames"), ("os", "remove"), ("os", "unlink"),
    ("os", "rmdir"), ("os", "removedirs"), ("os", "truncate"), ("shutil", "rmtree"),
    ("shutil", "move"), ("shutil", "copy"), ("shutil", "copy2"), ("shutil", "copyfile"),
    ("shutil", "copytree"),
}  # fmt: skip
FORBIDDEN_METHODS = {"unlink", "rmdir", "write_text", "write_bytes", "rename", "touch",
                     "extractall", "extract"}  # fmt: skip
WRITE_MODES = set("wax+")


def _violations(source: str, name: str) -> list[str]:
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        where = f"{name}:{node.lineno}"
        if isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if (owner, func.attr) in FORBIDDEN_FUNCTIONS:
                found.append(f"{where}: {owner}.{func.attr}")
            elif func.attr in FORBIDDEN_METHODS and owner not in ("re", "str"):
                found.append(f"{where}: .{func.attr}()")
            elif func.attr == "replace" and len(node.args) == 1 and not node.keywords:
                found.append(f"{where}: .replace(target) (Path.replace)")  # str.replace takes 2
            elif func.attr in ("open", "fdopen") and _write_mode(node, 1):
                found.append(f"{where}: .{func.attr}(..., write mode)")
        elif isinstance(func, ast.Name) and func.id == "open" and _write_mode(node, 1):
            found.append(f"{where}: open(..., write mode)")
    return found


def _write_mode(call: ast.Call, position: int) -> bool:
    mode = call.args[position] if len(call.args) > position else None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    return isinstance(mode, ast.Constant) and bool(WRITE_MODES & set(str(mode.value)))


def test_every_write_and_delete_goes_through_the_ownership_module() -> None:
    stray = [
        line
        for path in sorted(ROOT.rglob("*.py"))
        if DOOR not in path.parents and PLAYS_THE_PLATFORM not in path.parents
        for line in _violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not stray, "writes or deletes outside nbgen/runtime/ownership/:\n" + "\n".join(stray)


def test_the_scan_sees_each_kind_of_write() -> None:
    """The scan itself catches what it claims to (a scan that finds nothing proves nothing)."""
    sample = (
        "import os, shutil\nfrom pathlib import Path\n"
        "os.replace('a', 'b')\nshutil.rmtree('x')\nPath('a').unlink()\n"
        "Path('a').write_text('x')\nopen('a', 'wb')\nopen('a', mode='a')\n"
        "Path('a').replace(Path('b'))\n'text'.replace('a', 'b')\nopen('a', 'rb')\n"
    )
    found = _violations(sample, "sample.py")
    assert [int(line.split(":")[1]) for line in found] == [3, 4, 5, 6, 7, 8, 9], found
