"""nbgen.Checkpoints off Colab (a local Jupyter's folder): exact resume, the loader's order and
position, damaged checkpoints, rotation, and every bad input refused with nothing changed.

Real torch on CPU at tiny sizes. The kernel-level tests (SIGKILL, a fresh runtime, Drive) are
in test_training_kill.py and test_training_drive.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from nbgen.runtime.training.checkpoints import Checkpoints
from nbgen.runtime.training.manifest import read_manifest
from nbgen.runtime.training.show import show_checkpoints
from nbgen.runtime.training.stream import shard_order
from nbgen.runtime.training.text import CheckpointError, _ckpt_defaults

pytestmark = pytest.mark.slow  # torch


@pytest.fixture(autouse=True)
def _local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("KAGGLE_KERNEL_RUN_TYPE", "COLAB_RELEASE_TAG", "NBGEN_CONTENT_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # the work folder: checkpoints/<name> goes here
    monkeypatch.setitem(_ckpt_defaults, "root", None)  # no Checkpoints cell ran
    monkeypatch.setitem(_ckpt_defaults, "lang", "en")


def tiny(width: int = 8) -> tuple[nn.Module, torch.optim.Optimizer, Any]:
    """A user's set-up cell: seeds first (a resumed run gets the saved random state back)."""
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, width), nn.Dropout(0.25), nn.ReLU(), nn.Linear(width, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
    return model, optimizer, scheduler


DATA = torch.utils.data.TensorDataset(
    torch.randn(20, 4, generator=torch.Generator().manual_seed(1)),
    torch.randint(0, 2, (20,), generator=torch.Generator().manual_seed(2)),
    torch.arange(20),
)


def train(
    total: int,
    *,
    stop: int | None = None,
    every: int = 3,
    keep: int = 2,
    name: str = "run",
    settle: bool = True,
) -> dict[int, tuple[str, list[int]]]:
    """The loop a user writes; losses as float.hex (bit for bit), ids of each batch. With
    ``settle`` (the tests' default), each save is written before the next step: on a busy
    machine a save still waiting when the next is due gives way to it, so which checkpoints
    exist would depend on the load."""
    model, optimizer, scheduler = tiny()
    ckpt = Checkpoints(name, model=model, optimizer=optimizer, scheduler=scheduler,
                       every=every, keep=keep)  # fmt: skip
    start = ckpt.resume()
    loader = ckpt.loader(DATA, batch_size=6, shuffle=True, seed=0)
    seen = {}
    for step, (x, y, ids) in zip(range(start, total), loader, strict=False):
        noise = 1 + 0.01 * random.random() + 0.01 * float(np.random.rand())  # every RNG counts
        loss = nn.functional.cross_entropy(model(x), y) * noise
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        ckpt.step(step, loss=loss)
        if settle:
            ckpt.wait()
        seen[step] = (float(loss.item()).hex(), ids.tolist())
        if step == stop:
            ckpt.wait()
            return seen
    ckpt.save(step, final=True)
    return seen


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_a_resumed_run_repeats_the_uninterrupted_one_bit_for_bit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "full").mkdir()
    monkeypatch.chdir(tmp_path / "full")
    full = train(16)
    (tmp_path / "cut").mkdir()
    monkeypatch.chdir(tmp_path / "cut")
    first = train(16, stop=7)  # saved after 3 and 6 steps
    second = train(16)
    assert min(second) == 6
    assert {**first, **second} == full
    out = capsys.readouterr().out
    assert "Resumed 'run' from " in out and "continuing at step 6, epoch 1." in out
    assert out.count("Resumed") == 1


@pytest.mark.parametrize(("count", "world"), [(10, 1), (11, 2), (48, 3), (5, 4)])
def test_the_loader_order_is_distributed_samplers(count: int, world: int) -> None:
    from torch.utils.data.distributed import DistributedSampler

    for shuffle in (True, False):
        for epoch in range(3):
            for rank in range(world):
                sampler: DistributedSampler[int] = DistributedSampler(
                    range(count),  # type: ignore[arg-type]  # anything with a length
                    num_replicas=world, rank=rank, shuffle=shuffle, seed=7,
                )  # fmt: skip
                sampler.set_epoch(epoch)
                mine = shard_order(count, seed=7, epoch=epoch, shuffle=shuffle, rank=rank,
                                   world=world)  # fmt: skip
                assert mine == list(sampler)


