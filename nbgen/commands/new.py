"""`nbgen new`: write a tailored Colab setup notebook, or put its cells into your own."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nbgen.errors import UsageError
from nbgen.generate.spec import resolve_spec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags mirror the spec-file keys; a flag given overrides the file."""
    add = parser.add_argument
    add("--spec", type=Path, metavar="FILE", help="TOML file with the same keys as these flags")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", help="notebook to write (default: colab_setup.ipynb)")
    where.add_argument("--into", type=Path, metavar="NOTEBOOK",
                       help="put the setup cells at the top of your own notebook "
                       "(run again to refresh them)")  # fmt: skip
    add("--force", action="store_true", help="replace the output notebook if it exists; with "
        "--into, also replace setup cells you edited")  # fmt: skip
    add("--check", action="store_true", help="with --into: change nothing; exit 1 if out of date")
    folder = parser.add_mutually_exclusive_group()
    folder.add_argument("--project", help="work folder /content/drive/MyDrive/NAME")
    folder.add_argument("--workdir", metavar="PATH", help="work folder, an absolute Colab path")
    add("--no-drive", dest="drive", action="store_const", const=False, help="do not mount Drive")
    add("--pip", action="append", metavar="PKG", help="package to pip install (repeatable)")
    add("--allow-upgrade", action="append", metavar="PKG",
        help="let pip replace this runtime package (torch, a CUDA library) (repeatable)")  # fmt: skip
    add("--secret", action="append", metavar="NAME",
        help="secret to set in the environment, e.g. HF_TOKEN (repeatable)")  # fmt: skip
    add("--git", "--git-url", dest="git_url", metavar="URL",
        help="clone this repository onto local disk and work in it")  # fmt: skip
    add("--branch", "--git-branch", dest="git_branch", metavar="BRANCH", help="with --git")
    add("--git-token-secret", metavar="NAME", help="with --git: the secret holding a token")
    add("--git-dest", metavar="DIR", help="with --git: where (default /content/<repository>)")
    add("--lang", help="notebook language: en or zh")
    add("--gpu", help="runtime preselected in Colab: T4, L4, A100 or none")
    add("--platform", help="colab (default), or kaggle: also write kernel-metadata.json so "
        "`kaggle kernels push -p FOLDER` runs it on Kaggle (-o names the folder)")  # fmt: skip
    add("--kaggle-id", metavar="OWNER/SLUG", help="with --platform kaggle: the notebook's id")
    add("--cuda-visible-devices", metavar="IDS", help="GPUs to use, e.g. 0 or 0,1")
    add("--kaggle-data", action="append", metavar="REF",
        help="Kaggle data as kaggle.com gives it: owner/slug, a competition, an address, "
        "a 'kaggle ... download' command (repeatable)")  # fmt: skip
    add("--kaggle-dataset", action="append", metavar="OWNER/SLUG", help="Kaggle data set")
    add("--kaggle-competition", action="append", metavar="NAME", help="Kaggle competition")
    add("--kaggle-dest", metavar="DIR", help="where Kaggle data goes (default: local disk)")
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument("--kaggle-cache", dest="kaggle_cache", action="store_const", const=True,
                       help="keep Kaggle archives in WORK_FOLDER/.nbgen-cache on Drive, so the "
                       "next session copies instead of downloading (default)")  # fmt: skip
    cache.add_argument("--no-kaggle-cache", dest="kaggle_cache", action="store_const",
                       const=False, help="download Kaggle data in every new session")  # fmt: skip
    add("--kaggle-cache-max-gb", metavar="N",
        help="the most the Kaggle cache may hold, in GB; the least recently used go first")  # fmt: skip
    add("--no-import-notebooks", dest="import_notebooks", action="store_const", const=False,
        help="leave out the section that makes sibling notebooks importable")  # fmt: skip
    bench = parser.add_mutually_exclusive_group()
    bench.add_argument("--bench", dest="bench", action="store_const", const=True,
                       help="with --into: add the GPU benchmark (a new notebook has it)")  # fmt: skip
    bench.add_argument("--no-bench", dest="bench", action="store_const", const=False,
                       help="no benchmark")  # fmt: skip
    add("--bench-data", help="synthetic or cifar10")
    add("--bench-mode", help="naive, optimized or both")
    add("--bench-steps", type=int, metavar="N", help="timed training steps")
    add("--bench-batch-size", type=int, metavar="N", help="benchmark batch size")
    add("--bench-stem", help="cifar or imagenet")
    add("--bench-epochs", type=int, metavar="N", help="then train N epochs, report accuracy")
    runs = parser.add_mutually_exclusive_group()
    runs.add_argument("--checkpoints", dest="checkpoint_name", metavar="NAME",
                      help="the Checkpoints section's run name (CHECKPOINT_NAME; default run1)")  # fmt: skip
    runs.add_argument("--no-checkpoints", dest="checkpoints", action="store_const", const=False,
                      help="leave out the Checkpoints section")  # fmt: skip


