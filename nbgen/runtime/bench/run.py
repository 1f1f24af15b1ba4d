"""ResNet-101 on CIFAR-10, timed honestly: the tutorial's naive loop and an optimized one.

naive: torchvision's CIFAR10 with PIL transforms through ``DataLoader(num_workers=2)``, fp32,
NCHW, ``loss.item()`` every step. optimized: the data set on the device as uint8, augmentation
as batched tensor ops, batches by ``randperm``, autocast (bf16 on sm80+, fp16 with GradScaler
before), channels_last, ``cudnn.benchmark``, a fused (or foreach) optimizer,
``zero_grad(set_to_none=True)``, no host sync per step, optional ``torch.compile`` (its mode,
CUDA graphs, the whole step: ``graphs``). Synthetic data has CIFAR-10's epoch of 50,000.

Compiling (the first step) and the warm-up (autotuning) are timed on their own and left out;
steps are timed with CUDA events (no host sync) on a GPU and the wall clock on a CPU. Under
``torchrun`` the same code runs with DistributedDataParallel and reports global images per
second. The parts live in the other modules of this package; this module runs them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

from nbgen.runtime.bench.config import (
    BenchConfig,
    BenchError,
    ModeResult,
    bench_error,
    bench_fail,
    bench_message,
    bench_setting,
    check_config,
    mode_label,
)
from nbgen.runtime.bench.device import init_distributed, out_of_memory, pick_device, world
from nbgen.runtime.bench.loops import learning_check, run_naive, run_optimized, train_epochs
from nbgen.runtime.bench.memory import choose_batch
from nbgen.runtime.bench.model import load_arrays
from nbgen.runtime.bench.report import (
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
Runner = Callable[[BenchConfig, Any, Any, list[int], float], ModeResult]


def run_benchmark(config: BenchConfig) -> dict[str, Any]:
    """Run the chosen loops, one after the other, and return the report (see ``--json``)."""
    check_config(config)
    device = pick_device(config.device)
    if config.auto_batch and device.type != "cuda":
        raise bench_fail("auto_batch_cpu", config.lang)
    init_distributed(device)
    check_gpu_each(device, config.lang)
    data, targets = load_arrays(config)
    if len(targets) < config.batch_size:
        setting = bench_setting(config, "batch_size")
        if not config.notebook:
            setting = f"batch size {config.batch_size}"
        raise bench_error(config, "batch", setting=setting, count=len(targets))
    check_shards(len(targets), config)
    flops = forward_flops(config.stem)
    modes = ["naive", "optimized"] if config.mode == "both" else [config.mode]
    runners: dict[str, Runner] = {"naive": run_naive, "optimized": run_optimized}
    results = [run_loop(runners[m], m, config, device, data, targets, flops) for m in modes]
    report: dict[str, Any] = {
        "device": environment(device), "world_size": world()[1],
        "config": {k: v for k, v in asdict(config).items() if k not in ("progress", "notebook")},
        "flops_per_image": flops, "results": [asdict(r) for r in results],
        "speedup": None, "learns": learning_check(config, device, data, targets),
    }  # fmt: skip
    if len(results) == 2:
        report["speedup"] = results[1].train_images_per_s / results[0].train_images_per_s
    if config.auto_batch:
        report["auto_batch"] = run_auto_batch(config, device, data, targets, flops, results)
    if config.epochs:
        report["test_accuracy"] = train_epochs(config, device, data, targets)
    return report


def check_shards(count: int, config: BenchConfig) -> None:
    """Every rank gets at least one whole batch of each epoch (before any rank starts)."""
    size = world()[1]
    per_rank = count // size
    if size > 1 and per_rank < config.batch_size:
        raise bench_fail("shards", config.lang, batch=config.batch_size, ranks=size,
                          images=count, per_rank=per_rank, fit=max(1, per_rank))  # fmt: skip


def check_gpu_each(device: Any, lang: str = "en") -> None:
    """One GPU a rank: two ranks on one would each get half of it (and NCCL refuses them).
    Every rank tells the others which GPU it took (host, UUID) over a gloo group, before any
    NCCL call, and all refuse together."""
    import socket

    import torch
    import torch.distributed as dist

    size = world()[1]
    if device.type != "cuda" or size == 1:
        return
    props = torch.cuda.get_device_properties(device)
    mine = (socket.gethostname(), str(getattr(props, "uuid", device.index)))
    everyone: list[Any] = [None] * size
    gloo: Any = dist.new_group(backend="gloo")  # NCCL itself refuses two ranks on one GPU
    dist.all_gather_object(everyone, mine, group=gloo)
    ranks, gpus = ranks_and_gpus(everyone, mine[0])
    if ranks > gpus:
        raise bench_fail("ranks", lang, ranks=ranks, gpus=gpus)


def ranks_and_gpus(everyone: list[tuple[str, str]], host: str) -> tuple[int, int]:
    """How many ranks run on ``host``, and on how many distinct GPUs."""
    here = [gpu for name, gpu in everyone if name == host]
    return len(here), len(set(here))


def run_loop(
    runner: Runner, mode: str, config: BenchConfig, device: Any, data: Any, targets: list[int],
    flops: float,
) -> ModeResult:  # fmt: skip
    with memory_said(mode, config, gpu=device.type == "cuda"):
        return runner(config, device, data, targets, flops)


@contextlib.contextmanager
def memory_said(mode: str, config: BenchConfig, *, gpu: bool) -> Iterator[None]:
    """The GPU running out of memory, in a loop or inside torch.compile, as one line that says
    to use a smaller batch (not "torch.compile failed", not a traceback)."""
    try:
        yield
    except Exception as exc:
        if not gpu or not out_of_memory(exc):
            raise
        batch = config.batch_size
        raise bench_fail("oom", config.lang, batch=batch, mode=mode_label(mode, config.lang),
                          half=max(1, batch // 2)) from None  # fmt: skip


def run_auto_batch(
    config: BenchConfig, device: Any, data: Any, targets: list[int], flops: float,
    results: list[ModeResult],
) -> dict[str, Any]:  # fmt: skip
    """The optimized loop again at the largest batch free memory allows; its ratio against
    the naive loop at the asked batch sits beside the same-batch one."""
    choice = choose_batch(config, device, data, targets)
    if config.progress and world()[0] == 0:
        print(bench_message("auto_batch", config.lang, mode=mode_label("optimized", config.lang),
                            batch=choice.batch_size, free=choice.free_gb,
                            per_image=choice.per_image_mb))  # fmt: skip
    same = [r for r in results if r.mode == "optimized" and r.batch_size == choice.batch_size]
    big = BenchConfig(**{**vars(config), "batch_size": choice.batch_size})
    result = same[0] if same else run_loop(run_optimized, "optimized", big, device, data,
                                           targets, flops)  # fmt: skip
    naive = [r for r in results if r.mode == "naive"]
    speedup = result.train_images_per_s / naive[0].train_images_per_s if naive else None
    return {**asdict(result), "free_gb": choice.free_gb, "per_image_mb": choice.per_image_mb,
            "speedup": speedup}  # fmt: skip
