"""The section registry: each section is one template, the runtime modules it calls, a switch."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from nbgen.generate.spec import NotebookSpec


class Section(NamedTuple):
    """A part of the setup notebook: ``templates/sections/<name>.py.j2``."""

    name: str
    runtime: tuple[str, ...]  # the runtime modules its cell calls (their imports come along)
    enabled: Callable[[NotebookSpec], bool]


def _always(spec: NotebookSpec) -> bool:
    return True


SECTIONS: dict[str, Section] = {
    s.name: s
    for s in (
        Section("env", ("platforms.env",), _always),
        Section("drive", ("platforms.drive",), _always),
        Section("secrets", ("platforms.secrets",), _always),
        Section("git", ("git.checkout",), _always),
        Section("pip", ("platforms.pip",), _always),
        Section("record", ("environment.record",), _always),
        Section("kaggle", ("kaggle.download",), _always),
        Section("importer", ("modules.importer",), lambda spec: spec.import_notebooks),
        Section("bench", ("bench.cell",), lambda spec: spec.bench),
        Section("checkpoints", ("training.show", "training.checkpoints"), lambda s: s.checkpoints),
    )
}


def enabled_sections(spec: NotebookSpec) -> list[str]:
    """Names of the sections this spec turns on, in notebook order."""
    return [s.name for s in SECTIONS.values() if s.enabled(spec)]
