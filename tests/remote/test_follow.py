"""How often a followed run is asked about: never more often than --poll, a quarter of the time
followed in between, two minutes at most; a finished run's streamed log read to its end; and how
times read."""

from __future__ import annotations

import itertools
from typing import cast

import pytest

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


class FakeRun:
    """A followed run: ``statuses`` answers the asks in turn (the last one then on), while
    ``new_log`` hands out ``arrivals`` one call at a time (then nothing, never the end); an
    arrival of ``None`` is a Ctrl-C."""

    def __init__(
        self,
        arrivals: list[tuple[list[str], bool] | None],
        statuses: tuple[str, ...] = ("COMPLETE",),
    ) -> None:
        self.arrivals, self.statuses = arrivals, list(statuses)
        self.log_calls = 0

    def stream_log(self, ref: KernelRef) -> None:
        pass

    def status(self, ref: KernelRef) -> KernelState:
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return KernelState(status, "")

    def new_log(self) -> tuple[list[str], bool]:
        self.log_calls += 1
        arrival = self.arrivals.pop(0) if self.arrivals else ([], False)
        if arrival is None:
            raise KeyboardInterrupt
        return arrival


def follow_fake(
    run: FakeRun, *, stream: bool = True
) -> tuple[str, list[str], list[Progress], float]:
    """Follow ``run`` on a clock that only ``sleep`` moves (asked about at once, 60 s after the
    push): the final status, the lines logged, the progress lines shown, the seconds slept."""
    now = [1000.0]
    logged: list[str] = []
    shown: list[Progress] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    try:
        result = follow(
            cast(KaggleKernels, run), KernelRef("me", "train", 2), poll=10.0, stream=stream,
            started=now[0] - 60.0, show=shown.append, log=logged.append, clock=lambda: now[0],
            sleep=sleep,
        )  # fmt: skip
    except KeyboardInterrupt:
        pytest.fail("a Ctrl-C after the run finished stopped following")
    return result.state.status, logged, shown, now[0] - 1000.0


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
    run = FakeRun([([], False), (["epoch 2/3  loss 0.301"], False), (["saved", "bye", ""], False),
                   ([], True), (["never asked for"], False)])  # fmt: skip
    status, logged, shown, _ = follow_fake(run)
    assert status == "COMPLETE" and logged == ["epoch 2/3  loss 0.301", "saved", "bye", ""]
    assert shown[-1] == Progress("COMPLETE", 60.0, "bye")
    assert shown[0] == Progress("COMPLETE", 60.0, "")  # said over while the log comes in
    assert run.log_calls == 4  # it stops at the end of the log


def test_a_failed_runs_last_words_are_read_too() -> None:
    run = FakeRun([(["Traceback (most recent call last):", "ValueError: bad"], False), ([], True)],
                  statuses=("ERROR",))  # fmt: skip
    status, logged, shown, _ = follow_fake(run)
    assert status == "ERROR" and logged[-1] == "ValueError: bad"
    assert shown[-1] == Progress("ERROR", 60.0, "ValueError: bad")


def test_a_log_that_never_ends_is_waited_for_a_bounded_time() -> None:
    _, logged, shown, slept = follow_fake(FakeRun([(["last words"], False)]))
    assert logged == ["last words"] and shown[-1].log == "last words"
    assert LOG_TAIL_WAIT <= slept <= LOG_TAIL_WAIT + 0.2


def test_ctrl_c_while_the_log_ends_stops_only_that_wait() -> None:
    run = FakeRun([(["saved"], False), None, (["never asked for"], False)])
    status, logged, shown, slept = follow_fake(run)
    assert status == "COMPLETE" and logged == ["saved"] and shown[-1].log == "saved"
    assert slept < 1.0


def test_no_wait_without_a_stream_nor_once_it_has_ended_nor_while_cancelling() -> None:
    quiet = FakeRun([(["never asked for"], False)])
    assert follow_fake(quiet, stream=False)[1:] == ([], [Progress("COMPLETE", 60.0, "")], 0.0)
    assert quiet.log_calls == 0
    ended = FakeRun([(["last"], True), (["never asked for"], False)],
                    statuses=("RUNNING", "COMPLETE"))  # fmt: skip
    status, logged, _, slept = follow_fake(ended)
    assert (status, logged, ended.log_calls) == ("COMPLETE", ["last"], 1) and slept < 1.0
    cancelling = FakeRun([(["never asked for"], False)], statuses=("CANCEL_REQUESTED",))
    status, logged, _, slept = follow_fake(cancelling)
    assert (status, logged, slept, cancelling.log_calls) == ("CANCEL_REQUESTED", [], 0.0, 0)
