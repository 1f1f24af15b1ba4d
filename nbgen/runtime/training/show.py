"""The "Checkpoints" cell: where a run's checkpoints are and what is there (steps, sizes, last
metrics, age), so a fresh runtime shows at a glance what "Run all" will resume. It reads
only; it also sets the language later ``nbgen.Checkpoints(...)`` calls speak, and their
folder: the one shown, even if the notebook changes its working folder afterwards."""

from __future__ import annotations

from typing import Any

from nbgen.runtime.training.manifest import read_manifest
from nbgen.runtime.training.places import check_run_name, checkpoint_places
from nbgen.runtime.training.text import (
    CheckpointError,
    _ckpt_age,
    _ckpt_defaults,
    _ckpt_metrics,
    _ckpt_say,
    _ckpt_size,
)


def show_checkpoints(name: str, lang: str = "en") -> list[dict[str, Any]]:
    """Print the checkpoints of run ``name``, newest first; return them (``where``: "drive"
    or "local", for a save that reached only this runtime's disk)."""
    _ckpt_defaults["lang"] = lang
    if not name:
        print(_ckpt_say(lang, "show_empty_name"))
        return []
    places = checkpoint_places(check_run_name(name, lang), lang=lang)
    _ckpt_defaults["root"] = places.folder.parent  # Checkpoints(...) later: the folder shown
    try:
        kept = read_manifest(places.folder)["entries"]
        here = read_manifest(places.local)["entries"] if places.local is not None else []
    except OSError as exc:
        raise CheckpointError(_ckpt_say(lang, "drive_unreadable", folder=places.folder,
                                        detail=exc.strerror or exc)) from None  # fmt: skip
    rows = [{**e, "where": "drive" if places.on_drive else "local", "path": places.folder / e["file"]}
            for e in kept]  # fmt: skip
    seen = {e["seq"] for e in kept}
    rows += [{**e, "where": "local", "path": places.local / e["file"]}
             for e in here if not e.get("drive") and e["seq"] not in seen]  # fmt: skip
    rows.sort(key=lambda row: row["seq"], reverse=True)
    if not rows:
        print(_ckpt_say(lang, "show_none", name=name, folder=places.folder))
        return []
    where = "show_drive" if places.on_drive else "show_local"
    print(_ckpt_say(lang, "show_header", name=name, folder=places.folder), _ckpt_say(lang, where))
    for row in rows:
        fields = {"step": row["step"], "size": _ckpt_size(row["size"]),
                  "age": _ckpt_age(row["saved"], lang)}  # fmt: skip
        if places.on_drive and row["where"] == "local":
            print(_ckpt_say(lang, "show_only_here", path=row["path"], **fields))
        else:
            print(_ckpt_say(lang, "show_row", metrics=_ckpt_metrics(row.get("metrics") or {}),
                            **fields))  # fmt: skip
    print(_ckpt_say(lang, "show_next", step=rows[0]["step"]))
    return rows
