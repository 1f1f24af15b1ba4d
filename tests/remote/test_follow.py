"""How often a followed run is asked about: never more often than --poll, a quarter of the time
followed in between, two minutes at most; and how times read."""

from __future__ import annotations

import itertools

from nbgen.remote.follow import LONGEST_WAIT, clock_text, poll_interval, span_text


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
