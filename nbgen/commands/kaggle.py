"""`nbgen kaggle download`: the notebook's Kaggle section, run locally."""

from __future__ import annotations

import argparse
from pathlib import Path

from nbgen.errors import NbgenError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="kaggle_command", metavar="ACTION", required=True)
    download = sub.add_parser("download", help="download and extract a data set or competition")
    which = download.add_mutually_exclusive_group(required=True)
    which.add_argument("--dataset", metavar="OWNER/SLUG", help="a Kaggle data set")
    which.add_argument("--competition", metavar="NAME", help="a Kaggle competition")
    download.add_argument("--file", default="", metavar="NAME", help="only this file")
    download.add_argument("--to", default="data", type=Path, metavar="DIR",
                          help="where DIR/<name> goes (default: data)")  # fmt: skip
    download.add_argument("--force", action="store_true", help="download again even if present")


def run(args: argparse.Namespace) -> int:
    return download(
        dataset=args.dataset or "", competition=args.competition or "", file=args.file,
        to=args.to, force=args.force,
    )  # fmt: skip


def download(*, dataset: str, competition: str, file: str, to: Path, force: bool = False) -> int:
    """Download into ``to/<name>``; credentials are looked up from the current folder."""
    import importlib.util

    from nbgen.runtime.kaggle import kaggle_download
    from nbgen.runtime.kaggle_text import KaggleError, kaggle_text

    for module in ("kaggle", "six"):  # kaggle 2.x imports six without declaring it
        if importlib.util.find_spec(module) is None:
            raise NbgenError(
                f"nbgen kaggle needs the kaggle client ({module} is not installed); "
                "pip install 'nbgen[kaggle]'"
            )

    try:
        kaggle_download(dataset=dataset, competition=competition, file=file, dest=to, force=force)
    except KaggleError as exc:
        if str(exc) == kaggle_text("en")["no_client"]:
            raise NbgenError(
                "nbgen kaggle needs the kaggle client, which does not import here; "
                "pip install 'nbgen[kaggle]'"
            ) from None
        raise NbgenError(str(exc)) from None
    return 0
