"""Convert many files: discovery, the up-to-date rule, atomic writes, workers, progress."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from nbgen.convert.languages import TEXT_SUFFIXES
from nbgen.convert.provenance import written_by_a_converter
from nbgen.errors import NbgenError, NotebookError
from nbgen.fsutil import (
    LF,
    atomic_write_bytes,
    describe_os_error,
    encode_text,
    read_bytes,
    style_of,
)

if TYPE_CHECKING:
    from nbgen.convert.formats import Mode
    from nbgen.runtime.ownership.proofs import Proof

Target = Literal["py", "ipynb", "report"]  # py: any text format (Job.mode says which)
REPORT_SUFFIXES = {"html": ".html", "markdown": ".md"}
Status = Literal["converted", "unchanged", "failed"]


class Job(NamedTuple):
    source: Path
    out_dir: Path | None  # mirror root, or None for "beside the source"
    rel: Path  # source path relative to the root it was found under
    to: Target
    mode: Mode
    force: bool


class Result(NamedTuple):
    source: Path
    target: Path | None
    status: Status
    message: str  # the error for "failed", notes otherwise


def target_path(job: Job, suffix: str) -> Path:
    base = job.source.parent if job.out_dir is None else job.out_dir / job.rel.parent
    return base / (job.source.stem + suffix)


def _up_to_date(source: Path, target: Path) -> bool:
    # make's rule: a target at least as new as its source is left alone, so a run with
    # nothing to do reads no file, and a target edited after its source is never overwritten.
    try:
        return target.stat().st_mtime_ns >= source.stat().st_mtime_ns
    except OSError:  # missing, or unreadable: converting it will say which
        return False


def convert_one(job: Job) -> Result:
    """Convert one file (run_batch has already set aside the up-to-date ones); every
    user-caused failure becomes a failed Result."""
    try:
        return _convert(job)
    except NbgenError as exc:
        return Result(job.source, None, "failed", str(exc))
    except OSError as exc:
        return Result(job.source, None, "failed", describe_os_error(exc, job.source))
    except Exception as exc:  # one odd file must not stop a batch; say it may be our bug
        return Result(
            job.source, None, "failed",
            f"{job.source}: could not convert ({type(exc).__name__}: {exc}); "
            "if the file opens in Jupyter, please report this as an nbgen bug",
        )  # fmt: skip


def _convert(job: Job) -> Result:
    if job.to == "py":
        return _to_text(job)
    if job.to == "report":
        return _to_report(job)
    return _to_notebook(job)


def wrong_kind(job: Job) -> str | None:
    """Why ``job.source`` cannot be converted in this direction, or None."""
    if job.to in ("py", "report") and job.source.suffix != ".ipynb":
        kind = job.mode if job.to == "report" else "py"
        return f"{job.source}: --to {kind} converts notebooks (.ipynb) (it is already text: use --to ipynb)"
    if job.to == "ipynb" and job.source.suffix == ".ipynb":
        return f"{job.source}: --to ipynb converts text files (.py, .md...) (it is already a notebook: use --to py)"
    return None


def up_to_date_target(job: Job) -> Path | None:
    """The existing target that is at least as new as the source (stat calls only)."""
    if job.force:
        return None
    suffixes: tuple[str, ...] = (".ipynb",)
    if job.to == "report":
        suffixes = (REPORT_SUFFIXES[job.mode],)
    elif job.to == "py":
        from nbgen.convert.formats import is_jupytext

        fixed = _fixed_suffix(job.mode) if is_jupytext(job.mode) else None
        suffixes = (fixed,) if fixed else TEXT_SUFFIXES
    for suffix in suffixes:
        target = target_path(job, suffix)
        if _up_to_date(job.source, target):
            return target
    return None


def _to_text(job: Job) -> Result:
    from nbgen.convert import formats
    from nbgen.convert.ipynb import read_notebook

    nb, notes = read_notebook(job.source)
    target = target_path(job, formats.text_suffix(nb, job.source, job.mode))
    text, warnings = formats.render_text(nb, job.mode)
    notes += [f"{job.source}: warning: {w}" for w in warnings]
    existing = _existing(target)
    if existing is not None and not job.force and not written_by_a_converter(existing):
        raise NotebookError(
            f"{target}: a file of yours is in the way (nbgen and jupytext did not write it: its "
            "header has no 'jupyter:' or 'jupytext:' section); nbgen does not overwrite it: "
            "move it away, or use --force to replace it"
        )
    return _write_if_changed(job, target, text, notes, existing, written_by_a_converter)


def _fixed_suffix(fmt: str) -> str | None:
    from jupytext.formats import long_form_one_format

    ext = str(long_form_one_format(fmt).get("extension", ""))
    return None if ext in ("", ".auto") else ext


def _to_report(job: Job) -> Result:
    """A rendered page (html, images embedded) or markdown (images in NAME_files/), through
    nbconvert's exporters."""
    from nbgen.convert.ipynb import read_notebook
    from nbgen.convert.report import (
        files_folder,
        is_nbgen_page,
        refuse_foreign_page,
        render_report,
        stamped,
        write_report_files,
    )

    nb, notes = read_notebook(job.source)
    target = target_path(job, REPORT_SUFFIXES[job.mode])
    if not job.force:
        refuse_foreign_page(target)
    body, files = render_report(nb, job.mode, target)
    write_report_files(files_folder(target), files, force=job.force)
    page = stamped(body, job.source)
    return _write_if_changed(job, target, page, notes, _existing(target), is_nbgen_page)