def test_a_resumed_epoch_has_every_sample_once(tmp_path: Path) -> None:
    model, _, _ = tiny()
    ckpt = Checkpoints("order", model=model, every=100)
    loader = ckpt.loader(DATA, batch_size=6, seed=3)  # 4 batches an epoch, the last of 2
    before = [ids.tolist() for _, (_, _, ids) in zip(range(6), loader, strict=False)]
    state = loader.state()
    again = Checkpoints("order", model=model, every=100).loader(DATA, batch_size=6, seed=3)
    assert again.restore(state) is None
    after = [ids.tolist() for _, (_, _, ids) in zip(range(2), again, strict=False)]
    epoch1 = [i for batch in before[4:] + after for i in batch]
    assert sorted(epoch1) == list(range(20))
    assert again.epoch == 1 and again.taken == 8
    assert after == shard_batches(3, epoch=1)[2:]


def shard_batches(seed: int, epoch: int) -> list[list[int]]:
    order = shard_order(20, seed=seed, epoch=epoch, shuffle=True)
    return [order[i : i + 6] for i in range(0, 20, 6)]


class Augmented(torch.utils.data.Dataset[tuple[torch.Tensor, int]]):
    """A random augmentation in a worker process."""

    def __len__(self) -> int:
        return 12

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return torch.rand(2) + random.random() + index, index


def test_random_augmentations_in_workers_repeat_after_a_resume() -> None:
    model, _, _ = tiny()
    ckpt = Checkpoints("workers", model=model, every=100)
    stream = ckpt.loader(Augmented(), batch_size=4, num_workers=2)
    whole = [x for _, (x, _) in zip(range(6), stream, strict=False)]
    stream.close()
    first = ckpt.loader(Augmented(), batch_size=4, num_workers=2)
    part = [x for _, (x, _) in zip(range(2), first, strict=False)]
    state = first.state()
    first.close()
    second = ckpt.loader(Augmented(), batch_size=4, num_workers=2)
    second.restore(state)
    part += [x for _, (x, _) in zip(range(4), second, strict=False)]
    second.close()
    assert all(torch.equal(a, b) for a, b in zip(whole, part, strict=True))


def test_a_changed_loader_restarts_its_epoch_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    train(16, stop=7)
    model, optimizer, scheduler = tiny()
    ckpt = Checkpoints("run", model=model, optimizer=optimizer, scheduler=scheduler, every=3)
    assert ckpt.resume() == 6
    loader = ckpt.loader(DATA, batch_size=5, shuffle=True, seed=0)
    assert "starts again at its first batch" in capsys.readouterr().out
    assert loader.taken == 4 and loader.epoch == 1  # 4 batches of 5 an epoch: epoch 1, batch 0


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_a_damaged_newest_checkpoint_gives_way_to_the_one_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    train(16, stop=7)
    newest = tmp_path / "checkpoints" / "run" / "step-00000006.pt"
    data = newest.read_bytes()
    if damage == "truncate":
        newest.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        middle = len(data) // 2
        newest.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :])
    else:
        newest.unlink()
    capsys.readouterr()
    rest = train(16)
    out = capsys.readouterr().out
    why = {"truncate": "truncated", "flip": "damaged", "delete": "missing"}[damage]
    assert f"step-00000006.pt: {why}" in out and "trying the checkpoint before it" in out
    assert (
        min(rest) == 3
        and "from " + str(tmp_path / "checkpoints" / "run" / "step-00000003.pt") in out
    )


def test_when_no_checkpoint_loads_the_run_starts_over_with_a_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train(16, stop=7)
    for path in (tmp_path / "checkpoints" / "run").glob("step-*.pt"):
        path.write_bytes(b"not a checkpoint" + path.read_bytes()[16:])
    capsys.readouterr()
    assert min(train(16)) == 0
    assert "None of the 2 checkpoints of 'run' could be loaded: starting at step 0." in (
        capsys.readouterr().out
    )


