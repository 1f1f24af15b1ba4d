"""`nbgen new`: write a tailored Colab setup notebook."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nbgen.generate.spec import resolve_spec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags mirror the spec-file keys; a flag given overrides the file."""
    add = parser.add_argument
    add("--spec", type=Path, metavar="FILE", help="TOML file with the same keys as these flags")
    add("-o", "--output", help="notebook to write (default: colab_setup.ipynb)")
    add("--force", action="store_true", help="replace the output notebook if it exists")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--project", help="work folder /content/drive/MyDrive/NAME")
    where.add_argument("--workdir", metavar="PATH", help="work folder, an absolute Colab path")
    add("--no-drive", dest="drive", action="store_const", const=False, help="do not mount Drive")
    add("--pip", action="append", metavar="PKG", help="package to pip install (repeatable)")
    add("--lang", help="notebook language: en or zh")
    add("--gpu", help="runtime preselected in Colab: T4, L4, A100 or none")
    add(
        "--kaggle-dataset",
        action="append",
        metavar="OWNER/SLUG",
        help="Kaggle data set (repeatable)",
    )
    add(
        "--kaggle-competition",
        action="append",
        metavar="NAME",
        help="Kaggle competition (repeatable)",
    )
    add("--kaggle-dest", metavar="DIR", help="where Kaggle data goes, inside the work folder")
    add(
        "--no-import-notebooks",
        dest="import_notebooks",
        action="store_const",
        const=False,
        help="leave out the section that makes sibling notebooks importable",
    )
    add(
        "--no-bench",
        dest="bench",
        action="store_const",
        const=False,
        help="leave out the benchmark",
    )
    add("--bench-data", help="synthetic or cifar10")
    add("--bench-mode", help="naive, optimized or both")
    add("--bench-steps", type=int, metavar="N", help="timed training steps")
    add("--bench-batch-size", type=int, metavar="N", help="benchmark batch size")
    add("--bench-stem", help="cifar or imagenet")


_FLAG_KEYS = (
    "output", "project", "workdir", "drive", "pip", "lang", "gpu", "kaggle_dataset",
    "kaggle_competition", "kaggle_dest", "import_notebooks", "bench", "bench_data",
    "bench_mode", "bench_steps", "bench_batch_size", "bench_stem",
)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Unpack the namespace into explicit arguments."""
    flags = {key: getattr(args, key) for key in _FLAG_KEYS if getattr(args, key) is not None}
    return new(spec_file=args.spec, flags=flags, force=args.force)


def new(spec_file: Path | None, flags: dict[str, Any], *, force: bool = False) -> int:
    """Build the spec (file, then flags on top), write the notebook, print its path."""
    from nbgen.generate.notebook import write_notebook

    spec = resolve_spec(spec_file, flags)
    path = write_notebook(spec, Path(spec.output), force=force)
    print(f"wrote {path} ({spec.lang}, work folder {spec.work_folder})")
    print("next: upload it to Google Drive and open it with Colab, then Runtime > Run all")
    return 0