def _existing(target: Path) -> bytes | None:
    return read_bytes(target) if target.exists() or target.is_symlink() else None


def _to_notebook(job: Job) -> Result:
    target = target_path(job, ".ipynb")
    from nbgen.convert import formats
    from nbgen.convert.ipynb import check_schema, dumps_notebook, parse_notebook

    text, _style = formats.read_text_file(job.source)
    nb, filtered = formats.parse_text(text, job.source)
    notes: list[str] = []
    existing = _existing(target)
    if existing is not None and not job.force and not _from_a_notebook(text):
        raise NotebookError(
            f"{target}: a notebook of yours is in the way ({job.source} was not made from it: "
            "its header has no 'jupyter:' or 'jupytext:' section); nbgen does not overwrite "
            "it: move it away, or use --force to replace it"
        )
    if existing is not None:
        old, notes = parse_notebook(existing, target)
        from nbgen.convert.merge import merge_into

        nb = merge_into(old, nb, filtered=filtered)
    from nbgen.convert.clean import renderable

    nb = renderable(nb)  # widget state GitHub can render
    check_schema(nb, job.source)
    older = _older_than(job.source, target)
    return _write_if_changed(job, target, dumps_notebook(nb), notes, existing, older)


def _from_a_notebook(text: str) -> bool:
    """A notebook beside a text may be updated from it only if a converter wrote the text
    (from a notebook): a hand-written post.md or helper.py says nothing about post.ipynb."""
    return written_by_a_converter(text.encode("utf-8", "surrogatepass"))


def _older_than(source: Path, target: Path) -> Proof:
    """The proof for updating a notebook from its text: the notebook is older than the text
    (make's rule: nobody edited it since), and the update is a merge that keeps its outputs,
    ids, attachments and the metadata the text does not carry."""
    limit = source.stat().st_mtime_ns

    def proof(_data: bytes) -> bool:
        return target.stat().st_mtime_ns < limit

    return proof


def _write_if_changed(
    job: Job, target: Path, text: str, notes: list[str], existing: bytes | None, proof: Proof
) -> Result:
    """Write ``text`` in the existing file's own style (BOM, line endings), if it changed;
    an existing file is replaced only if it passes ``proof`` (or ``--force``)."""
    style = style_of(existing) if existing is not None else LF
    data = encode_text(text, style, target)
    if existing == data:
        return Result(job.source, target, "unchanged", "\n".join(notes))
    atomic_write_bytes(target, data, proof=proof, force=job.force)
    return Result(job.source, target, "converted", "\n".join(notes))


# The codec loads only when a file really needs converting: a run where everything is up to
# date does a stat or two per file and no more (docs/benchmarks.md).
def run_batch(
    jobs: list[Job], workers: int, progress: Callable[[int, int], None] | None = None
) -> list[Result]:
    """Convert ``jobs`` with up to ``workers`` processes; one failure never stops the rest."""
    results: list[Result] = []
    total = len(jobs)
    # Up-to-date files are settled here with a stat or two; only real work goes to workers.
    pending = []
    for job in jobs:
        wrong = wrong_kind(job)
        target = None if wrong else up_to_date_target(job)
        if wrong:
            results.append(Result(job.source, None, "failed", wrong))
            if progress is not None:
                progress(len(results), total)
        elif target is not None:
            results.append(Result(job.source, target, "unchanged", ""))
            if progress is not None:
                progress(len(results), total)
        else:
            pending.append(job)
    jobs = pending
    if workers <= 1 or len(jobs) < 16:  # a pool costs more than it saves on a few files
        mapped: Iterable[Result] = map(convert_one, jobs)
        return _collect(mapped, total, progress, results)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # only a batch with real work pays for it

    _preload(jobs)
    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        chunk = max(1, len(jobs) // (workers * 8))
        return _collect(pool.map(convert_one, jobs, chunksize=chunk), total, progress, results)


def _preload(jobs: list[Job]) -> None:
    """Import the library the jobs need once, before the workers fork, so each worker does not
    pay for it again (jupytext and nbconvert take a few tenths of a second to import)."""
    from nbgen.convert.formats import is_jupytext

    if any(job.to == "report" for job in jobs):
        import nbconvert  # noqa: F401
    needs_jupytext = (
        (job.to == "py" and is_jupytext(job.mode))
        or (job.to == "ipynb" and job.source.suffix not in TEXT_SUFFIXES)
        for job in jobs
    )
    if any(needs_jupytext):
        import jupytext  # noqa: F401
        import nbformat  # noqa: F401


def _collect(
    mapped: Iterable[Result],
    total: int,
    progress: Callable[[int, int], None] | None,
    results: list[Result],
) -> list[Result]:
    for result in mapped:
        results.append(result)
        if progress is not None:
            progress(len(results), total)
    return results
