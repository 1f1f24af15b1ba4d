"""How often a followed run is asked about: never more often than --poll, a quarter of the time
followed in between, two minutes at most; a finished run's streamed log read to its end; and how
times read."""

from __future__ import annotations

import itertools
from typing import cast

from nbgen.remote.follow import (
    LOG_TAIL_WAIT,
    LONGEST_WAIT,
    Progress,
    clock_text,
    follow,
    poll_interval,
    span_text,
)
from nbgen.runtime.kaggle.kernels import KaggleKernels, KernelRef, KernelState


class FinishedRun:
    """A run that is COMPLETE at the first ask, while its streamed log still has lines on the
    way: ``new_log`` hands out ``arrivals`` one call at a time (then nothing, never the end)."""

    def __init__(self, arrivals: list[tuple[list[str], bool]]) -> None:
        self.arrivals = arrivals
        self.log_calls = 0

    def stream_log(self, ref: KernelRef) -> None:
        pass

    def status(self, ref: KernelRef) -> KernelState:
        return KernelState("COMPLETE", "")

    def new_log(self) -> tuple[list[str], bool]:
        self.log_calls += 1
        return self.arrivals.pop(0) if self.arrivals else ([], False)


def follow_finished(run: FinishedRun) -> tuple[list[str], list[Progress], float]:
    """Follow ``run`` on a clock that only ``sleep`` moves: the lines logged, the progress lines
    shown, and the seconds slept."""
    now = [1000.0]
    logged: list[str] = []
    shown: list[Progress] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    result = follow(
        cast(KaggleKernels, run), KernelRef("me", "train", 2), poll=10.0, stream=True,
        started=now[0] - 60.0, show=shown.append, log=logged.append, clock=lambda: now[0],
        sleep=sleep,
    )  # fmt: skip
    assert result.state.status == "COMPLETE"
    return logged, shown, now[0] - 1000.0


def asks(run_seconds: float, poll: float) -> list[float]:
    """When status requests go out for a run of ``run_seconds``: the first ``poll`` after the
    push, each next one ``poll_interval`` later, the last one the first after the run ended."""
    times = [poll]
    while times[-1] < run_seconds:
        times.append(times[-1] + poll_interval(times[-1], poll))
    return times


def test_never_more_often_than_poll_and_at_most_two_minutes_apart() -> None:
    for elapsed in (0.0, 5.0, 39.0, 41.0, 400.0, 10_000.0):
        assert 10.0 <= poll_interval(elapsed, 10.0) <= LONGEST_WAIT
    assert poll_interval(10_000.0, 300.0) == 300.0  # a --poll above the cap is honoured
    assert poll_interval(1.0, 0.5) == 0.5


def test_a_one_minute_run_is_asked_about_a_few_times_and_seen_soon_after() -> None:
    times = asks(60.0, 10.0)
    assert len(times) <= 8 and times[-1] - 60.0 <= 15.0, times
    six_hours = asks(6 * 3600.0, 10.0)
    assert len(six_hours) < 200 and max(b - a for a, b in itertools.pairwise(six_hours)) == 120.0


def test_times_read_as_a_clock_and_as_a_span() -> None:
    assert [clock_text(s) for s in (0, 41.9, 725, 3723)] == ["00:00", "00:41", "12:05", "1:02:03"]
    assert [span_text(s) for s in (41, 372, 7380)] == ["41s", "6m12s", "2h03m"]


def test_a_finished_runs_log_is_read_to_its_end() -> None:
    run = FinishedRun([([], False), (["epoch 2/3  loss 0.301"], False), (["saved"], False),
                       ([], True), (["never asked for"], False)])  # fmt: skip
    logged, shown, _ = follow_finished(run)
    assert logged == ["epoch 2/3  loss 0.301", "saved"]
    assert shown[-1] == Progress("COMPLETE", 60.0, "saved")
    assert run.log_calls == 4  # it stops at the end of the log


def test_a_log_that_never_ends_is_waited_for_a_bounded_time() -> None:
    logged, shown, slept = follow_finished(FinishedRun([(["last words"], False)]))
    assert logged == ["last words"] and shown[-1].log == "last words"
    assert LOG_TAIL_WAIT <= slept <= LOG_TAIL_WAIT + 0.2
