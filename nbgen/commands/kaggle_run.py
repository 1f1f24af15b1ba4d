"""`nbgen kaggle run | status | fetch`: a notebook on Kaggle's GPUs, followed, its outputs back."""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from nbgen.errors import NbgenError, UsageError
from nbgen.remote.fetch import FetchResult
from nbgen.remote.folder import PushedNotebook
from nbgen.remote.follow import Progress
from nbgen.remote.run import RunOptions
from nbgen.runtime.kaggle.kernels import KaggleKernels, KernelClient, KernelRef

_STATUS_WORDS = {"QUEUED": "queued", "RUNNING": "running", "COMPLETE": "complete",
                 "ERROR": "failed", "CANCEL_REQUESTED": "cancelling",
                 "CANCEL_ACKNOWLEDGED": "cancelled", "NEW_SCRIPT": "starting", "": "pushed"}  # fmt: skip


def add_arguments(sub: Any) -> None:
    run = sub.add_parser("run", help="run a notebook on Kaggle's GPUs, follow it, fetch its outputs")  # fmt: skip
    run.add_argument("notebook", nargs="?", type=Path, help="the notebook to run (.ipynb)")
    run.add_argument("--follow", metavar="OWNER/SLUG", help="follow a run pushed before (no push)")
    run.add_argument("--version", type=int, metavar="N", help="with --follow: the version to follow")  # fmt: skip
    run.add_argument("--gpu", default="t4", help="t4 (default), t4x2, l4, a100, h100 or none")
    run.add_argument("--data", action="append", default=[], metavar="REF", help="Kaggle data to attach, as kaggle.com gives it (repeatable)")  # fmt: skip
    run.add_argument("--outputs", action="append", default=[], metavar="GLOB", help="fetch only outputs matching this .gitignore-style pattern (repeatable)")  # fmt: skip
    run.add_argument("-o", "--output", type=Path, metavar="DIR", help="where outputs go (default: kaggle-output/SLUG/vN)")  # fmt: skip
    run.add_argument("--id", dest="kernel_id", default="", metavar="OWNER/SLUG", help="the notebook's id on Kaggle (default: you/NOTEBOOK-NAME)")  # fmt: skip
    run.add_argument("--public", action="store_true", help="make the notebook public (default: private)")  # fmt: skip
    run.add_argument("--no-internet", dest="internet", action="store_false", help="run with the Internet off")  # fmt: skip
    run.add_argument("--setup", action="store_true", help="put nbgen's setup cells first in the pushed copy")  # fmt: skip
    run.add_argument("--secret", action="append", default=[], metavar="NAME", help="a Kaggle Secret the notebook reads (repeatable)")  # fmt: skip
    run.add_argument("--poll", type=float, default=10.0, metavar="SECONDS", help="seconds between status requests, at least (default 10)")  # fmt: skip
    run.add_argument("--no-wait", dest="wait", action="store_false", help="push and return")
    run.add_argument("--force", action="store_true", help="replace files of yours in -o")
    status = sub.add_parser("status", help="the status of a notebook run on Kaggle")
    status.add_argument("kernel", metavar="OWNER/SLUG", help="the notebook (OWNER/SLUG[/VERSION])")
    status.add_argument("--version", type=int, metavar="N", help="that version (default: newest)")
    fetch = sub.add_parser("fetch", help="fetch the outputs of a notebook run on Kaggle")
    fetch.add_argument("kernel", metavar="OWNER/SLUG", help="the notebook (OWNER/SLUG[/VERSION])")
    fetch.add_argument("--version", type=int, metavar="N", help="that version (default: the newest finished)")  # fmt: skip
    fetch.add_argument("--outputs", action="append", default=[], metavar="GLOB", help="only outputs matching this pattern (repeatable)")  # fmt: skip
    fetch.add_argument("-o", "--output", type=Path, metavar="DIR", help="where they go (default: kaggle-output/SLUG/vN)")  # fmt: skip
    fetch.add_argument("--force", action="store_true", help="replace files of yours in -o")


