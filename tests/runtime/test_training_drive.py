"""Checkpoints on a Drive that drops ("Transport endpoint is not connected"), fills up, or
comes back: training goes on, the checkpoint stays on local disk, a later save lands on Drive.

The Drive stand-in fails real calls with real errno values (``_nbgen_drive_faults``, installed by
its ``mount`` when $NBGEN_STANDIN_DRIVE_FAULTS names a control file); nbgen's code only sees the
OSError, as on Colab. The whole test process plays the Colab runtime (``colab_stubs``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
import torch
from torch import nn

from nbgen.runtime.training.checkpoints import Checkpoints
from nbgen.runtime.training.manifest import read_manifest
from nbgen.runtime.training.show import show_checkpoints
from nbgen.runtime.training.text import CheckpointError, _ckpt_defaults

pytestmark = pytest.mark.slow  # torch


class Colab(NamedTuple):
    content: Path  # the runtime's disk (/content)
    drive: Path  # what MyDrive shows
    control: Path  # the Drive stand-in's fault switch
    runs: Path  # WORK_FOLDER/checkpoints on Drive
    local: Path  # /content/nbgen-checkpoints


@pytest.fixture
def colab(colab_stubs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Colab]:
    place = Colab(tmp_path / "content", tmp_path / "MyDrive", tmp_path / "faults",
                  tmp_path / "MyDrive" / "proj" / "checkpoints",
                  tmp_path / "content" / "nbgen-checkpoints")  # fmt: skip
    place.control.write_text("")
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    monkeypatch.setenv("COLAB_RELEASE_TAG", "standin")
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(place.content))
    monkeypatch.setenv("NBGEN_STANDIN_DRIVE", str(place.drive))
    monkeypatch.setenv("NBGEN_STANDIN_DRIVE_FAULTS", str(place.control))
    monkeypatch.setitem(_ckpt_defaults, "said", set())  # a new session
    monkeypatch.setitem(_ckpt_defaults, "root", None)
    monkeypatch.setitem(_ckpt_defaults, "lang", "en")
    from google.colab import drive

    drive.mount("/content/drive")
    work = place.content / "drive" / "MyDrive" / "proj"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)  # where the Drive cell moves
    yield place
    import _nbgen_drive_faults  # type: ignore[import-not-found]

    _nbgen_drive_faults.uninstall()


def tiny() -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def steps(ckpt: Checkpoints, model: nn.Module, first: int, last: int) -> None:
    """Training steps ``first`` .. ``last - 1``, then wait for the saves they started (a save
    handed over while another is written waits; a newer one replaces it)."""
    for step in range(first, last):
        loss = model(torch.ones(1, 4)).sum()
        loss.backward()
        ckpt.step(step, loss=loss)
    ckpt.wait()


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("step-*.pt"))


def test_drive_not_connected_keeps_training_and_a_later_save_lands_on_drive(
    colab: Colab, capsys: pytest.CaptureFixture[str]
) -> None:
    model, optimizer = tiny()
    ckpt = Checkpoints("run", model=model, optimizer=optimizer, every=2, keep=2)
    assert ckpt.resume() == 0
    steps(ckpt, model, 0, 2)
    assert files(colab.runs / "run") == ["step-00000002.pt"]
    colab.control.write_text("enotconn")  # the Drive process dies
    capsys.readouterr()
    steps(ckpt, model, 2, 4)
    out = capsys.readouterr().out
    assert "Drive is not reachable (Transport endpoint is not connected" in out
    here = colab.local / "run" / "step-00000004.pt"
    assert f"the checkpoint of step 4 is on this runtime's disk only ({here})" in out
    assert "training goes on and the next save tries Drive again." in out
    assert files(colab.local / "run") == ["step-00000002.pt", "step-00000004.pt"]
    steps(ckpt, model, 4, 6)  # the next save mounts Drive again, once, and lands there
    out = capsys.readouterr().out
    assert "Mounting Drive again (force_remount=True) before this save." in out
    assert "Mounted at /content/drive" in out
    assert "Drive answers again: the checkpoint of step 6 is on Drive." in out
    assert colab.control.read_text() == ""  # a new mount answers
    assert files(colab.runs / "run") == ["step-00000002.pt", "step-00000006.pt"]
    local = read_manifest(colab.local / "run")["entries"]
    assert [(e["step"], e["drive"]) for e in local] == [(4, False), (6, True)]
    rows = (colab.runs / "run" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(row)["step"] for row in rows] == list(range(6))  # none lost


def test_a_full_drive_keeps_the_checkpoint_local_until_there_is_room(
    colab: Colab, capsys: pytest.CaptureFixture[str]
) -> None:
    model, optimizer = tiny()
    ckpt = Checkpoints("run", model=model, optimizer=optimizer, every=2, keep=3)
    ckpt.resume()
    colab.control.write_text("enospc")
    steps(ckpt, model, 0, 2)
    steps(ckpt, model, 2, 4)
    out = capsys.readouterr().out
    assert out.count("Drive is full: the checkpoint of step") == 2
    assert "free space on Drive (and empty its trash)" in out
    assert "Mounting Drive again" not in out  # a full Drive is not a lost mount
    assert files(colab.runs / "run") == [] and len(files(colab.local / "run")) == 2
    colab.control.write_text("")  # the user emptied the trash
    steps(ckpt, model, 4, 6)
    assert "Drive answers again: the checkpoint of step 6 is on Drive." in capsys.readouterr().out
    assert files(colab.runs / "run") == ["step-00000006.pt"]


def test_after_restart_session_a_checkpoint_that_missed_drive_resumes_from_local_disk(
    colab: Colab, capsys: pytest.CaptureFixture[str]
) -> None:
    model, optimizer = tiny()
    ckpt = Checkpoints("run", model=model, optimizer=optimizer, every=2)
    ckpt.resume()
    steps(ckpt, model, 0, 2)
    colab.control.write_text("enospc")
    steps(ckpt, model, 2, 4)
    colab.control.write_text("")
    capsys.readouterr()
    rows = show_checkpoints("run")
    out = capsys.readouterr().out
    assert f"on this runtime's disk only ({colab.local / 'run' / 'step-00000004.pt'})" in out
    assert "Run all resumes at step 4." in out and "(on Google Drive)" in out
    assert [(r["step"], r["where"]) for r in rows] == [(4, "local"), (2, "drive")]
    again = Checkpoints("run", model=tiny()[0], every=2)
    assert again.resume() == 4
    assert f"Resumed 'run' from {colab.local / 'run' / 'step-00000004.pt'}" in (
        capsys.readouterr().out
    )


def test_with_drive_gone_at_the_start_nothing_trains_over_its_checkpoints(
    colab: Colab,
) -> None:
    model, optimizer = tiny()
    ckpt = Checkpoints("run", model=model, optimizer=optimizer, every=2)
    ckpt.resume()
    steps(ckpt, model, 0, 2)
    colab.control.write_text("enotconn")
    with pytest.raises(CheckpointError, match="Drive is not reachable") as caught:
        Checkpoints("run", model=tiny()[0], every=2)
    assert "run the Drive cell again (it mounts Drive again), then this cell" in str(caught.value)
    colab.control.write_text("")
    assert files(colab.runs / "run") == ["step-00000002.pt"]


def test_the_final_save_flushes_drive_and_rotation_mentions_the_trash_once(
    colab: Colab, capsys: pytest.CaptureFixture[str]
) -> None:
    model, optimizer = tiny()
    ckpt = Checkpoints("run", model=model, optimizer=optimizer, every=1, keep=1)
    ckpt.resume()
    for step in range(3):
        steps(ckpt, model, step, step + 1)
    ckpt.save(2, final=True)
    out = capsys.readouterr().out
    assert out.count("stay in its trash for 30 days") == 1
    assert "Final checkpoint of 'run': step 3, in " + str(colab.runs / "run") in out
    assert "Drive flushed: every checkpoint has reached Google Drive." in out
    assert (colab.content / "drive" / "MyDrive").is_dir()  # mounted again for the next cells
    assert Path.cwd() == (colab.drive / "proj").resolve()
    assert files(colab.runs / "run") == ["step-00000003.pt"]
    assert sorted(p.name for p in (colab.runs / "run").iterdir()) == [
        ".nbgen-owned", "manifest.json", "metrics.jsonl", "step-00000003.pt"]  # fmt: skip


def test_the_standin_unmounts_as_colab_does(
    colab: Colab, capsys: pytest.CaptureFixture[str]
) -> None:
    from google.colab import drive

    drive.flush_and_unmount()
    assert not os.path.lexists(colab.content / "drive" / "MyDrive")
    drive.flush_and_unmount()
    assert "Drive not mounted, so nothing to flush and unmount." in capsys.readouterr().out


def test_the_standin_remounts_a_full_drive_and_a_dead_one_only_when_forced(
    colab: Colab, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    from google.colab import drive

    colab.control.write_text("enospc")  # full: a new folder fails, one already there is EEXIST
    drive.mount("/content/drive", force_remount=True)
    with pytest.raises(OSError) as full:
        (colab.drive / "proj" / "new").mkdir()
    assert full.value.errno == errno.ENOSPC
    with pytest.raises(FileExistsError):
        (colab.drive / "proj").mkdir()
    colab.control.write_text("enotconn")  # dead: still mounted, as /proc/mounts says on Colab
    drive.mount("/content/drive")
    assert "Drive already mounted at /content/drive" in capsys.readouterr().out
    with pytest.raises(OSError) as dead:
        os.listdir(colab.drive / "proj")
    assert dead.value.errno == errno.ENOTCONN
    drive.mount("/content/drive", force_remount=True)
    assert os.listdir(colab.drive / "proj") == []
