"""docs/architecture.md's layout block names every module of the package, in its folder."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def documented_layout() -> dict[str, set[str]]:
    """Folder → module files, from the layout block of docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index("## Layout") :]
    block = section[section.index("```") + 3 :]
    block = block[: block.index("```")]
    layout: dict[str, set[str]] = {}
    folder = None
    for line in block.splitlines():
        line = line.split("(")[0]
        match = re.match(r"(nbgen/(?:\S*/)?)\s", line + " ")
        if match:
            folder = match.group(1)
            line = line[match.end() :]
        elif line.strip() and not line.startswith(" "):
            folder = None  # a top-level entry other than the package
        if folder is not None:
            layout.setdefault(folder, set()).update(re.findall(r"[\w.]+\.py\b", line))
    return layout


def actual_layout() -> dict[str, set[str]]:
    layout: dict[str, set[str]] = {}
    for path in (ROOT / "nbgen").rglob("*.py"):
        if path.name == "__init__.py" or "__pycache__" in path.parts:
            continue
        folder = path.parent.relative_to(ROOT).as_posix() + "/"
        layout.setdefault(folder, set()).add(path.name)
    return layout


def test_the_architecture_map_lists_every_module_in_its_folder() -> None:
    documented, actual = documented_layout(), actual_layout()
    missing = {f: sorted(m - documented.get(f, set())) for f, m in actual.items()}
    extra = {f: sorted(m - actual.get(f, set())) for f, m in documented.items()}
    assert not any(missing.values()), f"not in docs/architecture.md's layout: {missing}"
    assert not any(extra.values()), f"in docs/architecture.md's layout but not on disk: {extra}"


def test_the_converter_modules_stay_small() -> None:
    """One job per module (issue 22): the codec, the header, the batch each under 300 lines."""
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "nbgen" / "convert").glob("*.py")}  # fmt: skip
    assert {name: n for name, n in sizes.items() if n > 300} == {}
