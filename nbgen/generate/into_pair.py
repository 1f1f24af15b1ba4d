"""`--into` and a notebook's `.py` pair (nbgen sync): checked before, brought along after."""

from __future__ import annotations

from pathlib import Path

from nbgen.convert.ipynb import Notebook
from nbgen.errors import UsageError


def refuse_unsynced_pair(notebook: Path, nb: Notebook) -> None:
    """Refuse while the notebook's ``.py`` holds edits the notebook does not: writing the
    setup cells now would leave a conflict that every ``--prefer`` settles by losing one side."""
    from nbgen.convert import formats
    from nbgen.convert.config import find_config
    from nbgen.convert.sync import SyncState, digest

    config = find_config(notebook)
    if not config.pairs_notebook(notebook):
        return
    text_path = config.text_for(notebook)
    if not text_path.exists():
        return
    text, _ = formats.read_text_file(text_path)
    if text == formats.to_text(nb, config.mode):
        return
    record = SyncState(config.root).get(notebook)
    if record is None and not _is_pair_text(text):
        return  # never synced, and no converter wrote it: a script of the user's, not a pair
    if record is not None and record == digest(text):
        return  # only the notebook moved on since the last sync: the .py follows it
    fix = "first (it brings them in)"
    if record is None:
        fix = "--prefer py (or --prefer ipynb, to keep the notebook's side) first: never synced"
    raise UsageError(
        f"--into {notebook}: its pair {text_path} has changes the notebook does not have yet; "
        f"nothing written. Run nbgen sync {notebook} {fix}, then run this again"
    )


def _is_pair_text(text: str) -> bool:
    from nbgen.convert.provenance import written_by_a_converter

    return written_by_a_converter(text.encode("utf-8", "surrogatepass"))


def follow_pair(notebook: Path) -> list[str]:
    """If the notebook has a paired .py (nbgen sync), bring it along."""
    from nbgen.convert import formats
    from nbgen.convert.config import find_config
    from nbgen.convert.sync import Pair, SyncState, sync_pair

    config = find_config(notebook)
    if not config.pairs_notebook(notebook):
        return []
    pair = Pair(notebook, config.text_for(notebook))
    if not pair.text.exists():
        return []
    state = SyncState(config.root)
    if state.get(notebook) is None and not _is_pair_text(formats.read_text_file(pair.text)[0]):
        return []  # a script of the user's beside the notebook: never touched
    outcome = sync_pair(pair, config, state)
    state.save()
    if outcome.status in ("updated", "in step"):
        return [f"wrote {p}" for p in outcome.written]
    return [f"{pair.text}: {outcome.status}: {outcome.message}"]
