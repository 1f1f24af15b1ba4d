"""ResNet-101 on CIFAR-10, timed honestly: the tutorial's naive loop and an optimized one.

naive: torchvision's CIFAR10 with PIL transforms through ``DataLoader(num_workers=2)``, fp32,
NCHW, ``loss.item()`` every step. optimized: the data set on the device as uint8, augmentation
as batched tensor ops, batches by ``randperm``, autocast (bf16 on sm80+, fp16 with GradScaler
before), channels_last, ``cudnn.benchmark``, a fused (or foreach) optimizer,
``zero_grad(set_to_none=True)``, no host sync per step, optional ``torch.compile``.

Warm-up (autotune, compile) is timed on its own and left out; steps are timed with CUDA
events (no host sync) on a GPU and the wall clock on a CPU. Under ``torchrun`` the same code
runs with DistributedDataParallel and reports global images per second. The parts live in
``bench_*.py``; this module runs them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from nbgen.runtime.bench_config import BenchConfig, BenchError, ModeResult, check_config
from nbgen.runtime.bench_device import init_distributed, pick_device, world
from nbgen.runtime.bench_loops import learning_check, run_naive, run_optimized, train_epochs
from nbgen.runtime.bench_model import load_arrays
from nbgen.runtime.bench_report import (
    environment,
    format_report,
    forward_flops,
    plot_report,
)

__all__ = [
    "BenchConfig",
    "BenchError",
    "ModeResult",
    "format_report",
    "plot_report",
    "run_benchmark",
    "world",
]


def run_benchmark(config: BenchConfig) -> dict[str, Any]:
    """Run the chosen loops, one after the other, and return the report (see ``--json``)."""
    check_config(config)
    device = pick_device(config.device)
    init_distributed(device)
    data, targets = load_arrays(config)
    if len(targets) < config.batch_size:
        raise BenchError(
            f"batch size {config.batch_size} is larger than the data ({len(targets)} images)"
        )
    flops = forward_flops(config.stem)
    modes = ["naive", "optimized"] if config.mode == "both" else [config.mode]
    runners = {"naive": run_naive, "optimized": run_optimized}
    results = [runners[m](config, device, data, targets, flops) for m in modes]
    report: dict[str, Any] = {
        "device": environment(device), "world_size": world()[1],
        "config": {k: v for k, v in asdict(config).items() if k != "progress"},
        "flops_per_image": flops, "results": [asdict(r) for r in results],
        "speedup": None, "learns": learning_check(config, device, data, targets),
    }  # fmt: skip
    if len(results) == 2:
        report["speedup"] = results[1].train_images_per_s / results[0].train_images_per_s
    if config.epochs:
        report["test_accuracy"] = train_epochs(config, device, data, targets)
    return report
