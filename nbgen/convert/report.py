"""A notebook as a page to share, through nbconvert's exporters: ``html`` (one file, every
image embedded) or ``markdown`` (images written beside it, in ``NAME_files/``)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from nbgen.convert.ipynb import Notebook
from nbgen.errors import NbgenError

REPORT_STAMP = "<!-- rendered by nbgen from "
_STAMP_RE = re.compile(r"<!-- rendered by nbgen from .* sha256:([0-9a-f]{64}) -->\n")


def stamped(body: str, source: Path) -> str:
    """The page with nbgen's first line, which holds the hash of the rest: a later run
    replaces the page only while it is exactly what nbgen wrote (an edit makes it the user's)."""
    name = source.name.replace("-->", "--\\>").replace("\n", " ")
    digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{REPORT_STAMP}{name} sha256:{digest} -->\n{body}"


def is_nbgen_page(data: bytes) -> bool:
    """The ownership proof for a page: nbgen's stamp first, and the rest unchanged since."""
    text = data.decode("utf-8", "replace").removeprefix("\ufeff").replace("\r\n", "\n")
    match = _STAMP_RE.match(text)
    if match is None:
        return False
    body = text[match.end() :]
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest() == match.group(1)


def refuse_foreign_page(target: Path, option: str = "--force") -> None:
    """A page that exists and is not nbgen's unchanged output is the user's: refuse it now."""
    from nbgen.fsutil import check_replace

    check_replace(
        target, proof=is_nbgen_page, remedy=f"move it away, or add {option} to replace it"
    )


def render_report(nb: Notebook, kind: str, target: Path) -> tuple[str, dict[str, bytes]]:
    """The page's text and the files it refers to, by name inside ``NAME_files/`` (the folder
    beside ``target``). Every name nbconvert returns is checked, whatever its version: a name
    that would land anywhere else stops the conversion before anything is written."""
    try:
        import nbformat
        from nbconvert import HTMLExporter, MarkdownExporter
    except ImportError as exc:
        raise NbgenError(f"--to {kind} needs nbconvert ({exc}); pip install 'nbgen[run]'") from None
    folder = files_folder(target).name
    node = nbformat.reads(json.dumps(_unique_file_names(nb)), as_version=4)
    resources: dict[str, Any] = {"output_files_dir": folder}
    if kind == "html":
        exporter: Any = HTMLExporter(embed_images=True)
    else:
        exporter = MarkdownExporter()
    try:
        body, out = exporter.from_notebook_node(node, resources=resources)
    except nbformat.ValidationError as exc:
        message = str(exc).split("\n", 1)[0]
        raise NbgenError(f"{target}: nbconvert refuses the notebook ({message}); open and save "
                         "it in Jupyter to repair it") from None  # fmt: skip
    files: dict[str, bytes] = {}
    for name, data in (out.get("outputs") or {}).items():
        files[_checked_name(str(name), folder, target)] = bytes(data)
    return str(body), files


def files_folder(target: Path) -> Path:
    """The folder a markdown page's images go into: ``NAME_files/`` beside it."""
    return target.parent / f"{target.stem}_files"


def write_report_files(folder: Path, files: dict[str, bytes], *, force: bool = False) -> None:
    """Write a page's images into ``folder``, which nbgen stamps as its own (``report``), with
    the names it wrote: a folder of the user's by that name is refused (``force`` adopts it).
    A file an earlier render wrote (named in the stamp) that this one does not is deleted."""
    from nbgen.fsutil import atomic_write_bytes
    from nbgen.runtime.ownership.folders import (
        delete_inside,
        folder_stamp,
        make_folder,
        stamp_folder,
    )
    from nbgen.runtime.ownership.proofs import inside_owned
    from nbgen.runtime.ownership.text import OwnershipError

    if not files:
        return
    remedy = "move it away, or add --force to let nbgen put the page's images in it"
    try:
        stamp = folder_stamp(folder)
        earlier = stamp.get("files") if stamp.get("nbgen") == "report" else None
        make_folder(folder, "report", force=force, remedy=remedy)
        for name, data in files.items():
            atomic_write_bytes(folder / name, data, proof=inside_owned(folder, "report"))
        for name in earlier if isinstance(earlier, list) else []:
            if isinstance(name, str) and name not in files and _SAFE_NAME_RE.fullmatch(name):
                delete_inside(folder, folder / name, kind="report")
        stamp_folder(folder, "report", files=sorted(files))
    except OwnershipError as exc:
        raise NbgenError(str(exc)) from None


def _checked_name(name: str, folder: str, target: Path) -> str:
    """The file name inside ``folder`` that nbconvert's resource path ``name`` stands for, or
    an error: a path with another folder, ``..``, a drive or a backslash is never written."""
    head, sep, base = name.replace("\\", "/").partition("/")
    if (
        sep != "/" or head != folder or "\\" in name or not _SAFE_NAME_RE.fullmatch(base)
        or base in (".", "..")
    ):  # fmt: skip
        raise NbgenError(
            f"{target}: nbconvert returned the file name {name!r}, which is not a plain name "
            f"inside {folder}/; nothing was written. Rename the output or attachment in the "
            "notebook, or report this as an nbgen bug"
        )
    return base


_SAFE_NAME_RE = re.compile(r"[\w][\w.\-]{0,199}")


def _unique_file_names(nb: Notebook) -> Notebook:
    """A copy of ``nb`` whose pasted attachments and named outputs get one file name each:
    Colab and Jupyter call every pasted picture ``image.png``, and nbconvert would write two
    cells' ``image.png`` to one file. Attachments become ``cellN-NAME`` (the cell's own links
    follow); an output's ``filename`` metadata is dropped, so nbconvert numbers it by cell."""
    copy: Notebook = json.loads(json.dumps(nb))
    for index, cell in enumerate(copy.get("cells", [])):
        attachments = cell.get("attachments")
        if isinstance(attachments, dict) and attachments:
            renamed: dict[str, Any] = {}
            source = cell.get("source", "")
            source = source if isinstance(source, str) else "".join(source)
            # longest first: renaming `a.png` must not touch a link to `aa.png`
            for name in sorted(attachments, key=len, reverse=True):
                new, n = f"cell{index + 1}-{_plain(name)}", 1
                while new in renamed:  # `a b.png` and `a_b.png` in one cell
                    new, n = f"cell{index + 1}-{n + 1}-{_plain(name)}", n + 1
                source = source.replace(f"attachment:{name}", f"attachment:{new}")
                renamed[new] = attachments[name]
            cell["attachments"], cell["source"] = renamed, source
        for output in cell.get("outputs", []) or []:
            meta = output.get("metadata") if isinstance(output, dict) else None
            if isinstance(meta, dict):
                meta.pop("filename", None)
    return copy


def _plain(name: str) -> str:
    base = re.sub(r"[^\w.\-]", "_", name.replace("\\", "/").rsplit("/", 1)[-1]).lstrip(".")
    return base[-100:] or "attachment"