_FLAG_KEYS = (
    "output", "project", "workdir", "drive", "pip", "lang", "gpu", "cuda_visible_devices",
    "kaggle_data", "kaggle_dataset", "kaggle_competition", "kaggle_dest", "import_notebooks", "bench",
    "bench_data", "bench_mode", "bench_steps", "bench_batch_size", "bench_stem", "bench_epochs",
    "platform", "kaggle_id", "allow_upgrade", "secret", "git_url", "git_branch", "git_token_secret",
    "git_dest", "checkpoints", "checkpoint_name", "kaggle_cache", "kaggle_cache_max_gb",
)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Unpack the namespace into explicit arguments."""
    flags = {key: getattr(args, key) for key in _FLAG_KEYS if getattr(args, key) is not None}
    if "checkpoint_name" in flags:  # --checkpoints NAME also switches the section on
        flags["checkpoints"] = True
    if args.into is not None:
        return into(args.into, spec_file=args.spec, flags=flags, check=args.check,
                    force=args.force)  # fmt: skip
    if args.check:
        raise UsageError("--check goes with --into NOTEBOOK: it checks that notebook's setup cells")
    return new(spec_file=args.spec, flags=flags, force=args.force)


def new(spec_file: Path | None, flags: dict[str, Any], *, force: bool = False) -> int:
    """Build the spec (file, then flags on top), write the notebook, print its path."""
    from nbgen.generate.notebook import write_notebook

    spec = resolve_spec(spec_file, flags)
    if spec.platform == "kaggle":
        from nbgen.generate.kernel import write_kaggle_folder

        notebook, metadata, owner_known = write_kaggle_folder(spec, force=force)
        print(f"wrote {notebook} and {metadata} ({spec.lang})")
        if not owner_known:
            print(
                f"edit the id in {metadata} (or pass --kaggle-id OWNER/SLUG): your Kaggle user name"
            )
        print(f"next: kaggle kernels push -p {metadata.parent}")
        return 0
    path = write_notebook(spec, Path(spec.output), force=force)
    print(f"wrote {path} ({spec.lang}, work folder {spec.work_folder})")
    print("next: upload it to Google Drive and open it with Colab, then Runtime > Run all;")
    print("or put the same cells into the notebook you train in: nbgen new --into train.ipynb")
    return 0


def into(
    notebook: Path, spec_file: Path | None, flags: dict[str, Any], *, check: bool,
    force: bool = False,
) -> int:  # fmt: skip
    """Insert or refresh the setup cells at the top of ``notebook``; 1 if ``check`` finds them
    out of date."""
    from nbgen.generate.into import refresh_setup

    result = refresh_setup(notebook, spec_file=spec_file, flags=flags, check=check, force=force)
    if check:
        if result.changed:
            print(f"{notebook}: the setup cells are out of date; run: nbgen new --into {notebook}")
            return 1
        print(f"{notebook}: the setup cells are up to date")
        return 0
    verb = "refreshed" if result.had_setup else "added"
    if not result.changed:
        print(f"{notebook}: the setup cells are up to date; nothing written")
    else:
        print(f"{verb} {result.setup_cells} setup cells at the top of {notebook} "
              f"({result.user_cells} cells of yours untouched)")  # fmt: skip
    for line in result.notes:
        print(line)
    return 0
