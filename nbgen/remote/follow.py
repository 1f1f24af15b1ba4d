"""Follow one version of a Kaggle notebook until it finishes: its status asked for with backoff
(never more often than ``poll`` seconds; a quarter of the time followed, up to two minutes,
so a one-minute run is asked about a handful of times and a six-hour one costs a few hundred
requests, not thousands), its log streamed as it grows where the client can, and one progress
line with the time since the push."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

from nbgen.runtime.kaggle.kernels import (
    KERNEL_CANCELLED,
    KERNEL_DONE,
    KaggleKernels,
    KernelRef,
    KernelState,
)
from nbgen.runtime.kaggle.text import KaggleError

LONGEST_WAIT = 120.0  # seconds between two status requests, at most (unless --poll says more)
STATUS_RETRIES = 3  # status requests that may fail in a row (a network blip) before giving up
LOG_TAIL_WAIT = 10.0  # seconds a finished run's streamed log may take to reach its end


class FollowResult(NamedTuple):
    state: KernelState
    seconds: float  # since the push (or since following began)
    requests: int  # status requests made


class Progress(NamedTuple):
    """What the progress line shows."""

    status: str  # "" before the first answer
    seconds: float
    log: str  # the last line of the log so far ("" without a live log)


def poll_interval(elapsed: float, poll: float) -> float:
    """Seconds until the next status request, ``elapsed`` seconds into the run."""
    return max(poll, min(elapsed / 4, max(poll, LONGEST_WAIT)))


def follow(
    kernels: KaggleKernels, ref: KernelRef, *, poll: float, stream: bool, started: float,
    show: Callable[[Progress], None], log: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
) -> FollowResult:  # fmt: skip
    """Ask for ``ref``'s status until it is done (or being cancelled); ``started`` is when
    the run began on ``clock`` (the push), ``show`` draws the progress line, ``log`` gets each
    new log line (only when ``stream``: the client streams a version's log)."""
    if stream:
        kernels.stream_log(ref)
    just_pushed = clock() - started < poll
    next_ask = started + poll if just_pushed else clock()
    status, last_line, requests, failures = "", "", 0, 0
    while True:
        now = clock()
        if now >= next_ask:
            try:
                state = kernels.status(ref)
            except KaggleError:
                failures += 1
                if failures >= STATUS_RETRIES:
                    raise
            else:
                failures, status = 0, state.status
                if status in KERNEL_DONE or status in KERNEL_CANCELLED:
                    done = Progress(status, now - started, last_line)
                    if stream and status in KERNEL_DONE:  # the run's last words may be on the way
                        done = _log_tail(kernels, done, show, log, clock, sleep)
                    show(done)
                    return FollowResult(state, now - started, requests + 1)
            requests += 1
            next_ask = now + poll_interval(now - started, poll)
        if stream:
            lines, ended = kernels.new_log()
            last_line = _show_log(lines, log, last_line)
            if ended:  # the log ends when the run does: ask now, not at the next turn
                next_ask, stream = min(next_ask, now), False
        show(Progress(status, now - started, last_line))
        sleep(max(0.0, min(1.0, next_ask - now)))


def _show_log(lines: list[str], log: Callable[[str], None], last_line: str) -> str:
    """Hand each line to ``log``; the progress line's last line of the log."""
    for line in lines:
        log(line)
    return next((x.strip() for x in reversed(lines) if x.strip()), last_line)


def _log_tail(
    kernels: KaggleKernels, done: Progress, show: Callable[[Progress], None],
    log: Callable[[str], None], clock: Callable[[], float], sleep: Callable[[float], None],
) -> Progress:  # fmt: skip
    """Once the run has finished (``done``), the streamed log up to its end, ``LOG_TAIL_WAIT``
    at most: its last lines may still be on their way when the final status comes. The
    progress line says the run is over meanwhile; Ctrl-C stops only this wait."""
    deadline = clock() + LOG_TAIL_WAIT
    try:
        while True:
            show(done)
            lines, ended = kernels.new_log()
            done = done._replace(log=_show_log(lines, log, done.log))
            if ended or clock() >= deadline:
                return done
            sleep(0.1)
    except KeyboardInterrupt:
        return done


def clock_text(seconds: float) -> str:
    """``00:41``, ``12:05``, ``1:02:03``: elapsed time on the progress line."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
        if hours
        else f"{rest // 60:02d}:{rest % 60:02d}"
    )


def span_text(seconds: float) -> str:
    """``6m12s``, ``41s``, ``2h03m``: how long a run took."""
    whole = round(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"
