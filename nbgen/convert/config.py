"""``[tool.nbgen]`` (pyproject.toml) or ``nbgen.toml``: which notebooks pair with which .py.

    [tool.nbgen]
    format = "py:percent"            # or "py:module"
    include = ["**/*.ipynb"]         # .gitignore patterns, relative to the config file's folder
    exclude = ["scratch/**"]
    mirror = { "notebooks" = "src/pkg" }   # notebooks/a/b.ipynb pairs with src/pkg/a/b.py

With no config, every notebook pairs with a percent .py beside it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from nbgen.convert.walk import project_files, relative_key
from nbgen.errors import UsageError
from nbgen.fsutil import decode_text, is_inside, read_bytes

if TYPE_CHECKING:
    from nbgen.convert.formats import Mode

_FORMATS: dict[str, Mode] = {"py:percent": "percent", "py:module": "module"}
DEFAULT_INCLUDE = ("**/*.ipynb",)
_KEYS = ("format", "include", "exclude", "mirror")


class PairConfig:
    """Where the settings came from, and what they say. (A plain class, not a dataclass: the
    pre-commit hook imports this on every commit, and dataclasses costs more than the rest.)"""

    def __init__(
        self, root: Path, source: Path | None = None, mode: Mode = "percent",
        include: tuple[str, ...] = DEFAULT_INCLUDE, exclude: tuple[str, ...] = (),
        mirror: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        self.root, self.source, self.mode = root, source, mode
        self.include, self.exclude, self.mirror = include, exclude, dict(mirror or {})

    def __repr__(self) -> str:
        return f"PairConfig(root={self.root!r}, source={self.source!r}, mode={self.mode!r})"

    def pairs_notebook(self, notebook: Path) -> bool:
        try:
            text = relative_key(notebook, self.root)
        except ValueError:
            return False
        parts = text.split("/")
        if any(part.startswith(".") for part in parts[:-1]) or ".ipynb_checkpoints" in parts:
            return False
        if self.include == DEFAULT_INCLUDE and not self.exclude:
            return text.endswith(".ipynb")  # what "**/*.ipynb" matches, without pathspec
        return self._include.match_file(text) and not self._exclude.match_file(text)

    @functools.cached_property
    def _include(self) -> Any:
        return _spec(self.include)

    @functools.cached_property
    def _exclude(self) -> Any:
        return _spec(self.exclude)

    def text_for(self, notebook: Path) -> Path:
        """The .py paired with ``notebook``."""
        if not self.mirror:
            return notebook.with_suffix(self.suffix)
        return self._paired(notebook, self.mirror.items(), self.suffix)

    @functools.cached_property
    def suffix(self) -> str:
        """The paired text file's extension: .py for nbgen's formats, else jupytext's."""
        if self.mode in ("percent", "module"):
            return ".py"
        from jupytext.formats import long_form_one_format

        return str(long_form_one_format(self.mode)["extension"])

    def notebook_for(self, text: Path) -> Path:
        """The notebook paired with ``text`` (the inverse of :meth:`text_for`)."""
        return self._paired(text, ((py, nb) for nb, py in self.mirror.items()), ".ipynb")

    def _paired(self, path: Path, folders: Iterable[tuple[str, str]], suffix: str) -> Path:
        # beside the file, unless a mirror maps its folder (from → to) elsewhere
        rel = self._rel(path)
        if rel is not None:
            for source_dir, target_dir in folders:
                inner = _under(rel, source_dir)
                if inner is not None:
                    return self.root / target_dir / inner.with_suffix(suffix)
        return path.with_suffix(suffix)

    def check_inside(self, path: Path) -> None:
        """Refuse a pair file that lies (or whose links lead) outside the project."""
        if not self._inside(path):
            raise UsageError(
                f"{path}: outside the project {self.root} (or a link that leads out of it); "
                "nbgen sync writes only inside the project: run it in that file's own project"
            )

    def check_collisions(self) -> None:
        """With mirrors, two notebooks can map to one .py: refuse before anything is written."""
        if not self.mirror:
            return
        owners: dict[Path, Path] = {}
        for path in project_files(self.root, []):
            if path.suffix == ".ipynb" and self.pairs_notebook(path):
                text = self.text_for(path)
                other = owners.setdefault(text, path)
                if other != path:
                    raise UsageError(
                        f"{self.source}: mirror sends both {other} and {path} to {text}; "
                        "give them different mirror folders, or exclude one"
                    )

    def _rel(self, path: Path) -> PurePosixPath | None:
        try:
            return PurePosixPath(relative_key(path, self.root))
        except ValueError:
            return None

    @functools.cached_property
    def _real_folders(self) -> dict[str, str]:
        return {}

    def _inside(self, path: Path) -> bool:
        """:func:`~nbgen.fsutil.is_inside` the root, each folder's links resolved once."""
        name = str(path)
        if os.path.islink(name):
            return is_inside(self.root, path)
        folder, base = os.path.split(name)
        real = self._real_folders.get(folder)
        if real is None:
            real = self._real_folders[folder] = os.path.realpath(folder or ".")
        root = self._real_folders.get("\0root")
        if root is None:
            root = self._real_folders["\0root"] = os.path.realpath(self.root)
        full = os.path.join(real, base)
        return full == root or full.startswith(root.rstrip(os.sep) + os.sep)


