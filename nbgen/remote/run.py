"""``nbgen kaggle run`` as library calls: everything checked before anything is pushed, the
push, following the version it created, and that version's outputs fetched. Each call returns
what happened; the command prints it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from nbgen.errors import NbgenError, UsageError
from nbgen.generate.kernel import KAGGLE_GPUS, KernelSources, KernelTarget, gpu_key
from nbgen.remote.fetch import FetchResult
from nbgen.remote.folder import PushedNotebook
from nbgen.remote.follow import FollowResult
from nbgen.runtime.kaggle.kernels import (
    KaggleKernels,
    KernelClient,
    KernelPush,
    KernelRef,
    KernelRefused,
)
from nbgen.runtime.kaggle.text import KaggleError


@dataclass
class RunOptions:
    """What ``nbgen kaggle run NOTEBOOK`` was asked."""

    notebook: Path
    kernel_id: str = ""  # OWNER/SLUG; "" for the signed-in user and the notebook's name
    gpu: str = "t4"
    data: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # gitignore-style; none: every file
    output: Path | None = None  # -o; None: kaggle-output/<slug>/v<version>
    internet: bool = True
    public: bool = False
    setup: bool = False
    secrets: list[str] = field(default_factory=list)
    poll: float = 10.0
    force: bool = False  # replace files of the user's in -o


class Prepared(NamedTuple):
    pushed: PushedNotebook
    sources: KernelSources
    slug: str  # from --id, or the notebook's name
    gpu: str  # a KAGGLE_GPUS key


class Outcome(NamedTuple):
    """How a followed version ended."""

    follow: FollowResult
    fetched: FetchResult | None  # None unless it completed
    failure: str  # "" when it completed


def check_poll(poll: float) -> float:
    if not poll > 0:
        raise UsageError(f"--poll {poll}: give the seconds between status requests (default 10)")
    return poll


def check_patterns(patterns: list[str]) -> list[str]:
    """``--outputs`` patterns, as lines of a .gitignore; a broken one is named now."""
    import pathspec

    for pattern in patterns:
        if not pattern.strip() or "\n" in pattern or "\r" in pattern:
            raise UsageError(f"--outputs {pattern!r}: give a pattern, e.g. 'checkpoints/**'")
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except (ValueError, TypeError) as exc:
            raise UsageError(f"--outputs {pattern!r}: not a .gitignore pattern ({exc})") from None
    return patterns


def prepare(options: RunOptions) -> Prepared:
    """Every check that needs no network, so that a bad input pushes nothing."""
    from nbgen.generate.kernel import kernel_sources
    from nbgen.remote.fetch import check_folder
    from nbgen.remote.folder import (
        check_kernel_id,
        check_secrets,
        default_slug,
        pushed_copy,
        read_user_notebook,
    )

    nb = read_user_notebook(options.notebook)
    gpu = gpu_key(options.gpu)
    slug = (check_kernel_id(options.kernel_id).split("/")[1] if options.kernel_id
            else default_slug(options.notebook))  # fmt: skip
    check_poll(options.poll)
    check_patterns(options.outputs)
    if options.output is not None:
        check_folder(options.output, force=options.force)
    sources = kernel_sources(options.data)
    pushed = pushed_copy(nb, options.notebook, setup=options.setup, data=options.data)
    check_secrets(pushed.notebook, options.secrets, options.notebook)
    return Prepared(pushed, sources, slug, gpu)


@contextmanager
def kaggle_kernels(lang: str = "en") -> Iterator[KaggleKernels]:
    """The kaggle client, signed in with the first credentials found, in a child process."""
    from nbgen.runtime.kaggle.creds import find_kaggle_credentials
    from nbgen.runtime.kaggle.session import KaggleSession
    from nbgen.runtime.kaggle.text import kaggle_text

    creds = find_kaggle_credentials(".", lang, allow_upload=False)
    try:
        with KaggleSession(creds, lang) as session:
            yield KaggleKernels(session)
    except KaggleError as exc:
        if str(exc) == kaggle_text(lang)["no_client"]:
            raise NbgenError("nbgen kaggle needs the kaggle client, which does not import here; "
                             "pip install 'nbgen[kaggle]'") from None  # fmt: skip
        raise


def push(
    kernels: KaggleKernels, client: KernelClient, prepared: Prepared, options: RunOptions
) -> tuple[KernelPush, KernelTarget]:
    """Push the prepared copy; the version it made, and what it was pushed as."""
    from nbgen.remote.folder import check_no_values, push_folder, secret_values

    owner = options.kernel_id.split("/")[0] if options.kernel_id else client.user
    if not owner:
        raise UsageError("Kaggle did not say which account these credentials are: pass --id "
                         "OWNER/SLUG")  # fmt: skip
    kernel = f"{owner}/{prepared.slug}"
    target = KernelTarget(
        kernel, prepared.slug.replace("-", " "), f"{prepared.slug}.ipynb", gpu=prepared.gpu,
        internet=options.internet, private=not options.public, sources=prepared.sources,
    )  # fmt: skip
    credentials = {k: v for k, v in kernels.session.creds.env.items() if k != "KAGGLE_USERNAME"}
    secrets = {**credentials, **secret_values(os.environ, options.secrets)}
    check_no_values(prepared.pushed.notebook, secrets, options.notebook)
    with push_folder(prepared.pushed.notebook, target) as folder:
        try:
            return kernels.push(str(folder), kernel), target
        except KernelRefused as exc:
            raise KaggleError(refusal(kernels, kernel, str(exc), exc.reason)) from None


def refusal(kernels: KaggleKernels, kernel: str, message: str, reason: str) -> str:
    """A refused push, with the remedy when Kaggle's reason is the quota or verification."""
    from nbgen.remote.failure import PHONE_RE, PHONE_REMEDY, QUOTA_RE, quota_line

    if QUOTA_RE.search(reason):
        return quota_line(kernel, reason, kernels.quota())
    return f"{message.rstrip('.')}. {PHONE_REMEDY}" if PHONE_RE.search(reason) else message