def run(args: argparse.Namespace) -> int:
    if args.kaggle_command == "status":
        return status(args.kernel, version=args.version)
    if args.kaggle_command == "fetch":
        return fetch(args.kernel, version=args.version, patterns=args.outputs, output=args.output,
                     force=args.force)  # fmt: skip
    if args.follow is not None:
        if args.notebook is not None:
            raise UsageError("give a notebook to push, or --follow OWNER/SLUG, not both")
        return follow_version(args.follow, version=args.version, patterns=args.outputs,
                      output=args.output, poll=args.poll, force=args.force)  # fmt: skip
    if args.notebook is None:
        raise UsageError("give the notebook to run (nbgen kaggle run train.ipynb), or "
                         "--follow OWNER/SLUG")  # fmt: skip
    if args.version is not None:
        raise UsageError("--version goes with --follow: a push makes a new version")
    options = RunOptions(
        args.notebook, kernel_id=args.kernel_id, gpu=args.gpu, data=args.data,
        outputs=args.outputs, output=args.output, internet=args.internet, public=args.public,
        setup=args.setup, secrets=args.secret, poll=args.poll, force=args.force,
    )  # fmt: skip
    return run_notebook(options, wait=args.wait)


def run_notebook(options: RunOptions, *, wait: bool = True) -> int:
    """Push ``options.notebook``, follow the version it made, fetch its outputs."""
    from nbgen.commands.kaggle import require_kaggle_client
    from nbgen.remote.fetch import default_folder
    from nbgen.remote.run import kaggle_kernels, prepare, push, pushed_summary

    require_kaggle_client()
    prepared = prepare(options)  # nothing pushed unless every input is good
    with kaggle_kernels() as kernels:
        client = kernels.client()
        try:
            pushed, target = push(kernels, client, prepared, options)
        except KeyboardInterrupt:
            print("interrupted during the push: it may have reached Kaggle; see "
                  "nbgen kaggle status OWNER/SLUG", file=sys.stderr)  # fmt: skip
            return 130
        started = time.monotonic()
        print(pushed_summary(pushed, target))
        print(f"  {pushed.url}")
        for kind, names in pushed.invalid.items():
            print(f"note: Kaggle could not attach {', '.join(names)} ({kind.replace('_', ' ')})")
        if options.secrets:
            print(secrets_line(pushed.ref, options.secrets))
        folder = options.output or default_folder(pushed.ref)
        again = follow_command(pushed.ref, options.outputs, options.output, options.poll)
        if not wait:
            print(f"not waiting; follow it with: {again}")
            return 0
        return _follow(kernels, client, pushed.ref, started, folder, options, again,
                       pushed=prepared.pushed)  # fmt: skip


def follow_version(
    kernel: str, *, version: int | None, patterns: list[str], output: Path | None, poll: float,
    force: bool,
) -> int:  # fmt: skip
    """Follow a version pushed before; fetch its outputs when it completes."""
    from nbgen.commands.kaggle import require_kaggle_client
    from nbgen.remote.fetch import check_folder, default_folder
    from nbgen.remote.run import check_patterns, check_poll, kaggle_kernels

    ref = kernel_ref(kernel, version)
    check_poll(poll)
    check_patterns(patterns)
    folder = output or default_folder(ref)
    check_folder(folder, force=force)
    require_kaggle_client()
    options = RunOptions(Path(), outputs=patterns, output=output, poll=poll, force=force)
    with kaggle_kernels() as kernels:
        client = kernels.client()
        again = follow_command(ref, patterns, output, poll)
        return _follow(kernels, client, ref, time.monotonic(), folder, options, again, pushed=None)


