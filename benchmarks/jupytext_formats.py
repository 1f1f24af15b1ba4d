"""jupytext's formats through nbgen: speed against jupytext itself, and how exact each format's
round trip is, on the real notebooks of ../shared/corpus (a benchmark, not a test).

    python benchmarks/jupytext_formats.py [--formats md,myst,py:light,py:hydrogen,Rmd] [--repeat 3]

Speed: ``nbgen convert DIR --to FMT`` against ``jupytext --to FMT FILES...`` (one jupytext
process for all files), both as the command a user types, median of ``--repeat``; the ratio
is what to read (these machines are shared and noisy). Exactness: for every readable Python
notebook, ipynb → FMT → ipynb through the same code ``nbgen convert`` runs, counting the
notebooks and cells whose type, source or kept metadata changed, per 100 notebooks.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "notebooks"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO))

from nbgen.convert import formats  # noqa: E402
from nbgen.convert.ipynb import language_of, read_notebook  # noqa: E402
from nbgen.convert.percent import VOLATILE_CELL_METADATA  # noqa: E402
from nbgen.errors import NotebookError  # noqa: E402


def python_notebooks(fmts: list[str]) -> list[Path]:
    """The readable Python notebooks that every format can write (both tools get the same)."""
    found = []
    for path in sorted(CORPUS.glob("*.ipynb")):
        try:
            nb, _ = read_notebook(path)
            if language_of(nb) != "python" or nb.get("nbformat_minor", 0) > 5:
                continue
            for fmt in fmts:
                formats.to_text(nb, fmt)
        except NotebookError:
            continue
        found.append(path)
    return found


def view(nb: dict[str, object]) -> list[tuple[object, ...]]:
    return [
        (c["cell_type"], c["source"],
         {k: v for k, v in c.get("metadata", {}).items() if k not in VOLATILE_CELL_METADATA})
        for c in nb["cells"]  # type: ignore[attr-defined]
    ]  # fmt: skip


def exactness(paths: list[Path], fmt: str) -> tuple[int, int, int]:
    """(notebooks changed, cells changed, cells) over ``paths``; a text that cannot be read
    back (jupytext needs pandoc for a notebook that asks for it) counts every cell changed."""
    changed_nbs = changed_cells = cells = 0
    for path in paths:
        nb, _ = read_notebook(path)
        text = formats.to_text(nb, fmt)
        try:
            back = formats.from_text(text, path.with_suffix(formats.text_suffix(nb, path, fmt)))
        except NotebookError:
            back = {"cells": []}
        a, b = view(nb), view(back)
        cells += len(a)
        diff = sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))
        changed_cells += diff
        changed_nbs += diff > 0
    return changed_nbs, changed_cells, cells


def timed(command: list[str]) -> float:
    """Seconds the command took. A tool that fails on some file still converts the others
    (nbgen goes on past it; jupytext's CLI goes on and exits non-zero): the time stands, and
    the failure is said."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        print(f"  ({Path(command[0]).name} exit {done.returncode}: {last[:120]})", file=sys.stderr)
    return elapsed


def speed(paths: list[Path], fmt: str, repeat: int) -> tuple[float, float]:
    nbgen_times, jupytext_times = [], []
    for _ in range(repeat):
        for times, make in ((nbgen_times, "nbgen"), (jupytext_times, "jupytext")):
            with tempfile.TemporaryDirectory() as tmp:
                for path in paths:
                    shutil.copy(path, Path(tmp) / path.name)
                files = sorted(str(p) for p in Path(tmp).glob("*.ipynb"))
                if make == "nbgen":
                    command = [str(BIN / "nbgen"), "convert", tmp, "--to", fmt, "-q"]
                else:
                    command = [str(BIN / "jupytext"), "--to", fmt, "--quiet", *files]
                times.append(timed(command))
    return statistics.median(nbgen_times), statistics.median(jupytext_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--formats", default="md,myst,py:light,py:hydrogen,Rmd")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    fmts = args.formats.split(",")
    paths = python_notebooks(fmts)
    print(f"{len(paths)} readable Python notebooks from {CORPUS}")
    print(f"{'format':<12} {'nbgen s':>8} {'jupytext s':>10} {'ratio':>6} "
          f"{'nbs changed /100':>17} {'cells changed /100 nbs':>22}")  # fmt: skip
    for fmt in fmts:
        ours, theirs = speed(paths, fmt, args.repeat)
        changed_nbs, changed_cells, _cells = exactness(paths, fmt)
        per100 = 100 / len(paths)
        print(f"{fmt:<12} {ours:>8.2f} {theirs:>10.2f} {ours / theirs:>6.2f} "
              f"{changed_nbs * per100:>17.1f} {changed_cells * per100:>22.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
