"""Polling cost and latency of `nbgen kaggle run` (a benchmark, not a test).

    python benchmarks/kaggle_poll.py [--seconds 60] [--poll 10]

Against the loopback Kaggle API stand-in (tests/kaggle_api.py), with the real kaggle client: a
pushed notebook that completes ``--seconds`` after the push. Side by side:

- nbgen: ``nbgen kaggle run NOTEBOOK`` (default --poll 10), until it prints "complete";
- what a user does otherwise: ``kaggle kernels push`` then ``kaggle kernels status`` every
  ``--poll`` seconds until it says COMPLETE (the loop the kaggle docs suggest).

Prints, for each, the status requests the API received and how long after the run completed
its completion was reported; then the request counts both make over a six-hour run (nbgen's
from its backoff, the loop's from its fixed interval). The target: at most 8 requests for a
60-second run, completion reported within 15 s of it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nbgen.remote.follow import poll_interval
from tests.kaggle_api import TOKEN, KaggleStandin, KernelRun, kaggle_standin

KERNEL = "nbgen-user/poll-bench"


def write_notebook(folder: Path) -> Path:
    nb = {"cells": [{"cell_type": "code", "id": "a", "metadata": {}, "source": "print(1)",
                     "outputs": [], "execution_count": None}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    path = folder / "poll-bench.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def environment(state: KaggleStandin, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAGGLE_")}
    return {**env, **state.env, "KAGGLE_API_TOKEN": TOKEN, "HOME": str(home)}


def finished_at(state: KaggleStandin, seconds: float) -> float:
    """When the stand-in's run turned COMPLETE: ``seconds`` after the push."""
    started = state.kernels[KERNEL][-1].started_at
    assert started is not None
    return started + seconds


def run_nbgen(state: KaggleStandin, folder: Path, seconds: float, poll: float) -> tuple[int, float]:
    before = len(state.status_times)
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbgen", "kaggle", "run", "poll-bench.ipynb", "--poll", str(poll),
         "-o", "out"], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=environment(state, folder),
    )  # fmt: skip
    assert proc.stdout is not None
    reported = 0.0
    for line in proc.stdout:
        if line.startswith("complete") and not reported:
            reported = time.monotonic()
    proc.wait()
    done = finished_at(state, seconds)
    return len(state.status_times) - before, reported - done


def run_loop(state: KaggleStandin, folder: Path, seconds: float, poll: float) -> tuple[int, float]:
    kaggle = [sys.executable, "-c", "from kaggle.cli import main; main()"]
    env = environment(state, folder)
    push = folder / "push"
    push.mkdir()
    write_notebook(push)
    (push / "kernel-metadata.json").write_text(json.dumps({
        "id": KERNEL, "title": "poll bench", "code_file": "poll-bench.ipynb", "language": "python",
        "kernel_type": "notebook",
    }))  # fmt: skip
    subprocess.run([*kaggle, "kernels", "push", "-p", str(push)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    before = len(state.status_times)
    while True:
        out = subprocess.run([*kaggle, "kernels", "status", KERNEL], env=env, capture_output=True,
                             text=True, check=False).stdout  # fmt: skip
        if "COMPLETE" in out:
            reported = time.monotonic()
            break
        time.sleep(poll)
    done = finished_at(state, seconds)
    return len(state.status_times) - before, reported - done


def six_hour_requests(poll: float) -> int:
    t, count = poll, 1
    while t < 6 * 3600:
        t += poll_interval(t, poll)
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the run takes")
    parser.add_argument(
        "--poll", type=float, default=10.0, help="nbgen's --poll and the loop's sleep"
    )
    args = parser.parse_args()
    plan = [(0.0, "QUEUED"), (2.0, "RUNNING"), (args.seconds, "COMPLETE")]
    rows = []
    for name, runner in (("nbgen kaggle run", run_nbgen), ("kaggle kernels status loop", run_loop)):
        state = KaggleStandin(next_run=KernelRun(plan=plan, files={"model.pt": b"w"}),
                              clock_from_push=True)  # fmt: skip
        with kaggle_standin(state), tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_notebook(folder)
            requests, late = runner(state, folder, args.seconds, args.poll)
        rows.append((name, requests, late))
    print(f"a run of {args.seconds:g} s, poll {args.poll:g} s (loopback stand-in, real client)")
    print(f"{'':28} {'status requests':>16} {'reported after':>15}")
    for name, requests, late in rows:
        print(f"{name:28} {requests:>16} {late:>13.1f} s")
    loop = int(6 * 3600 / args.poll) + 1
    nbgen = six_hour_requests(args.poll)
    print(f"six-hour run: nbgen {nbgen} requests, the loop {loop} (ratio {nbgen / loop:.3f})")


if __name__ == "__main__":
    main()