def _follow(
    kernels: KaggleKernels, client: KernelClient, ref: KernelRef, started: float, folder: Path,
    options: RunOptions, again: str, *, pushed: PushedNotebook | None,
) -> int:  # fmt: skip
    """Follow ``ref`` (``pushed`` is the copy this command pushed, None when following a run
    pushed before) and finish: its outputs, or why it did not complete."""
    from nbgen.remote.follow import follow, span_text
    from nbgen.remote.run import finish

    if not client.streams:
        print(f"note: kaggle {client.version} cannot stream a run's log, so only its status is "
              "shown (a newer client shows the log as it grows: pip install -U kaggle)")  # fmt: skip
    line = ProgressLine()
    try:
        result = follow(kernels, ref, poll=options.poll, stream=client.streams, started=started,
                        show=line.show, log=line.log)  # fmt: skip
    except KeyboardInterrupt:
        line.end()
        print(f"stopped following; {ref} goes on running at Kaggle. Follow it again: {again}",
              file=sys.stderr)  # fmt: skip
        return 130
    line.end()
    outcome = finish(
        kernels, result, ref, folder=folder, patterns=options.outputs, force=options.force,
        internet=options.internet if pushed else None, pushed=pushed,
        notebook=str(options.notebook) if pushed else "",
    )  # fmt: skip
    if outcome.failure:
        print(f"nbgen kaggle run: error: {outcome.failure}", file=sys.stderr)
        if result.state.status == "ERROR":
            print(f"what it wrote before failing: {fetch_command(ref)}", file=sys.stderr)
        return 1
    took = span_text(result.seconds)
    said = f"complete in {took}" if pushed else f"complete (followed for {took})"
    assert outcome.fetched is not None
    print(f"{said}; {fetched_text(outcome.fetched, options.outputs)}")
    return 0


def status(kernel: str, *, version: int | None) -> int:
    """Print the status of one version (the newest without ``version``)."""
    from nbgen.commands.kaggle import require_kaggle_client
    from nbgen.remote.run import explain_end, kaggle_kernels

    ref = kernel_ref(kernel, version)
    require_kaggle_client()
    with kaggle_kernels() as kernels:
        state = kernels.status(ref)
        word = _STATUS_WORDS.get(state.status, state.status.lower())
        if state.status == "COMPLETE":
            print(f"{ref}: complete; its outputs: {fetch_command(ref)}")
        elif state.status in ("QUEUED", "RUNNING", "NEW_SCRIPT"):
            print(f"{ref}: {word}; follow it: {follow_command(ref, [], None, 10.0)}")
        else:
            why = explain_end(kernels, ref, state, internet=None, pushed=None, notebook="")
            print(f"{ref}: {word}\n{why}")
    return 0


def fetch(
    kernel: str, *, version: int | None, patterns: list[str], output: Path | None, force: bool
) -> int:
    """Fetch the outputs of one finished version (the newest finished without ``version``)."""
    from nbgen.commands.kaggle import require_kaggle_client
    from nbgen.remote.fetch import check_folder, default_folder
    from nbgen.remote.fetch import fetch as fetch_outputs
    from nbgen.remote.run import check_patterns, kaggle_kernels
    from nbgen.runtime.kaggle.kernels import KERNEL_CANCELLED, KERNEL_DONE

    ref = kernel_ref(kernel, version)
    check_patterns(patterns)
    folder = output or default_folder(ref)
    check_folder(folder, force=force)
    require_kaggle_client()
    with kaggle_kernels() as kernels:
        if ref.version is not None:
            state = kernels.status(ref)
            if state.status not in KERNEL_DONE and state.status not in KERNEL_CANCELLED:
                word = _STATUS_WORDS.get(state.status, state.status.lower())
                raise NbgenError(f"{ref} is {word}: its outputs come when it ends; follow it: "
                                 f"{follow_command(ref, patterns, output, 10.0)}")  # fmt: skip
            failed = state.status == "ERROR"
        else:
            failed = False
        result = fetch_outputs(kernels.outputs(ref), ref, folder, patterns, force=force)
    print(f"{ref}: {fetched_text(result, patterns)}")
    if failed:
        print(
            f"note: {ref} did not complete; why: nbgen kaggle status {ref.id} --version {ref.version}"
        )
    return 0


