"""The benchmark on a real GPU. Skipped without CUDA; run them whenever a GPU is at hand:
``python -m pytest -m gpu``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nbgen.runtime.bench.device import StepTimer, pick_device, timed_loop
from nbgen.runtime.bench.report import PEAK_TFLOPS
from nbgen.runtime.bench.run import BenchConfig, BenchError, format_report, run_benchmark
from nbgen.runtime.bench.steps import Batches, device_data, make_optimizer, make_step, prepare_model

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.slow,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


def test_the_optimized_loop_never_waits_for_the_host() -> None:
    """No host sync in a timed step: sync debug mode "error" raises on the first one."""
    device = pick_device("cuda")
    config = BenchConfig(device="cuda", steps=5, warmup=2, batch_size=32, progress=False)
    model = prepare_model(config, device)
    amp = torch.bfloat16 if torch.cuda.get_device_capability()[0] >= 8 else torch.float16
    step = make_step(model, make_optimizer(model, device), amp, device)
    data = torch.randint(0, 256, (256, 32, 32, 3), dtype=torch.uint8).numpy()
    batches = Batches(*device_data(data, [i % 10 for i in range(256)], device), config)
    step(*batches())  # warm-up: cuDNN picks its kernels, allocations happen
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        timed = timed_loop(config, device, "optimized", lambda: step(*batches()), StepTimer(device))
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert len(timed.step_ms) == 5 and all(ms > 0 for ms in timed.step_ms)


@pytest.mark.parametrize("amp", ["fp16", "bf16"])
def test_both_half_precisions_learn(amp: str) -> None:
    # a T4 "supports" bf16 by emulation, which nbgen refuses (no bf16 convolutions in cuDNN)
    if amp == "bf16" and not torch.cuda.is_bf16_supported(including_emulation=False):
        pytest.skip("no bf16 on this GPU")
    report = run_benchmark(BenchConfig(device="cuda", amp=amp, mode="optimized", steps=5,
                                       batch_size=64, progress=False, compile="off"))  # fmt: skip
    assert report["learns"] is True
    result = report["results"][0]
    assert result["precision"] == amp and result["peak_mem_mb"] > 0


def test_bf16_is_refused_below_compute_capability_8() -> None:
    if torch.cuda.get_device_capability()[0] >= 8:
        pytest.skip("this GPU has bf16 convolutions")
    with pytest.raises(BenchError, match="has no bf16 convolutions in cuDNN"):
        run_benchmark(BenchConfig(device="cuda", amp="bf16", mode="optimized", steps=1,
                                  progress=False, compile="off"))  # fmt: skip


def test_mfu_is_sane_on_a_known_gpu() -> None:
    """MFU a fraction of the peak (a unit slip shows as 1000x); no speed is asserted here, the
    figures go in docs/benchmarks.md."""
    name = torch.cuda.get_device_name()
    if name not in PEAK_TFLOPS:
        pytest.skip(f"{name!r} has no peak figure in nbgen")
    report = run_benchmark(BenchConfig(device="cuda", steps=20, warmup=5, progress=False))
    for result in report["results"]:
        assert result["mfu"] is not None and 0 < result["mfu"] < 1, result
        assert result["peak_mem_mb"] > 0
    optimized = report["results"][1]
    assert optimized["compile_s"] is not None and optimized["compile_s"] > 0
    text = format_report(report)
    assert "unknown GPU" not in text and f"device: {name} (cuda)" in text


def test_cuda_graphs_on_the_whole_step_learn_and_say_so() -> None:
    amp = "bf16" if torch.cuda.get_device_capability()[0] >= 8 else "off"
    report = run_benchmark(BenchConfig(device="cuda", mode="optimized", steps=5, amp=amp,
                                       compile="on", compile_mode="reduce-overhead",
                                       whole_step=True, conv_1x1_as_mm=True,
                                       progress=False))  # fmt: skip
    result = report["results"][0]
    assert result["compiled"] is True, "compiling fell back to eager: see the log"
    assert result["compile_detail"] == "reduce-overhead, whole step, conv 1x1 as mm"
    assert report["learns"] is True and all(ms > 0 for ms in result["step_ms"])


def test_the_batch_from_free_memory_fits_and_is_reported() -> None:
    report = run_benchmark(BenchConfig(device="cuda", mode="optimized", steps=3, warmup=1,
                                       compile="off", auto_batch=True, progress=False))  # fmt: skip
    auto = report["auto_batch"]
    batch = auto["batch_size"]
    assert batch >= 2 and batch & (batch - 1) == 0 and auto["speedup"] is None  # no naive loop
    total_mib = torch.cuda.get_device_properties(0).total_memory / 2**20
    assert 0 < auto["peak_mem_mb"] < total_mib and auto["free_gb"] > 0
    assert f"optimized at batch {batch}" in format_report(report)


def test_out_of_memory_says_use_a_smaller_batch() -> None:
    total_gib = torch.cuda.get_device_properties(0).total_memory / 2**30
    batch = int(min(40_000, total_gib * 400))  # ~25 MiB an image: far past any GPU's memory
    with pytest.raises(BenchError, match=f"out of GPU memory at batch size {batch}"):
        run_benchmark(BenchConfig(device="cuda", mode="optimized", steps=1, warmup=1,
                                  batch_size=batch, compile="off", progress=False))  # fmt: skip


def test_more_ranks_than_gpus_are_refused(tmp_path: Path) -> None:
    ranks = torch.cuda.device_count() + 1
    env = dict(os.environ)
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone",
         f"--nproc_per_node={ranks}", "-m", "nbgen", "bench", "--device", "cuda", "--steps",
         "1", "-q"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert f"{ranks} ranks on this machine run on {ranks - 1} GPU(s)" in result.stderr


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two GPUs")
def test_ddp_on_two_gpus(tmp_path: Path) -> None:
    out = tmp_path / "ddp.json"
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         "-m", "nbgen", "bench", "--device", "cuda", "--steps", "5", "-q", "--json", str(out)],
        capture_output=True, text=True, env=dict(os.environ), timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["world_size"] == 2 and report["learns"] is True
