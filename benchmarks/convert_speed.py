"""Conversion and sync speed, side by side with jupytext, in one run (a benchmark, not a test).

    python benchmarks/convert_speed.py [--copies 2] [--repeat 3]

Builds a few hundred real notebooks from ../shared/corpus/notebooks (each readable Python
notebook, copied ``--copies`` times), then times the same work done by nbgen and by jupytext
(each as the command a user types, all files in one process) and prints ratios. It also checks
that speed changed nothing: parallel output equals serial output byte for byte, and every
notebook round-trips exactly. Machines here are shared and noisy: read the ratios, not the
seconds, and take the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "notebooks"
BIN = Path(sys.executable).parent


# as a user runs them: compiled modules cached (some shells here set PYTHONDONTWRITEBYTECODE),
# and nbgen's own caches in a folder of this run, not the machine's ~/.cache
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=ENV)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{Path(command[0]).name} failed:\n{done.stderr[-2000:]}")
    return elapsed


def median_of(
    repeat: int, prepare: Callable[[], None], command: list[str], cwd: Path | None = None
) -> float:
    times = []
    for _ in range(repeat):
        prepare()
        os.sync()  # the files just copied must not be written back during the timed run
        times.append(timed(command, cwd))
    return statistics.median(times)


def python_notebooks() -> list[Path]:
    sys.path.insert(0, str(REPO))
    from nbgen.convert.ipynb import language_of, read_notebook
    from nbgen.errors import NotebookError

    found = []
    for path in sorted(CORPUS.glob("*.ipynb")):
        try:
            nb, _ = read_notebook(path)
        except NotebookError:
            continue
        on_disk = json.loads(path.read_bytes()).get("nbformat")
        if "formats" in nb.get("metadata", {}).get("jupytext", {}):
            continue  # paired in jupytext's own config: its CLI insists on that pairing
        if on_disk == 4 and language_of(nb) == "python" and nb.get("nbformat_minor", 0) <= 5:
            try:  # jupytext's CLI must accept it too (it validates), or the comparison is unfair
                import warnings

                import nbformat

                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    nbformat.validate(nbformat.read(path, as_version=4))
            except Exception:
                continue
            found.append(path)
    return found


def make_tree(folder: Path, sources: list[Path], copies: int) -> list[Path]:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    out = []
    for k in range(copies):
        for path in sources:
            target = folder / f"{path.stem}__{k}.ipynb"
            shutil.copyfile(path, target)
            out.append(target)
    return out


def only(folder: Path, suffix: str) -> list[str]:
    return sorted(str(p) for p in folder.iterdir() if p.suffix == suffix)


def check_round_trip(files: list[Path]) -> int:
    from nbgen.convert import formats
    from nbgen.convert.ipynb import read_notebook
    from nbgen.convert.percent import VOLATILE_CELL_METADATA

    def view(nb: dict[str, object]) -> list[object]:
        return [(c["cell_type"], c["source"], {k: v for k, v in c.get("metadata", {}).items()  # type: ignore[union-attr,index]
                 if k not in VOLATILE_CELL_METADATA}) for c in nb["cells"]]  # type: ignore[attr-defined]  # fmt: skip

    bad = 0
    for path in files:
        nb, _ = read_notebook(path)
        back = formats.from_text(formats.to_text(nb), path.with_suffix(".py"))
        bad += view(back) != view(nb)
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    nbgen, jupytext = str(BIN / "nbgen"), str(BIN / "jupytext")
    work = Path(tempfile.mkdtemp(prefix="nbgen-bench-"))
    ENV["XDG_CACHE_HOME"] = str(work / "cache")
    sources = python_notebooks()
    a, b, serial = work / "nbgen", work / "jupytext", work / "serial"
    files = make_tree(a, sources, args.copies)
    n = len(files)
    rows: list[tuple[str, float, float | None, str]] = []

    # ipynb -> py, full batch
    def fresh_a() -> None:
        for p in a.glob("*.py"):
            p.unlink()

    def fresh_b() -> None:
        make_tree(b, sources, args.copies)

    t_nbgen = median_of(args.repeat, fresh_a, [nbgen, "convert", str(a), "--to", "py", "-q"])
    fresh_b()
    t_jt = median_of(args.repeat, fresh_b, [jupytext, "--to", "py:percent", *only(b, ".ipynb")])
    rows.append((f"ipynb→py, {n} notebooks", t_nbgen, t_jt, "≤ 0.15"))

    # the same with nothing to do
    t_noop = median_of(args.repeat, lambda: None, [nbgen, "convert", str(a), "--to", "py", "-q"])
    rows.append(("ipynb→py, all up to date", t_noop, t_jt, "≤ 0.03"))

    # correctness: serial output equals the parallel one; every notebook round-trips exactly
    make_tree(serial, sources, args.copies)
    subprocess.run(
        [nbgen, "convert", str(serial), "--to", "py", "-j", "1", "-q"], check=True, env=ENV
    )
    mismatch = [
        p.name for p in a.glob("*.py") if not filecmp.cmp(p, serial / p.name, shallow=False)
    ]
    bad_round_trips = check_round_trip(files)

    # py -> ipynb, full batch (fresh folders holding only the .py files)
    py_a, py_b = work / "py_nbgen", work / "py_jupytext"

    def fresh_py(folder: Path) -> Callable[[], None]:
        def prepare() -> None:
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir()
            for p in a.glob("*.py"):
                shutil.copyfile(p, folder / p.name)

        return prepare

    t_nbgen = median_of(
        args.repeat, fresh_py(py_a), [nbgen, "convert", str(py_a), "--to", "ipynb", "-q"]
    )
    fresh_py(py_b)()
    t_jt = median_of(args.repeat, fresh_py(py_b), [jupytext, "--to", "ipynb", *only(py_b, ".py")])
    rows.append((f"py→ipynb, {n} files", t_nbgen, t_jt, "≤ 0.15"))

    # start-up
    t_version = median_of(10, lambda: None, [nbgen, "--version"])
    t_help = median_of(10, lambda: None, [nbgen, "--help"])
    t_jt_version = median_of(10, lambda: None, [jupytext, "--version"])
    t_nbconvert = median_of(5, lambda: None, [str(BIN / "jupyter-nbconvert"), "--help"])
    rows.append(("nbgen --version (vs jupytext --version)", t_version, t_jt_version, "≤ 0.100 s"))
    rows.append(("nbgen --help (vs jupyter nbconvert --help)", t_help, t_nbconvert, "≤ 0.100 s"))

    # sync: 300 pairs in step, and the hook with one staged notebook
    repo = work / "repo"
    pairs = make_tree(repo, sources, max(1, -(-300 // len(sources))))[:300]
    for extra in sorted(repo.glob("*.ipynb"))[300:]:
        extra.unlink()
    (repo / ".git").mkdir()
    subprocess.run([nbgen, "sync"], cwd=repo, check=True, capture_output=True, env=ENV)
    # the same pairs under jupytext's own pairing (jupytext.toml), made once, then in step
    repo_jt = work / "repo_jupytext"
    shutil.copytree(repo, repo_jt, ignore=shutil.ignore_patterns("*.py", ".nbgen-sync"))
    (repo_jt / "jupytext.toml").write_text('formats = "ipynb,py:percent"\n')
    jt_sync = [jupytext, "--sync", *only(repo_jt, ".ipynb")]
    subprocess.run(jt_sync, cwd=repo_jt, check=True, capture_output=True, env=ENV)
    subprocess.run([nbgen, "sync"], cwd=repo, check=True, capture_output=True, env=ENV)
    for path in repo.iterdir():  # as files are a while after the last sync
        if path.is_file():
            os.utime(path, ns=(0, path.stat().st_mtime_ns - 10**10))
    subprocess.run([nbgen, "sync"], cwd=repo, check=True, capture_output=True, env=ENV)
    t_sync = median_of(args.repeat, lambda: None, [nbgen, "sync"], cwd=repo)
    t_jt_sync = median_of(args.repeat, lambda: None, jt_sync, cwd=repo_jt)
    t_hook = median_of(
        args.repeat, lambda: None, [nbgen, "sync", "--fail-on-change", str(pairs[0])], cwd=repo
    )
    for path in repo.iterdir():  # a fresh clone or checkout: every signature is new
        if path.is_file():
            os.utime(path)
    t_cold = median_of(1, lambda: None, [nbgen, "sync"], cwd=repo)
    rows.append(
        (
            f"nbgen sync, {len(pairs)} pairs in step (vs jupytext --sync)",
            t_sync,
            t_jt_sync,
            "≤ 0.01",
        )
    )
    rows.append(
        (
            f"nbgen sync, {len(pairs)} pairs just checked out (vs jupytext --sync)",
            t_cold,
            t_jt_sync,
            "-",
        )
    )
    rows.append(("pre-commit hook command, 1 staged notebook", t_hook, None, "≤ 0.3 s"))

    print("| measurement | nbgen s | reference s | ratio | target |\n|---|---:|---:|---:|---|")
    for name, ours, ref, target in rows:
        ratio = f"{ours / ref:.3f}" if ref else "-"
        print(f"| {name} | {ours:.3f} | {ref:.3f} | {ratio} | {target} |" if ref else
              f"| {name} | {ours:.3f} | - | - | {target} |")  # fmt: skip
    print(f"\nparallel vs serial output: {len(mismatch)} files differ; round trip: {bad_round_trips} of {n} "
          "notebooks not exact")  # fmt: skip
    print(json.dumps({"notebooks": n, "work": str(work)}))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