def pushed_summary(pushed: KernelPush, target: KernelTarget) -> str:
    """``pushed me/train (version 7) with GPU T4 x2, Internet on, 1 competition attached``."""
    gpu = KAGGLE_GPUS[target.gpu][1]
    parts = [gpu, "Internet on" if target.internet else "Internet off", target.sources.summary()]
    return f"pushed {pushed.ref.id} (version {pushed.ref.version}) with " + ", ".join(
        p for p in parts if p
    )


def finish(
    kernels: KaggleKernels, result: FollowResult, ref: KernelRef, *, folder: Path,
    patterns: list[str], force: bool, internet: bool | None = None,
    pushed: PushedNotebook | None = None, notebook: str = "",
    report: Callable[[str], None] = print,
) -> Outcome:  # fmt: skip
    """A completed version's outputs fetched into ``folder``; for any other end, why."""
    from nbgen.remote.fetch import fetch

    if result.state.status != "COMPLETE":
        why = explain_end(kernels, ref, result.state, internet=internet, pushed=pushed,
                          notebook=notebook)  # fmt: skip
        return Outcome(result, None, why)
    outputs = kernels.outputs(ref)
    return Outcome(result, fetch(outputs, ref, folder, patterns, force=force, report=report), "")


def explain_end(
    kernels: KaggleKernels, ref: KernelRef, state: Any, *, internet: bool | None,
    pushed: PushedNotebook | None, notebook: str,
) -> str:  # fmt: skip
    """Why ``ref`` ended as it did, from its executed notebook and log (and the quota)."""
    from nbgen.remote.failure import EXECUTED_NOTEBOOK, QUOTA_RE, explain, read_executed
    from nbgen.remote.fetch import read_small
    from nbgen.runtime.kaggle.kernels import KERNEL_CANCELLED

    executed, log = None, ""
    if state.status not in KERNEL_CANCELLED:
        outputs = kernels.outputs(ref)
        log = outputs.log
        item = next((f for f in outputs.files if f.name == EXECUTED_NOTEBOOK), None)
        executed = read_executed(read_small(item)) if item else None
    quota = kernels.quota() if QUOTA_RE.search(state.failure) else None
    return explain(ref, state, executed=executed, log=log, internet=internet, quota=quota,
                   user_ids=pushed.user_ids if pushed and pushed.setup_cells else None,
                   notebook=notebook)  # fmt: skip
