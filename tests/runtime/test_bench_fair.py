"""The benchmark's comparison made fair (issue 22, §5), on the CPU with real torch: the epoch,
the ranks, the learning check, precisions, labels, compile time, out-of-memory, the CPU check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from nbgen.runtime.bench.config import SYNTHETIC_IMAGES, BenchConfig, BenchError
from nbgen.runtime.bench.device import StepTimer, amp_dtype, timed_loop
from nbgen.runtime.bench.loops import inference_rate, naive_batches, naive_loader
from nbgen.runtime.bench.model import load_arrays
from nbgen.runtime.bench.precision import conv_tf32, new_precision_api, tf32_settings
from nbgen.runtime.bench.report import format_report
from nbgen.runtime.bench.steps import Batches, CompiledStep, make_optimizer, make_step
from tests.conftest import run_nbgen
from tests.runtime.test_bench import write_cifar

pytestmark = pytest.mark.slow
CPU = torch.device("cpu")


def tiny_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(4, 10),
    )  # fmt: skip


def report_with(results: list[dict[str, Any]], name: str = "CPU", **config: Any) -> dict[str, Any]:
    """A report as run_benchmark returns it, with the given results."""
    device = {"type": "cpu" if name == "CPU" else "cuda", "name": name, "torch": "2", "cuda": "13",
              "cudnn": 1, "capability": "7.5", "memory_gb": 15, "cpu_count": 2, "python": "3.12"}  # fmt: skip
    base = {"mode": "optimized", "train_images_per_s": 1.0, "infer_images_per_s": 1.0,
            "step_ms_p10": 1, "step_ms_median": 1, "step_ms_p90": 1, "warmup_s": 1,
            "peak_mem_mb": None, "mfu": None, "precision": "fp32", "compiled": False,
            "step_ms": [1.0, 1.0], "batch_size": 8}  # fmt: skip
    settings = {"stem": "cifar", "batch_size": 8, "epochs": 0, "warmup": 1, "learn_steps": 30}
    return {"device": device, "world_size": 1, "config": {**settings, **config},
            "results": [{**base, **r} for r in results], "speedup": None, "learns": True}  # fmt: skip


# ---- one epoch as long as CIFAR-10's ------------------------------------------------------------
def test_a_synthetic_epoch_is_as_long_as_cifar10s() -> None:
    config = BenchConfig(batch_size=4, num_workers=0)
    data, targets = load_arrays(config)
    assert len(targets) == SYNTHETIC_IMAGES == 50_000
    assert len(data) < len(targets)  # a pool on the device, not 150 MB of noise
    assert all(targets[i] == targets[i % len(data)] for i in range(0, len(targets), 997))
    assert len(naive_loader(config, data, targets)) == SYNTHETIC_IMAGES // 4  # no early restart
    batches = Batches(torch.from_numpy(data).permute(0, 3, 1, 2), torch.tensor(targets), config)
    seen = torch.cat([batches.indices() for _ in range(100)])
    assert len(set(seen.tolist())) == 400  # one epoch, not a pool of 256 started over


def test_a_rank_without_a_whole_batch_is_an_error_not_a_spin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORLD_SIZE", "5")
    monkeypatch.setenv("RANK", "0")
    config = BenchConfig(batch_size=16, num_workers=0)
    data, targets = load_arrays(BenchConfig(batch_size=4))
    with pytest.raises(BenchError, match="each rank 8, less than one batch"):
        next(naive_batches(config, data[:40], targets[:40]))


def test_five_ranks_on_forty_images_stop_with_one_line(tmp_path: Path) -> None:
    """torchrun, gloo: every rank refuses before any training (it used to spin forever)."""
    write_cifar(tmp_path / "cifar")  # 40 training images: 8 a rank, less than a batch of 16
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=5",
         "-m", "nbgen", "bench", "--device", "cpu", "--data", "cifar10", "--data-dir",
         str(tmp_path / "cifar"), "--batch-size", "16", "--steps", "1", "-q"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "batch size 16 on 5 ranks: one epoch of 40 images gives each rank 8" in result.stderr
    assert "use --batch-size 8 or less" in result.stderr


LEARN = """
import datetime, json, sys
import torch
import torch.distributed as dist
from nbgen.runtime.bench.loops import loss_halves

dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=30))
rank = dist.get_rank()
# rank 0's own loss halves at the 2nd step, rank 1's at the 4th; their mean at the 3rd
losses = {0: [1.0, 0.4, 0.1, 0.1, 0.1], 1: [1.0, 0.9, 0.8, 0.2, 0.2]}[rank]
calls = []

