"""Never lose a training run: a generated notebook with the setup cells and a tiny model runs
under `nbgen run --platform colab`; the test SIGKILLs the kernel at three moments (between two
saves, during a save held by a slow Drive, right as a save starts), deletes the runtime's local
disk but not Drive (a recycled runtime), and runs "Run all" again. Every step's loss must equal
the uninterrupted run's bit for bit, and no sample may be missing or repeated in an epoch.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_nbgen

pytestmark = pytest.mark.slow
TOTAL, SAMPLES, BATCH = 36, 48, 8  # 6 batches an epoch, 6 epochs
TRAIN = f"""\
import json, os, random, time
import numpy as np
import torch
from torch import nn

random.seed(0); np.random.seed(0); torch.manual_seed(0)
data = torch.utils.data.TensorDataset(torch.randn({SAMPLES}, 8), torch.randint(0, 3, ({SAMPLES},)),
                                      torch.arange({SAMPLES}))
model = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.2), nn.ReLU(), nn.Linear(16, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
ckpt = nbgen.Checkpoints(CHECKPOINT_NAME, model=model, optimizer=optimizer, scheduler=scheduler,
                         every=5, keep=2)
start = ckpt.resume()
loader = ckpt.loader(data, batch_size={BATCH}, shuffle=True, seed=0)
with open(os.environ["CKPT_TEST_LOG"], "a") as log:
    log.write(json.dumps({{"pid": os.getpid(), "start": start}}) + "\\n"); log.flush()
    for step, (x, y, ids) in zip(range(start, {TOTAL}), loader):
        noise = 1 + 0.01 * random.random() + 0.01 * float(np.random.rand())
        loss = nn.functional.cross_entropy(model(x), y) * noise
        optimizer.zero_grad(); loss.backward(); optimizer.step(); scheduler.step()
        ckpt.step(step, loss=loss)
        log.write(json.dumps({{"pid": os.getpid(), "step": step, "loss": loss.item().hex(),
                              "ids": ids.tolist(), "epoch": ckpt.epoch}}) + "\\n"); log.flush()
        time.sleep(0.1)
ckpt.save(step, final=True)
"""


def make_notebook(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = folder / "train.ipynb"
    made = run_nbgen("new", "-o", str(nb), "--project", "proj", "--no-bench",
                     "--no-import-notebooks", "--checkpoints", "tiny", cwd=folder)  # fmt: skip
    assert made.returncode == 0, made.stderr
    data = json.loads(nb.read_text())
    data["cells"].append({"cell_type": "code", "execution_count": None, "id": "train",
                          "metadata": {}, "outputs": [], "source": TRAIN})  # fmt: skip
    nb.write_text(json.dumps(data))
    return nb


class Runtime:
    """One folder with a notebook, its Drive (outside the runtime's disk) and a step log."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.nb = folder, make_notebook(folder)
        self.drive, self.log, self.faults = folder / "MyDrive", folder / "log", folder / "faults"
        self.runs = self.drive / "proj" / "checkpoints" / "tiny"
        self.faults.write_text("")

    def start(self) -> subprocess.Popen[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KAGGLE_", "COLAB_"))}
        env.update(CKPT_TEST_LOG=str(self.log), NBGEN_STANDIN_DRIVE_FAULTS=str(self.faults))
        return subprocess.Popen([sys.executable, "-m", "nbgen", "run", str(self.nb), "--drive",
                                 str(self.drive)], cwd=self.folder, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip

    def rows(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines(keepends=True)
                if line.endswith("\n")]  # fmt: skip

    def newest_on_drive(self) -> int:
        manifest = json.loads((self.runs / "manifest.json").read_text())
        return int(max(manifest["entries"], key=lambda e: e["seq"])["step"])

    def recycle(self) -> None:
        """A new runtime: the local disk (/content, the local checkpoint copies) is gone."""
        shutil.rmtree(self.folder / ".nbgen-run")

    def temporary(self) -> list[Path]:
        return [p for p in self.runs.glob(".step-*.tmp.pt") if p.stat().st_size > 0]


def kill_when(
    runtime: Runtime, ready: Callable[[list[dict[str, Any]]], bool], timeout: float = 600
) -> list[dict[str, Any]]:
    """Start "Run all", SIGKILL the kernel once ``ready(rows of this run)``; its rows."""
    before = len(runtime.rows())
    proc = runtime.start()
    deadline = time.monotonic() + timeout
    while True:
        rows = runtime.rows()[before:]
        if rows and ready(rows):
            os.kill(rows[0]["pid"], signal.SIGKILL)
            break
        assert proc.poll() is None, f"the run ended before the kill: {proc.communicate()}"
        assert time.monotonic() < deadline, "the notebook never got there"
        time.sleep(0.02)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "DeadKernelError" in err, err
    return runtime.rows()[before:]


def run_to_the_end(runtime: Runtime) -> tuple[list[dict[str, Any]], str]:
    before = len(runtime.rows())
    proc = runtime.start()
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    executed = json.loads((runtime.folder / "train.run.ipynb").read_text())
    text = "".join("".join(o.get("text", "")) for c in executed["cells"]
                   for o in c.get("outputs", []))  # fmt: skip
    return runtime.rows()[before:], text


def steps_of(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["step"]: row for row in rows if "step" in row}


def test_a_run_killed_three_times_gives_the_losses_of_one_that_never_stopped(
    tmp_path: Path,
) -> None:
    full_rows, _ = run_to_the_end(Runtime(tmp_path / "full"))
    full = steps_of(full_rows)
    assert sorted(full) == list(range(TOTAL))
    for epoch in range(TOTAL // 6):
        ids = [i for s in range(epoch * 6, epoch * 6 + 6) for i in full[s]["ids"]]
        assert sorted(ids) == list(range(SAMPLES))

    cut = Runtime(tmp_path / "cut")
    runs = [kill_when(cut, lambda rows: max(steps_of(rows), default=-1) >= 7)]  # between saves
    cut.recycle()
    expected_starts = [0, cut.newest_on_drive()]

    cut.faults.write_text("slow:2000")  # Drive at 2 KB/s: a 20 KB checkpoint takes 10 s

    def copying(rows: list[dict[str, Any]]) -> bool:
        # a save is being copied to Drive, and training went on meanwhile (steps after it)
        done = steps_of(rows)
        return bool(cut.temporary()) and max(done, default=-1) >= expected_starts[-1] + 7

    runs.append(kill_when(cut, copying))
    held = cut.temporary()
    assert held, "the kill came after the copy"
    cut.faults.write_text("")
    cut.recycle()
    expected_starts.append(cut.newest_on_drive())
    assert expected_starts[-1] == expected_starts[-2]  # the half-copied save never counted

    def saving(rows: list[dict[str, Any]]) -> bool:  # a save starts right after step 14
        return max(steps_of(rows), default=-1) >= 14

    runs.append(kill_when(cut, saving))
    cut.recycle()
    expected_starts.append(cut.newest_on_drive())
    last, text = run_to_the_end(cut)
    runs.append(last)

    assert [run[0]["start"] for run in runs] == expected_starts
    assert expected_starts[1] > 0 and expected_starts[3] >= 10
    story: dict[int, dict[str, Any]] = {}
    for run in runs:
        for step, row in steps_of(run).items():
            assert (row["loss"], row["ids"]) == (full[step]["loss"], full[step]["ids"]), step
            story[step] = row
    assert sorted(story) == list(range(TOTAL))
    for start in expected_starts[1:]:  # the epoch each resume landed in: every sample once
        epoch = start // 6
        ids = [i for s in range(epoch * 6, epoch * 6 + 6) for i in story[s]["ids"]]
        assert sorted(ids) == list(range(SAMPLES))
    assert text.count("Resumed 'tiny' from ") == 1 and "Final checkpoint of 'tiny': step 36" in text
    assert "Drive flushed: every checkpoint has reached Google Drive." in text
    names = sorted(p.name for p in cut.runs.iterdir())
    assert names == [".nbgen-owned", "manifest.json", "metrics.jsonl", "step-00000035.pt",
                     "step-00000036.pt"]  # fmt: skip
    assert not any(p.exists() for p in held)  # the killed copy's leftover is gone
