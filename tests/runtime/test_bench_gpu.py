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

from nbgen.runtime.bench import BenchConfig, run_benchmark
from nbgen.runtime.bench_device import StepTimer, pick_device, timed_loop
from nbgen.runtime.bench_report import PEAK_TFLOPS
from nbgen.runtime.bench_steps import Batches, device_data, make_optimizer, make_step, prepare_model

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
    if amp == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("no bf16 on this GPU")
    report = run_benchmark(BenchConfig(device="cuda", amp=amp, mode="optimized", steps=5,
                                       batch_size=64, progress=False, compile="off"))  # fmt: skip
    assert report["learns"] is True
    result = report["results"][0]
    assert result["precision"] == amp and result["peak_mem_mb"] > 0


def test_mfu_is_sane_on_a_known_gpu() -> None:
    name = torch.cuda.get_device_name()
    if name not in PEAK_TFLOPS:
        pytest.skip(f"{name!r} has no peak figure in nbgen")
    report = run_benchmark(BenchConfig(device="cuda", steps=20, warmup=5, progress=False))
    naive, optimized = report["results"]
    for result in (naive, optimized):
        assert result["mfu"] is not None and 0.05 <= result["mfu"] <= 0.8, result
        assert result["peak_mem_mb"] > 0
    assert optimized["train_images_per_s"] > naive["train_images_per_s"]


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
