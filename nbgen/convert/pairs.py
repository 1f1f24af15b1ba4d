"""Which notebook pairs with which text file, each under the config that governs it.

A project can hold nested configs (a subfolder with its own ``nbgen.toml`` or
``[tool.nbgen]``): every file is paired by its own nearest config, never by the config of the
first path on the command line, and each config's pairs are recorded in its own
``.nbgen-sync``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from nbgen.convert.config import PairConfig, find_config
from nbgen.convert.walk import project_files


class Pair(NamedTuple):
    notebook: Path
    text: Path


class Configs:
    """The config that governs each folder, looked up once per folder."""

    def __init__(self) -> None:
        self._by_folder: dict[Path, PairConfig] = {}

    def governing(self, path: Path) -> PairConfig:
        """The nearest config at or above ``path`` (a file's own folder, or a folder)."""
        folder = path.absolute()
        return self.of_folder(folder if folder.is_dir() else folder.parent)

    def of_folder(self, folder: Path) -> PairConfig:
        """The nearest config at or above ``folder`` (known to be a folder: no stat)."""
        config = self._by_folder.get(folder)
        if config is None:
            config = self._by_folder[folder] = find_config(folder)
        return config


def find_pairs(
    paths: Iterable[Path], configs: Configs, errors: list[str]
) -> list[tuple[PairConfig, list[Pair]]]:
    """The pairs that ``paths`` (files or folders) name, each once and in a stable order,
    grouped by the config that governs them. Folders that cannot be read go into ``errors``."""
    groups: dict[str, tuple[PairConfig, dict[str, Pair]]] = {}
    cwd = os.getcwd()
    for path in paths:
        files = list(_files_under(path, errors))
        names = [str(f) for f in files]
        notebooks = {n for n in names if n.endswith(".ipynb")}
        walked = path.is_dir()
        folders: dict[str, PairConfig] = {}
        for file, name in zip(files, names, strict=True):
            folder = os.path.dirname(name)
            config = folders.get(folder) if walked else None
            if config is None:
                config = (
                    configs.of_folder(file.parent.absolute()) if walked else configs.governing(file)
                )
                folders[folder] = config
            stem, dot, suffix = name.rpartition(".")
            if suffix != "ipynb" and not config.mirror and dot and stem + ".ipynb" in notebooks:
                continue  # the notebook beside it, found too, makes the pair (or not)
            for pair in _pair_of(file, config):
                seen = groups.setdefault(str(config.root.absolute()), (config, {}))[1]
                seen.setdefault(os.path.join(cwd, str(pair.notebook)), pair)
    return [(config, sorted(seen.values())) for _, (config, seen) in sorted(groups.items())]


def _files_under(path: Path, errors: list[str]) -> Iterator[Path]:
    if path.is_dir():
        yield from project_files(path, errors)
    else:
        yield path


def _pair_of(path: Path, config: PairConfig) -> Iterator[Pair]:
    if path.suffix == ".ipynb":
        if config.pairs_notebook(path):
            yield Pair(path, config.text_for(path))
    elif path.suffix == config.suffix:
        notebook = config.notebook_for(path)
        paired = config.pairs_notebook(notebook) and config.text_for(notebook) == path
        if paired and (notebook.exists() or _is_notebook_text(path)):
            yield Pair(notebook, path)


def _is_notebook_text(path: Path) -> bool:
    # a text file becomes a notebook only if its header says a converter wrote it (one that
    # starts like nbgen's and never ends is a broken notebook text: converting it says so)
    try:
        data = path.read_bytes()
    except OSError:
        return False
    from nbgen.convert.provenance import written_by_a_converter

    head = data[:64].removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    return head.startswith(b"# ---\n# jupyter:") or written_by_a_converter(data)
