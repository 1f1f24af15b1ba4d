"""`nbgen kaggle download`: the notebook's Kaggle section, run locally (and `run`, `status`,
`fetch`: a notebook on Kaggle's GPUs, in `kaggle_run.py`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from nbgen.errors import NbgenError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="kaggle_command", metavar="ACTION", required=True)
    download = sub.add_parser("download", help="download and extract a data set or competition")
    which = download.add_mutually_exclusive_group(required=True)
    which.add_argument("--dataset", metavar="OWNER/SLUG[/VERSION]",
                       help="a Kaggle data set (a version pinned: owner/slug/versions/3)")  # fmt: skip
    which.add_argument("--competition", metavar="NAME", help="a Kaggle competition")
    download.add_argument("--file", default="", metavar="NAME",
                          help="only this file (its path in the data, e.g. images/a.png)")  # fmt: skip
    download.add_argument("--to", default="data", type=Path, metavar="DIR",
                          help="where the data's own folder goes: DIR/datasets/OWNER/SLUG/latest "
                          "(or versions/N), DIR/competitions/NAME (default: data)")  # fmt: skip
    download.add_argument("--force", action="store_true",
                          help="download again even if present; replace a folder in the way")  # fmt: skip
    download.add_argument("--cache", type=Path, metavar="DIR",
                          help="keep the archives in DIR too (nbgen's cache folder): the next "
                          "download of that version is a copy from there")  # fmt: skip
    download.add_argument("--cache-max-gb", metavar="N", default="",
                          help="with --cache: at most N GB; the least recently used go first")  # fmt: skip
    from nbgen.commands import kaggle_run

    kaggle_run.add_arguments(sub)


def run(args: argparse.Namespace) -> int:
    if args.kaggle_command != "download":
        from nbgen.commands import kaggle_run

        return kaggle_run.run(args)
    return download(
        dataset=args.dataset or "", competition=args.competition or "", file=args.file,
        to=args.to, force=args.force, cache=args.cache, cache_max_gb=args.cache_max_gb,
    )  # fmt: skip


def download(
    *, dataset: str, competition: str, file: str, to: Path, force: bool = False,
    cache: Path | None = None, cache_max_gb: str = "",
) -> int:  # fmt: skip
    """Download into the data's own folder under ``to`` (kept in ``cache`` too, when given);
    credentials are looked up from the current folder."""
    from nbgen.runtime.kaggle.cache import KaggleCache, kaggle_cache_cap
    from nbgen.runtime.kaggle.download import kaggle_download
    from nbgen.runtime.kaggle.text import KaggleError, kaggle_text

    try:
        cap = kaggle_cache_cap(cache_max_gb)
    except KaggleError:  # before anything else: a bad flag writes nothing
        raise NbgenError(f"--cache-max-gb {cache_max_gb!r}: give the most the cache may hold in "
                         "GB, a number greater than 0, e.g. 20") from None  # fmt: skip
    if cap is not None and cache is None:
        raise NbgenError("--cache-max-gb goes with --cache DIR: the folder it caps")
    kept = KaggleCache(cache.absolute(), cap) if cache is not None else None
    require_kaggle_client()
    try:
        kaggle_download(dataset=dataset, competition=competition, file=file, dest=to, force=force,
                        cache=kept)  # fmt: skip
    except KaggleError as exc:
        if str(exc) == kaggle_text("en")["no_client"]:
            raise NbgenError(
                "nbgen kaggle needs the kaggle client, which does not import here; "
                "pip install 'nbgen[kaggle]'"
            ) from None
        raise NbgenError(str(exc)) from None
    return 0


def require_kaggle_client() -> None:
    """NbgenError naming the extra to install when the kaggle client is not there."""
    import importlib.util

    for module in ("kaggle", "six"):  # kaggle 2.x imports six without declaring it
        if importlib.util.find_spec(module) is None:
            raise NbgenError(
                f"nbgen kaggle needs the kaggle client ({module} is not installed); "
                "pip install 'nbgen[kaggle]'"
            )