def kernel_ref(kernel: str, version: int | None) -> KernelRef:
    """OWNER/SLUG, OWNER/SLUG/N or a kaggle.com/code/OWNER/SLUG address, and ``--version``."""
    from nbgen.remote.folder import check_kernel_id

    text = re.sub(r"^(https?://)?(www\.)?kaggle\.com/code/", "", kernel.strip()).split("?")[0]
    parts = text.strip("/").split("/")
    if len(parts) == 3 and re.fullmatch(r"v?\d+", parts[2]):
        version = version if version is not None else int(parts[2].lstrip("v"))
        parts = parts[:2]
    owner, slug = check_kernel_id("/".join(parts), flag="OWNER/SLUG").split("/")
    if version is not None and version < 1:
        raise UsageError(f"--version {version}: versions count from 1")
    return KernelRef(owner, slug, version)


def follow_command(ref: KernelRef, patterns: list[str], output: Path | None, poll: float) -> str:
    words = ["nbgen", "kaggle", "run", "--follow", ref.id]
    words += ["--version", str(ref.version)] if ref.version else []
    words += [w for p in patterns for w in ("--outputs", p)]
    words += ["-o", str(output)] if output is not None else []
    words += ["--poll", f"{poll:g}"] if poll != 10.0 else []
    return shlex.join(words)


def fetch_command(ref: KernelRef) -> str:
    version = ["--version", str(ref.version)] if ref.version else []
    return shlex.join(["nbgen", "kaggle", "fetch", ref.id, *version])


def secrets_line(ref: KernelRef, names: list[str]) -> str:
    return (f"Kaggle Secrets this notebook reads: {', '.join(names)}. The API cannot attach "
            f"them: open https://www.kaggle.com/code/{ref.id}/edit, Add-ons > Secrets, add "
            "each and switch it on for this notebook (once: later versions keep them).")  # fmt: skip


def fetched_text(result: FetchResult, patterns: list[str]) -> str:
    """``3 files of 41 match --outputs: out/a.pt ...``, with the log's place."""
    from nbgen.remote.fetch import relative

    shown = [relative(result.folder / name) for name in result.fetched[:3]]
    more = " ..." if len(result.fetched) > 3 else ""
    files = f"{', '.join(shown)}{more}" if shown else "nothing fetched"
    count = f"{len(result.fetched)} file{'' if len(result.fetched) == 1 else 's'}"
    if patterns:
        verb = "matches" if len(result.fetched) == 1 else "match"
        text = f"{count} of {result.listed} {verb} --outputs: {files}"
    else:
        text = f"{count}: {files}"
    if result.log:
        text += f"; log: {relative(result.folder / result.log)}"
    return text


class ProgressLine:
    """The progress line: redrawn in place on a terminal; elsewhere (a log file, CI) one line
    per change of status, and the log's lines as they come."""

    def __init__(self) -> None:
        self.tty = sys.stdout.isatty()
        self.drawn = False
        self.status: str | None = None

    def show(self, progress: Progress) -> None:
        from nbgen.remote.follow import clock_text

        word = _STATUS_WORDS.get(progress.status, progress.status.lower())
        text = f"{word} ... {clock_text(progress.seconds)}"
        if progress.log:
            text += f'  "{progress.log[:70]}"'
        if self.tty:
            width = shutil.get_terminal_size((100, 24)).columns - 1  # never wraps: redrawn in place
            sys.stdout.write(f"\r{text[:width]:<{width}}")
            sys.stdout.flush()
            self.drawn = True
        elif progress.status and progress.status != self.status:
            print(text, flush=True)
        self.status = progress.status

    def log(self, line: str) -> None:
        if not self.tty and line.strip():
            print(f"  | {line}", flush=True)

    def end(self) -> None:
        if self.drawn:
            sys.stdout.write("\n")
            self.drawn = False
