"""torchrun, 2 processes on gloo (CPU): rank 0 writes, every rank resumes from the same
checkpoint with its own random state, and the loader gives the ranks disjoint shards that
together are the whole data set, as DistributedSampler does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow
SCRIPT = """\
import hashlib, json, sys
import torch, torch.distributed as dist
from torch import nn
from nbgen.runtime.training.checkpoints import Checkpoints

def digest(tensors):
    h = hashlib.sha256()
    for t in tensors:
        h.update(t.detach().contiguous().numpy().tobytes())
    return h.hexdigest()

def state(model, optimizer):
    moments = [v for s in optimizer.state.values() for k, v in sorted(s.items()) if k != "step"]
    return {"model": digest(model.state_dict().values()), "optimizer": digest(moments),
            "rng": digest([torch.get_rng_state()])}

dist.init_process_group("gloo")
rank, phase = dist.get_rank(), sys.argv[1]
torch.manual_seed(0)
data = torch.utils.data.TensorDataset(torch.randn(20, 4), torch.randn(20, 1), torch.arange(20))
model = nn.parallel.DistributedDataParallel(
    nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.3), nn.Linear(8, 1)))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
torch.manual_seed(100 + rank)  # each rank its own random stream: dropout differs by rank
ckpt = Checkpoints("ddp", model=model, optimizer=optimizer, every=3, keep=2)
start = ckpt.resume()
report = {"rank": rank, "start": start, "at_start": state(model, optimizer), "steps": {}}
loader = ckpt.loader(data, batch_size=2, seed=0)  # 10 samples a rank: 5 batches an epoch
for step, (x, y, ids) in zip(range(start, 7 if phase == "first" else 12), loader):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
    ckpt.step(step, loss=loss)
    report["steps"][step] = {"ids": ids.tolist(), "epoch": ckpt.epoch, **state(model, optimizer)}
ckpt.wait()  # a "kill" after the loop: the save of step 6 is on disk
with open(f"{phase}-{rank}.json", "w") as f:
    json.dump(report, f)
dist.barrier()  # no rank tears gloo down while its peer still talks to it
dist.destroy_process_group()
"""
# Rank 0 is slow where a race would show: between making the run folder and stamping it. Rank 1
# must not call the half-made folder the user's.
SLOW = """\
import os, sys, time
import torch, torch.distributed as dist
from torch import nn
import nbgen.runtime.ownership.folders as folders
from nbgen.runtime.training.checkpoints import Checkpoints
from nbgen.runtime.training.text import CheckpointError

dist.init_process_group("gloo")
rank = dist.get_rank()
if rank == 0:
    stamp = folders.stamp_folder
    def slowly(*args, **kwargs):
        time.sleep(1.5)
        return stamp(*args, **kwargs)
    folders.stamp_folder = slowly
    if sys.argv[1] == "boom":  # not a refusal: a failure nbgen did not foresee
        import nbgen.runtime.training.checkpoints as checkpoints
        def boom(*args, **kwargs):
            raise RuntimeError("disk on fire")
        checkpoints.prepare_folders = boom
model = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
try:
    ckpt = Checkpoints(sys.argv[1], model=model, every=100)
except Exception as exc:  # each rank records what it raised in its own file
    with open(f"rank-{rank}.tmp", "w") as f:
        f.write(f"{type(exc).__name__}: {exc}")
    os.replace(f"rank-{rank}.tmp", f"rank-{rank}.txt")
    deadline = time.monotonic() + 120
    while not os.path.exists(f"rank-{1 - rank}.txt") and time.monotonic() < deadline:
        time.sleep(0.1)  # torchrun stops a rank once its peer fails: each waits for the other
    sys.exit(3)
ckpt.resume()
ckpt.step(0, loss=1.0)
ckpt.save(final=True)
dist.barrier()
with open(f"rank-{rank}.txt", "w") as f:
    f.write(" ".join(sorted(p.name for p in ckpt.folder.glob("step-*.pt"))))
dist.destroy_process_group()
"""


def launch(
    folder: Path, script: str, arg: str, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAGGLE_", "COLAB_"))}
    env.update(PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         script, arg],
        cwd=folder, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def torchrun(folder: Path, phase: str) -> list[dict[str, Any]]:
    result = launch(folder, "train.py", phase)
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads((folder / f"{phase}-{rank}.json").read_text()) for rank in (0, 1)]


def test_other_ranks_wait_for_rank_0_to_make_the_run_folder(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text(SLOW)
    result = launch(tmp_path, "slow.py", "run1")
    assert result.returncode == 0, result.stdout + result.stderr
    for rank in (0, 1):
        assert (tmp_path / f"rank-{rank}.txt").read_text() == "step-00000001.pt"


def test_a_folder_of_the_users_is_refused_on_every_rank_with_rank_0s_message(
    tmp_path: Path,
) -> None:
    (tmp_path / "slow.py").write_text(SLOW)
    (tmp_path / "checkpoints" / "mine").mkdir(parents=True)
    (tmp_path / "checkpoints" / "mine" / "notes.txt").write_text("my notes\n")
    result = launch(tmp_path, "slow.py", "mine")
    assert result.returncode != 0
    said = [(tmp_path / f"rank-{rank}.txt").read_text() for rank in (0, 1)]
    assert said[0] == said[1]
    assert said[0].startswith("CheckpointError: ") and "a folder of yours is in the way" in said[0]
    assert (tmp_path / "checkpoints" / "mine" / "notes.txt").read_text() == "my notes\n"


def test_torchrun_resumes_every_rank_from_the_same_state_on_disjoint_shards(
    tmp_path: Path,
) -> None:
    (tmp_path / "train.py").write_text(SCRIPT)
    first = torchrun(tmp_path, "first")
    second = torchrun(tmp_path, "second")
    assert [r["start"] for r in second] == [6, 6]
    for rank in (0, 1):  # the state each rank had after step 5 (6 steps done)
        saved = first[rank]["steps"]["5"]
        assert second[rank]["at_start"] == {k: saved[k] for k in ("model", "optimizer", "rng")}
    assert second[0]["at_start"]["model"] == second[1]["at_start"]["model"]
    assert second[0]["at_start"]["rng"] != second[1]["at_start"]["rng"]  # each its own
    for epoch in (0, 1):  # epoch 1 is where the resume landed, at its second batch
        shards = []
        for rank in (0, 1):  # what ran after the checkpoint in the first run never counted
            story = {int(s): v for s, v in first[rank]["steps"].items() if int(s) < 6}
            story.update({int(s): v for s, v in second[rank]["steps"].items()})
            shards.append([i for _, v in sorted(story.items()) if v["epoch"] == epoch
                           for i in v["ids"]])  # fmt: skip
        assert not set(shards[0]) & set(shards[1])
        assert sorted(shards[0] + shards[1]) == list(range(20))
    names = sorted(p.name for p in (tmp_path / "checkpoints" / "ddp").glob("step-*.pt"))
    assert names == ["step-00000009.pt", "step-00000012.pt"]  # rank 0 alone wrote, keep=2


def test_a_failure_on_rank_0_while_making_the_folder_stops_every_rank(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text(SLOW)
    result = launch(tmp_path, "slow.py", "boom", timeout=300)  # gloo would wait 30 minutes
    assert result.returncode != 0
    said = [(tmp_path / f"rank-{rank}.txt").read_text() for rank in (0, 1)]
    assert said == ["RuntimeError: disk on fire", "CheckpointError: disk on fire"]