def _under(rel: PurePosixPath, folder: str) -> PurePosixPath | None:
    prefix = PurePosixPath(folder.strip("/"))
    try:
        return rel.relative_to(prefix)
    except ValueError:
        return None


def _spec(patterns: tuple[str, ...]) -> Any:
    """Patterns as in a .gitignore (pathspec, as pre-commit's ecosystem and black use): ``*``
    stays within a folder, ``**`` crosses folders, a pattern without ``/`` matches at any depth,
    a leading ``/`` anchors it to the project, ``dir/`` takes a whole folder, ``!`` re-includes."""
    import pathspec  # only when pairs are looked up: `nbgen --help` stays fast

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def find_config(start: Path) -> PairConfig:
    """The nearest nbgen.toml or pyproject.toml with [tool.nbgen] at or above ``start``."""
    folder = start.absolute()
    if folder.is_file() or not folder.exists():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        for name in ("nbgen.toml", "pyproject.toml"):
            path = candidate / name
            if path.is_file():
                table = _load(path)
                if table is not None:
                    return parse_config(table, candidate, path)
        if (candidate / ".git").exists():
            return PairConfig(root=candidate)
    return PairConfig(root=folder)


def _load(path: Path) -> dict[str, Any] | None:
    from nbgen.tomlutil import tomllib

    text, _ = decode_text(read_bytes(path), path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc}); fix the file") from None
    if path.name == "nbgen.toml":
        table = data.get("tool", {}).get("nbgen", data)
    else:
        table = data.get("tool", {}).get("nbgen")
    return table if table is None or isinstance(table, dict) else {"<table>": table}


def parse_config(table: Mapping[str, Any], root: Path, source: Path) -> PairConfig:
    """Validate the table; a bad key or value names itself and the file."""
    where = f"{source} [tool.nbgen]" if source.name == "pyproject.toml" else str(source)
    for key in table:
        if key not in _KEYS:
            raise UsageError(f"{where}: unknown key {key!r}; valid keys: {', '.join(_KEYS)}")
    fmt = table.get("format", "py:percent")
    if not isinstance(fmt, str):
        raise UsageError(f'{where}: format = {fmt!r}; use "py:percent", "py:module" or "md"')
    if fmt not in _FORMATS:
        from nbgen.convert.formats import check_format
        from nbgen.errors import NotebookError

        try:
            if check_format(fmt).startswith("auto"):
                raise NotebookError(f"{fmt!r}: a pair needs a fixed extension, e.g. py:light")
        except NotebookError as exc:
            raise UsageError(f"{where}: format = {exc}") from None
    include = _globs(table, "include", ("**/*.ipynb",), where)
    exclude = _globs(table, "exclude", (), where)
    mirror = table.get("mirror", {})
    if not isinstance(mirror, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in mirror.items()
    ):
        raise UsageError(
            f'{where}: mirror must map folders to folders, e.g. {{ "notebooks" = "src/pkg" }}'
        )
    for source_dir, target_dir in mirror.items():
        for folder in (source_dir, target_dir):
            if Path(folder).is_absolute() or not is_inside(root, root / folder):
                raise UsageError(
                    f'{where}: mirror "{source_dir}" = "{target_dir}": {folder!r} is outside the '
                    f"project {root}; mirror folders must be inside it, e.g. "
                    '{ "notebooks" = "src/pkg" }'
                )
    return PairConfig(root=root, source=source, mode=_FORMATS.get(fmt, fmt), include=include, exclude=exclude,
                      mirror=dict(mirror))  # fmt: skip


def _globs(
    table: Mapping[str, Any], key: str, default: tuple[str, ...], where: str
) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f'{where}: {key} must be a list of globs, e.g. ["**/*.ipynb"]')
    for pattern in value:
        try:
            _spec((pattern,))
        except Exception as exc:  # pathspec's error types differ between its versions
            raise UsageError(
                f"{where}: {key} = {pattern!r} is not a .gitignore pattern ({exc}); "
                'e.g. "notebooks/**/*.ipynb" or "!keep.ipynb" ("!" needs a pattern after it, and '
                "a backslash escapes the character after it)"
            ) from None
    return tuple(value)