def step():
    dist.all_reduce(torch.ones(1))  # what DDP's backward does: every rank must take part
    calls.append(1)
    return torch.tensor(losses[len(calls) - 1])

learns = loss_halves(step, 4, torch.device("cpu"))
json.dump({"learns": learns, "steps": len(calls)}, open(f"{sys.argv[1]}.{rank}", "w"))
dist.barrier()  # no rank tears gloo down while its peer still talks to it
dist.destroy_process_group()
"""


def test_the_learning_check_stops_every_rank_at_the_same_step(tmp_path: Path) -> None:
    script = tmp_path / "learn.py"
    script.write_text(LEARN)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(script), str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"out.{r}").read_text()) for r in (0, 1)]
    assert ranks[0] == ranks[1] == {"learns": True, "steps": 3}


# ---- precisions -----------------------------------------------------------------------------------
def test_bf16_is_refused_below_compute_capability_8() -> None:
    with pytest.raises(BenchError, match=r"Tesla T4 \(compute capability 7\.5\) has no bf16"):
        amp_dtype("bf16", (7, 5), "Tesla T4")
    assert amp_dtype("bf16", (8, 0), "NVIDIA A100-SXM4-40GB") is torch.bfloat16
    assert amp_dtype("auto", (7, 5), "Tesla T4") is torch.float16
    assert amp_dtype("auto", (9, 0), "NVIDIA H200") is torch.bfloat16
    assert amp_dtype("bf16", None) is torch.bfloat16  # a CPU's autocast has bf16
    assert amp_dtype("auto", None) is None


def test_a_known_gpu_without_that_peak_is_named_not_unknown() -> None:
    report = report_with([{"precision": "bf16", "mfu": None}], name="Tesla T4")
    text = format_report(report)
    assert "MFU: no bf16 peak for Tesla T4 in nbgen" in text and "unknown GPU" not in text
    report = report_with([{"precision": "bf16", "mfu": None}], name="NVIDIA Future X")
    assert "MFU: unknown GPU 'NVIDIA Future X'" in format_report(report)


@pytest.fixture
def tf32_restored() -> Iterator[None]:
    if not new_precision_api():
        pytest.skip("this torch has only cudnn.allow_tf32 (before 2.9)")
    backends: Any = torch.backends
    knobs = [backends, backends.cuda.matmul, backends.cudnn, backends.cudnn.conv]
    saved = [knob.fp32_precision for knob in knobs]
    yield
    for knob, value in zip(knobs, saved, strict=True):
        knob.fp32_precision = value


def test_tf32_is_read_through_the_new_api(tf32_restored: None) -> None:
    """torch 2.14 raises on cudnn.allow_tf32 once the new API is set; nbgen reads the new one."""
    from nbgen.runtime.bench.cell import torch_settings_kept

    backends: Any = torch.backends
    backends.cudnn.conv.fp32_precision = "ieee"
    assert conv_tf32() is False
    before = tf32_settings()
    with torch_settings_kept():
        backends.fp32_precision = "tf32"
        backends.cudnn.conv.fp32_precision = "tf32"
        assert conv_tf32() is True
    assert tf32_settings() == before and conv_tf32() is False


# ---- each loop labelled and fed as it runs ------------------------------------------------------
class Recorder(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.formats: list[str] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nhwc = x.is_contiguous(memory_format=torch.channels_last)
        self.formats.append("channels_last" if nhwc else "NCHW" if x.is_contiguous() else "?")
        return x.mean((2, 3))


@pytest.mark.parametrize(("channels_last", "layout"), [(False, "NCHW"), (True, "channels_last")])
def test_inference_is_fed_the_layout_its_label_says(channels_last: bool, layout: str) -> None:
    data, _ = load_arrays(BenchConfig(batch_size=4))
    model = Recorder()
    inference_rate(model, CPU, None, channels_last, BenchConfig(batch_size=4, steps=2), data)
    assert set(model.formats) == {layout}


def test_the_report_says_how_each_loop_trained_and_inferred() -> None:
    report = report_with([
        {"mode": "naive", "infer_channels_last": False},
        {"mode": "optimized", "compiled": True, "compile_s": 42.25, "infer_channels_last": True,
         "compile_detail": "reduce-overhead, whole step"},
    ])  # fmt: skip
    text = format_report(report)
    assert "naive: fp32, eager\nnaive inference: eager, NCHW" in text
    assert "optimized: fp32, torch.compile (reduce-overhead, whole step)" in text
    assert "optimized: compiling took 42.2 s" in text
    assert "optimized inference: eager, channels_last" in text  # the step's compile is not used
    assert "timed: 2 steps of 8 images a rank after 1 warm-up steps" in text


def test_compiling_is_timed_apart_and_announced(capsys: pytest.CaptureFixture[str]) -> None:
    model = tiny_model()
    optimizer = make_optimizer(model, CPU)
    step = CompiledStep(model, lambda m: make_step(m, optimizer, None, CPU), True,
                        backend="aot_eager")  # fmt: skip
    images, labels = torch.randn(4, 3, 8, 8), torch.tensor([0, 1, 2, 3])
    config = BenchConfig(steps=2, warmup=1, progress=True)
    timed = timed_loop(config, CPU, "optimized", lambda: step(images, labels), StepTimer(CPU),
                       compiling=True)  # fmt: skip
    assert timed.compile_s is not None and timed.compile_s > 0 and len(timed.step_ms) == 2
    assert "can take minutes on a 2-vCPU runtime" in capsys.readouterr().out
    again = timed_loop(config, CPU, "optimized", lambda: step(images, labels), StepTimer(CPU))
    assert again.compile_s is None
    assert "can take minutes" not in capsys.readouterr().out


# ---- out of memory, ranks and GPUs --------------------------------------------------------------
def test_out_of_memory_inside_the_compiled_step_says_use_a_smaller_batch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nbgen.runtime.bench.run import memory_said

    def no_memory(graph: object, inputs: object) -> object:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    model = tiny_model()
    optimizer = make_optimizer(model, CPU)
    step = CompiledStep(model, lambda m: make_step(m, optimizer, None, CPU), True,
                        backend=no_memory)  # fmt: skip
    config = BenchConfig(batch_size=64)
    with pytest.raises(BenchError) as caught, memory_said("optimized", config, gpu=True):
        step(torch.randn(4, 3, 8, 8), torch.tensor([0, 1, 2, 3]))
    assert str(caught.value) == (
        "out of GPU memory at batch size 64 (optimized loop): use a smaller --batch-size, "
        "e.g. 32 (BENCH_BATCH_SIZE in the notebook)"
    )
    assert "torch.compile failed" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("everyone", "counts"),
    [([("a", "GPU-0"), ("a", "GPU-0")], (2, 1)), ([("a", "GPU-0"), ("a", "GPU-1")], (2, 2)),
     ([("a", "GPU-0"), ("b", "GPU-0"), ("a", "GPU-1")], (2, 2)),  # another machine's GPU-0
     ([("a", "GPU-1"), ("a", "GPU-0"), ("a", "GPU-1")], (3, 2))],
)  # fmt: skip
def test_ranks_are_counted_against_the_gpus_they_took(
    everyone: list[tuple[str, str]], counts: tuple[int, int]
) -> None:
    from nbgen.runtime.bench.run import ranks_and_gpus

    assert ranks_and_gpus(everyone, "a") == counts


# ---- the CLI without a GPU ------------------------------------------------------------------------
def test_bench_without_a_gpu_runs_the_short_cpu_check(tmp_path: Path) -> None:
    from nbgen.runtime.bench.cell import CPU_CHECK

    out = tmp_path / "r.json"
    result = run_nbgen("bench", "--device", "cpu", "--mode", "optimized", "-q", "--json",
                       str(out), cwd=tmp_path, env={"OMP_NUM_THREADS": "1"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "No GPU: a short CPU check of both loops, 3 steps of 8 images" in result.stdout
    config = json.loads(out.read_text())["config"]
    assert {k: config[k] for k in CPU_CHECK} == CPU_CHECK


@pytest.mark.parametrize(
    ("given", "cuda", "checking"),
    [({"device": "auto"}, False, True), ({"device": "cpu", "stem": "cifar"}, True, True),
     ({"device": "auto"}, True, False), ({"device": "cuda"}, False, False),
     ({"device": "cpu", "steps": 1}, False, False), ({"batch_size": 2}, False, False)],
)  # fmt: skip
def test_steps_or_batch_size_on_the_command_line_win_over_the_cpu_check(
    given: dict[str, Any], cuda: bool, checking: bool
) -> None:
    from nbgen.commands.bench import with_cpu_check
    from nbgen.runtime.bench.cell import CPU_CHECK

    settings, said = with_cpu_check(given, CPU_CHECK, cuda=cuda)
    assert said is checking
    assert settings == ({**CPU_CHECK, **given} if checking else given)  # the user's flags win
