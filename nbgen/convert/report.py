"""A notebook as a page to share, through nbconvert's exporters: ``html`` (one file, every
image embedded) or ``markdown`` (images written beside it, in ``NAME_files/``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nbgen.convert.ipynb import Notebook
from nbgen.errors import NbgenError

REPORT_STAMP = "<!-- rendered by nbgen from "


def stamped(body: str, source: Path) -> str:
    """The page with nbgen's first line: how a later run knows nbgen wrote it."""
    return f"{REPORT_STAMP}{source.name} -->\n{body}"


def refuse_foreign_page(target: Path) -> None:
    """A page that exists and does not carry nbgen's stamp is the user's: refuse it."""
    try:
        with target.open("rb") as f:
            head = f.read(len(REPORT_STAMP) + 3).decode("utf-8", "replace").removeprefix("\ufeff")
    except FileNotFoundError:
        return
    except OSError:
        return  # the write that follows says what is wrong
    if not head.startswith(REPORT_STAMP):
        raise NbgenError(
            f"{target}: already exists and was not written by nbgen; nbgen does not overwrite "
            "it: move it away, or use --force to replace it"
        )


def render_report(nb: Notebook, kind: str, target: Path) -> tuple[str, dict[str, bytes]]:
    """The page's text and the files it refers to (paths relative to ``target``'s folder)."""
    try:
        import nbformat
        from nbconvert import HTMLExporter, MarkdownExporter
    except ImportError as exc:
        raise NbgenError(f"--to {kind} needs nbconvert ({exc}); pip install 'nbgen[run]'") from None
    node = nbformat.reads(json.dumps(nb), as_version=4)  # lines of outputs joined, as on read
    resources: dict[str, Any] = {"output_files_dir": f"{target.stem}_files"}
    if kind == "html":
        exporter: Any = HTMLExporter(embed_images=True)
    else:
        exporter = MarkdownExporter()
    body, out = exporter.from_notebook_node(node, resources=resources)
    files = {str(name): bytes(data) for name, data in (out.get("outputs") or {}).items()}
    return str(body), files