def test_rotation_deletes_only_what_the_manifest_lists(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints" / "run"
    model, _, _ = tiny()
    Checkpoints("run", model=model)  # makes and stamps the folder
    (folder / "step-99999999.pt").write_bytes(b"mine: named like nbgen's, not listed")
    (folder / "notes.txt").write_text("mine")
    (folder / ".step-00000001.pt.abc.tmp.pt").write_bytes(b"a killed save's temporary file")
    victim = tmp_path / "victim.pt"
    victim.write_bytes(b"outside")
    train(10, every=3, keep=2, stop=6)  # saved after 3 and 6 steps
    (folder / "step-00000003.pt").chmod(0o444)  # the user keeps this one
    train(16, every=3, keep=2)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["entries"].append({**manifest["entries"][0], "file": "../../victim.pt", "seq": 0})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert [e["file"] for e in read_manifest(folder)["entries"]] == [
        "step-00000015.pt", "step-00000016.pt"]  # fmt: skip
    names = sorted(p.name for p in folder.iterdir())
    assert names == [".nbgen-owned", "manifest.json", "metrics.jsonl", "notes.txt",
                     "step-00000003.pt", "step-00000015.pt", "step-00000016.pt",
                     "step-99999999.pt"]  # fmt: skip
    assert "step-00000003.pt" not in read_manifest(folder)["retired"]  # forgotten, not retried
    assert victim.read_bytes() == b"outside"
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [*range(6), *range(6, 16)]  # every step's, in order


def test_a_step_file_of_the_users_is_never_saved_over_but_a_killed_saves_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "checkpoints" / "run"
    model, _, _ = tiny()
    Checkpoints("run", model=model)  # makes and stamps the folder
    mine = b"mine: named like the checkpoint after 6 steps, not listed, not a checkpoint"
    (folder / "step-00000006.pt").write_bytes(mine)
    train(8, every=3, keep=5)
    assert (folder / "step-00000006.pt").read_bytes() == mine
    assert "a file of yours is in the way" in capsys.readouterr().out  # said; training went on
    listed = [e["file"] for e in read_manifest(folder)["entries"]]
    assert listed == ["step-00000003.pt", "step-00000008.pt"]
    # a save killed after its rename, before the manifest: unlisted, but nbgen's for this run
    from nbgen.runtime.training.manifest import checkpoint_proof

    saved = (folder / "step-00000003.pt").read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["entries"] = manifest["entries"][1:]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert checkpoint_proof(folder, "step-00000003.pt", "run")(saved)
    assert not checkpoint_proof(folder, "step-00000003.pt", "other-run")(saved)
    assert not checkpoint_proof(folder, "step-00000006.pt", "run")(mine)


def test_a_run_not_resumed_does_not_save_over_its_checkpoints(tmp_path: Path) -> None:
    train(16, stop=7)
    before = files(tmp_path)
    model, optimizer, _ = tiny()
    ckpt = Checkpoints("run", model=model, optimizer=optimizer, every=3)
    with pytest.raises(CheckpointError, match=r"call start = ckpt.resume\(\) before the loop"):
        ckpt.step(0, loss=1.0)
    assert files(tmp_path) == before


class Other(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(4, 2)


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("slash", {"name": "a/b"}, "one folder name"),
    ("dots", {"name": ".."}, "no '..'"),
    ("climb", {"name": "../x"}, "no '/'"),
    ("empty", {"name": ""}, "up to 100"),
    ("every", {"every": 0}, "every=200"),
    ("every bool", {"every": True}, "at least 1"),
    ("keep", {"keep": 0}, "keep=3"),
    ("state dict", {"model": "state_dict"}, "pass the model itself"),
    ("function", {"model": print}, "not a torch.nn.Module"),
    ("optimizer", {"optimizer": object()}, "has no state_dict() and load_state_dict()"),
]


@pytest.mark.parametrize(("case", "kwargs", "needle"), BAD, ids=[b[0] for b in BAD])
def test_bad_arguments_name_the_problem_and_write_nothing(
    tmp_path: Path, case: str, kwargs: dict[str, Any], needle: str
) -> None:
    model, _, _ = tiny()
    args: dict[str, Any] = {"name": "run", "model": model, **kwargs}
    if args["model"] == "state_dict":
        args["model"] = model.state_dict()
    with pytest.raises(CheckpointError) as caught:
        Checkpoints(args.pop("name"), **args)
    assert needle in str(caught.value) and "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_file_or_folder_of_the_users_in_the_way_is_refused(tmp_path: Path, what: str) -> None:
    target = tmp_path / "checkpoints" / "run"
    target.parent.mkdir()
    if what == "file":
        target.write_text("my notes")
    else:
        target.mkdir()
        (target / "model.pt").write_bytes(b"my own checkpoint")
    before = files(tmp_path)
    model, _, _ = tiny()
    needle = "is a file, not a folder" if what == "file" else "a folder of yours is in the way"
    with pytest.raises(CheckpointError, match=needle) as caught:
        Checkpoints("run", model=model)
    assert "choose another run name" in str(caught.value)
    assert files(tmp_path) == before


@pytest.mark.parametrize("damage", ["truncated", "not-nbgens"])
def test_a_damaged_manifest_stops_the_run_instead_of_starting_over(
    tmp_path: Path, damage: str
) -> None:
    """Not "no checkpoint yet": the run would start at step 0 and every save would fail."""
    train(16, stop=7)
    manifest = tmp_path / "checkpoints" / "run" / "manifest.json"
    data = manifest.read_bytes()
    manifest.write_bytes(data[: len(data) // 2] if damage == "truncated" else b'{"entries": []}')
    before = files(tmp_path)
    model, _, _ = tiny()
    with pytest.raises(CheckpointError, match="not nbgen's manifest") as caught:
        Checkpoints("run", model=model)
    assert "move it away to start the run over" in str(caught.value)
    assert files(tmp_path) == before


@pytest.mark.parametrize("other", ["keys", "shapes", "optimizer"])
def test_a_checkpoint_of_another_model_is_refused_before_anything_loads(
    tmp_path: Path, other: str
) -> None:
    train(16, stop=7)
    before = files(tmp_path)
    model, optimizer, _ = tiny(width=16 if other == "shapes" else 8)
    if other == "keys":
        model = Other()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    if other == "optimizer":
        optimizer = torch.optim.SGD([{"params": [p]} for p in model.parameters()], lr=0.1)
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    ckpt = Checkpoints("run", model=model, optimizer=optimizer)
    needle = {"keys": "keys missing", "shapes": "is 8x4 in the checkpoint, 16x4 in the model",
              "optimizer": "this checkpoint's optimizer has 1 parameter groups"}[other]  # fmt: skip
    with pytest.raises(CheckpointError, match=needle) as caught:
        ckpt.resume()
    assert "choose another run name" in str(caught.value)
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items())
    assert files(tmp_path) == before


def test_the_cell_lists_steps_sizes_metrics_and_age(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert show_checkpoints("run") == []
    assert "No checkpoints of 'run' yet: the first save goes to" in capsys.readouterr().out
    assert not (tmp_path / "checkpoints").exists()  # the cell only reads
    train(16, stop=7)
    capsys.readouterr()
    rows = show_checkpoints("run", lang="zh")
    out = capsys.readouterr().out
    assert [row["step"] for row in rows] == [6, 3]
    assert "'run' 的检查点" in out and "第        6 步" in out and "保存于刚才, loss " in out
    assert "全部运行时将从第 6 步继续。" in out
    with pytest.raises(CheckpointError, match="运行名称"):
        show_checkpoints("../x", lang="zh")
    show_checkpoints("", lang="en")
    assert "CHECKPOINT_NAME is empty" in capsys.readouterr().out


def test_extra_and_a_final_save_without_a_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, optimizer, _ = tiny()
    ckpt = Checkpoints("extra", model=model, optimizer=optimizer, every=100)
    ckpt.resume()
    ckpt.extra.update(best=0.5, history=[1, 2], when=torch.tensor([3.0]))
    for step in range(4):
        ckpt.step(step, loss=torch.tensor(0.25, requires_grad=True) * step)
    ckpt.save(final=True)
    assert "Final checkpoint of 'extra': step 4, in " in capsys.readouterr().out
    again = Checkpoints("extra", model=tiny()[0], every=100)
    assert again.resume() == 4
    again.save(final=True)  # "Run all" of a finished run: its loop does not run once
    assert "Final checkpoint of 'extra': step 4, in " in capsys.readouterr().out
    assert again.extra["best"] == 0.5 and again.extra["history"] == [1, 2]
    assert torch.equal(again.extra["when"], torch.tensor([3.0]))
    entry = read_manifest(tmp_path / "checkpoints" / "extra")["entries"][-1]
    path = tmp_path / "checkpoints" / "extra" / entry["file"]
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry["metrics"] == {"loss": 0.75} and entry["size"] == path.stat().st_size
    assert "numpy" in sys.modules  # so the random state above held numpy's too


@dataclasses.dataclass
class Note:
    text: str


def test_schedulers_a_disabled_scaler_and_objects_in_extra_come_back() -> None:
    def build() -> tuple[nn.Module, Any, Any, Any]:
        torch.manual_seed(0)
        model = nn.Linear(3, 2)
        optimizer = torch.optim.AdamW(model.parameters(), lr=0.1)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=50)
        return model, optimizer, scheduler, torch.amp.GradScaler(enabled=False)

    model, optimizer, scheduler, scaler = build()
    ckpt = Checkpoints("parts", model=model, optimizer=optimizer, scheduler=scheduler,
                       scaler=scaler, every=2)  # fmt: skip
    ckpt.resume()
    ckpt.extra["note"] = Note("beyond weights_only's types: read once its sha256 matched")
    for step in range(4):
        model(torch.ones(1, 3)).sum().backward()
        optimizer.step()
        scheduler.step()
        ckpt.step(step)
    ckpt.save(final=True)
    model, optimizer, scheduler, scaler = build()
    again = Checkpoints("parts", model=model, optimizer=optimizer, scheduler=scheduler,
                        scaler=scaler, every=2)  # fmt: skip
    assert again.resume() == 4
    assert scheduler.state_dict()["last_epoch"] == 4
    assert optimizer.param_groups[0]["lr"] == scheduler.get_last_lr()[0]
    assert again.extra["note"] == Note("beyond weights_only's types: read once its sha256 matched")


def test_a_checkpoint_moves_between_compiled_parallel_and_plain_models() -> None:
    model, _, _ = tiny()
    wrapped = torch.compile(nn.DataParallel(model), backend="eager")  # never called: no compile
    ckpt = Checkpoints("wrapped", model=wrapped, every=1)
    ckpt.resume()
    ckpt.save(0, final=True)
    plain, _, _ = tiny(width=8)
    with torch.no_grad():
        for p in plain.parameters():
            p.zero_()
    assert Checkpoints("wrapped", model=plain, every=1).resume() == 1
    assert all(torch.equal(a, b) for a, b in zip(plain.state_dict().values(),
                                                  model.state_dict().values(), strict=True))  # fmt: skip


def test_a_link_where_the_run_folder_goes_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "run").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(CheckpointError, match="is a symbolic link; nbgen keeps checkpoints only"):
        Checkpoints("run", model=tiny()[0])
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_where_the_runs_go_on_kaggle_on_colab_without_drive_and_after_the_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nbgen.runtime.training.places import checkpoint_places

    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    monkeypatch.setenv("NBGEN_KAGGLE_ROOT", str(tmp_path / "kaggle"))
    places = checkpoint_places("run")
    assert places.folder == tmp_path / "kaggle" / "working" / "checkpoints" / "run"
    assert places.local is None and not places.on_drive
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE")
    monkeypatch.setenv("COLAB_RELEASE_TAG", "standin")
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(tmp_path / "content"))
    work = tmp_path / "content" / "proj"  # USE_DRIVE = False: the work folder is local
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    show_checkpoints("run")  # the cell: later calls use the folder it showed
    monkeypatch.chdir(tmp_path)
    ckpt = Checkpoints("run", model=tiny()[0])
    assert ckpt.folder == work / "checkpoints" / "run" and ckpt.places.local is None
    ckpt.resume()
    assert "USE_DRIVE = True to keep them on Google Drive" in capsys.readouterr().out


def test_after_a_refused_resume_the_loop_still_does_not_save_over_the_run(tmp_path: Path) -> None:
    train(16, stop=7)
    before = files(tmp_path)
    model = Other()
    ckpt = Checkpoints("run", model=model, every=3)
    with pytest.raises(CheckpointError, match="another model"):
        ckpt.resume()
    for _ in range(2):  # the loop cell run again, as is
        with pytest.raises(CheckpointError, match="already has checkpoints"):
            ckpt.step(2, loss=0.5)
    assert files(tmp_path) == before
