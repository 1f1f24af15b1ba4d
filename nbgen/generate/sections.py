"""The section registry: each section is one template, its runtime modules and a switch."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from nbgen.generate.spec import NotebookSpec


class Section(NamedTuple):
    """A part of the setup notebook: ``templates/sections/<name>.py.j2``."""

    name: str
    runtime: tuple[str, ...]
    enabled: Callable[[NotebookSpec], bool]


def _always(spec: NotebookSpec) -> bool:
    return True


SECTIONS: dict[str, Section] = {
    s.name: s
    for s in (
        Section("env", ("env",), _always),
        Section("drive", ("env", "drive"), _always),
        Section("pip", ("pip",), lambda spec: bool(spec.pip)),
        Section(
            "kaggle",
            ("env", "kaggle"),
            lambda spec: bool(spec.kaggle_dataset or spec.kaggle_competition),
        ),
        Section("importer", ("magics", "importer"), lambda spec: spec.import_notebooks),
        Section("bench", ("bench",), lambda spec: spec.bench),
    )
}

# Which runtime module each runtime module needs inlined before it.
RUNTIME_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "env": (),
    "drive": ("env",),
    "pip": (),
    "kaggle": ("env",),
    "magics": (),
    "importer": ("magics",),
    "bench": (),
}


def enabled_sections(spec: NotebookSpec) -> list[str]:
    """Names of the sections this spec turns on, in notebook order."""
    return [s.name for s in SECTIONS.values() if s.enabled(spec)]
