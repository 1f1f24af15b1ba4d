"""The names ``import`` gives notebook files, as Python would give them: ``Data Prep.ipynb``
and ``data-prep.ipynb`` import as ``Data_Prep`` / ``data_prep``, normalised to NFKC as Python
normalises identifiers (a macOS NFD name and a typed NFC name are one name). Two notebooks that
map to one name import as neither, with a line naming both; a notebook whose name another
module takes first (``json.ipynb``, a ``model.py`` or a ``data/`` folder beside it) is not
offered as importable. Standard library only: this file is inlined into Colab notebooks.
"""

from __future__ import annotations

import importlib.machinery
import keyword
import os
import re
import sys
import unicodedata

from nbgen.runtime.platforms.env import NotebookStepError


class NotebookImportError(NotebookStepError, ImportError):
    """A notebook cannot be imported for a reason the user can fix: one red line in a
    notebook, and an ImportError to code that catches those."""


_NBNAME_TEXT = {
    "en": {
        "ready": "These notebooks can now be imported: {names}",
        "none": "No notebook here can be imported yet (put .ipynb files in the work folder).",
        "clash": "{files} all import as `{name}`, so `import {name}` loads neither: rename all "
        "but one",
        "shadowed": "{file}: `import {name}` loads {other} instead; rename the notebook to "
        "import it",
        "builtin": "Python's own module `{name}`",
        "folder": "the folder {path} (a namespace package)",
        "syntax": "{path}, cell {cell}, line {line}: {message}; the cell is not valid Python, so "
        "the notebook cannot be imported: fix the cell, then import it again",
        "not_json": "{path}: not a notebook (not valid JSON: {message}); open it in Jupyter to "
        "see what is wrong, or restore it from a backup",
        "old_format": "{path}: nbformat {version}, which nbgen cannot read; open and save it in "
        "Jupyter to upgrade it",
    },
    "zh": {
        "ready": "现在可以导入以下笔记本：{names}",
        "none": "当前目录中还没有可导入的笔记本（请把 .ipynb 文件放到工作目录中）。",
        "clash": "{files} 的导入名都是 `{name}`，因此 `import {name}` 不会导入其中任何一个："
        "请只保留一个这样的名称，其余的改名",
        "shadowed": "{file}：`import {name}` 导入的是 {other}，而不是这个笔记本；请给笔记本改名后再导入",
        "builtin": "Python 自带的模块 `{name}`",
        "folder": "文件夹 {path}（命名空间包）",
        "syntax": "{path}，第 {cell} 个单元格，第 {line} 行：{message}；该单元格不是有效的 Python "
        "代码，因此无法导入这个笔记本：请修正该单元格后再导入",
        "not_json": "{path}：不是笔记本（不是有效的 `JSON`：{message}）；请在 `Jupyter` 中打开查看问题，"
        "或从备份中恢复",
        "old_format": "{path}：`nbformat {version}` 格式，nbgen 无法读取；请在 `Jupyter` 中打开并保存一次以升级",
    },
}
_NBNAME_LANG = {"lang": "en"}  # set by install(lang=...): messages raised during an import
_NBNAME_LISTINGS: dict[str, tuple[int, dict[str, list[str]]]] = {}


def nbname_text(key: str, **fields: object) -> str:
    """One of this package's messages, in the language the notebook chose."""
    table = _NBNAME_TEXT.get(_NBNAME_LANG["lang"], _NBNAME_TEXT["en"])
    return table[key].format(**fields)


def module_name(notebook_file: str) -> str | None:
    """The name ``import`` uses for a notebook file, or None if it cannot be imported:
    ``Errors and Debugging.ipynb`` → ``Errors_and_Debugging``, as other importers do, in
    Python's NFKC normal form."""
    if not notebook_file.endswith(".ipynb"):
        return None
    stem = unicodedata.normalize("NFKC", notebook_file[: -len(".ipynb")])
    name = re.sub(r"[ \-]", "_", stem)
    return name if name.isidentifier() and not keyword.iskeyword(name) else None


def notebooks_by_name(folder: str) -> dict[str, list[str]]:
    """Import name → the notebook files in ``folder`` that take it; the listing is read again
    only when the folder changes (as Python's own path finder does)."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        return {}
    cached = _NBNAME_LISTINGS.get(folder)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    found: dict[str, list[str]] = {}
    try:
        files = sorted(os.listdir(folder))
    except OSError:
        return {}
    for file in files:
        name = module_name(file)
        if name is not None and os.path.isfile(os.path.join(folder, file)):
            found.setdefault(name, []).append(file)
    _NBNAME_LISTINGS[folder] = (stamp, found)
    return found


def forget_listings() -> None:
    """Read every folder again on the next import (``importlib.invalidate_caches()``)."""
    _NBNAME_LISTINGS.clear()


def notebook_for(folder: str, name: str) -> str | None:
    """The notebook in ``folder`` that ``import name`` loads, or None; two that take the name
    are a NotebookImportError naming both."""
    files = notebooks_by_name(folder).get(name)
    if not files and os.path.isfile(os.path.join(folder, name + ".ipynb")):
        forget_listings()  # written within the folder's timestamp granularity
        files = notebooks_by_name(folder).get(name)
    if not files:
        return None
    if len(files) > 1:
        raise NotebookImportError(nbname_text("clash", files=", ".join(files), name=name))
    return os.path.join(folder, files[0])


def shadow_of(name: str) -> str | None:
    """What ``import name`` loads before any notebook (the finder comes last), or None."""
    if name in sys.builtin_module_names or name in getattr(sys, "stdlib_module_names", ()):
        return nbname_text("builtin", name=name)
    try:
        spec = importlib.machinery.PathFinder.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.origin is None and spec.submodule_search_locations:
        return nbname_text("folder", path=next(iter(spec.submodule_search_locations)))
    return str(spec.origin)


def importable_notebooks(folder: str = ".") -> list[str]:
    """The module names of the notebooks in ``folder`` that ``import`` loads: not those two
    notebooks share, nor those another module takes first."""
    return sorted(
        name
        for name, files in notebooks_by_name(folder).items()
        if len(files) == 1 and shadow_of(name) is None
    )


def print_importable(folder: str = ".", lang: str = "en") -> list[str]:
    """Say which notebooks in ``folder`` ``import`` can load now, by their import names, and
    why any other cannot."""
    _NBNAME_LANG["lang"] = lang
    for name, files in sorted(notebooks_by_name(folder).items()):
        other = shadow_of(name)
        if len(files) > 1:
            print(nbname_text("clash", files=", ".join(files), name=name))
        elif other is not None:
            print(nbname_text("shadowed", file=files[0], name=name, other=other))
    names = importable_notebooks(folder)
    shown = ", ".join(f"import {n}" for n in names)
    print(nbname_text("ready", names=shown) if names else nbname_text("none"))
    return names
