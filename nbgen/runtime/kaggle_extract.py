"""Kaggle archives, extracted safely, and what arrived, listed."""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from pathlib import Path

from nbgen.runtime.kaggle_text import KaggleError, kaggle_text

KAGGLE_COMPLETE = ".nbgen-complete"  # written last, only when a download is whole


def safe_extract(archive: Path, target: Path, lang: str = "en") -> list[Path]:
    """Extract ``archive`` into ``target``, refusing (before writing anything) a member that is
    absolute, climbs out with ``..`` or is a link."""
    text = kaggle_text(lang)
    root = target.resolve()
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise KaggleError(text["bad_zip"].format(archive=archive.name)) from None
    with zf:
        plan: list[tuple[zipfile.ZipInfo, Path]] = []
        for info in zf.infolist():
            name = info.filename
            dest = (root / name).resolve()
            bad = (
                stat.S_ISLNK(info.external_attr >> 16)
                or name.startswith(("/", "\\"))
                or re.match(r"[A-Za-z]:", name) is not None
                or ".." in re.split(r"[\\/]", name)
                or (dest != root and root not in dest.parents)
            )
            if bad:
                raise KaggleError(
                    text["unsafe"].format(archive=archive.name, member=name, target=target)
                )
            plan.append((info, dest))
        written = []
        for info, dest in plan:
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            written.append(dest)
    return written


def kaggle_size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def print_kaggle_tree(
    target: Path, name: str, lang: str = "en", limit: int = 15
) -> list[tuple[str, int]]:
    """Print what arrived (files and sizes, a short tree) and return it."""
    text = kaggle_text(lang)
    files = sorted(p for p in target.rglob("*") if p.is_file() and p.name != KAGGLE_COMPLETE)
    rows = [(p.relative_to(target).as_posix(), p.stat().st_size) for p in files]
    total = sum(size for _, size in rows)
    print(text["arrived"].format(name=name, count=len(rows), size=kaggle_size(total), path=target))
    width = max((len(path) for path, _ in rows[:limit]), default=0)
    for path, size in rows[:limit]:
        print(f"  {path:<{width}}  {kaggle_size(size):>10}")
    if len(rows) > limit:
        print(text["more"].format(count=len(rows) - limit))
    return rows
