"""The two training loops over the same model, seed and data: the tutorial's naive loop and
the optimized one, plus the learning check and the epochs run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nbgen.runtime.bench_config import BenchConfig, ModeResult, mode_label
from nbgen.runtime.bench_device import (
    StepTimer,
    Timed,
    all_sum,
    cudnn_autotune,
    percentile,
    pick_amp,
    progress,
    sync,
    timed_loop,
    world,
    wrap_ddp,
)
from nbgen.runtime.bench_model import ArrayCifar, build_model, load_arrays, normalize, pil_transform
from nbgen.runtime.bench_report import mfu, precision_of
from nbgen.runtime.bench_steps import (
    Batches,
    CompiledStep,
    device_data,
    make_optimizer,
    make_step,
    prepare_model,
    want_compile,
)


def naive_batches(
    config: BenchConfig, data: Any, targets: list[int]
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The tutorial's pipeline, cycled for as many steps as asked."""
    dataset = ArrayCifar(data, targets, pil_transform())
    sampler: torch.utils.data.Sampler[int] | None = None
    if world()[1] > 1:
        sampler = torch.utils.data.DistributedSampler(dataset, seed=config.seed)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=config.batch_size, shuffle=sampler is None, sampler=sampler,
        num_workers=config.num_workers, drop_last=True,
        persistent_workers=config.num_workers > 0,
    )  # fmt: skip
    while True:
        yield from loader


def run_naive(
    config: BenchConfig, device: torch.device, data: Any, targets: list[int], flops: float
) -> ModeResult:
    torch.manual_seed(config.seed)
    model = wrap_ddp(build_model(config.stem).to(device), device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    batches = naive_batches(config, data, targets)

    def one_step() -> None:
        images, labels = next(batches)
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        loss.item()  # what the tutorial prints every step: a host sync

    with cudnn_autotune(False):  # the tutorial's way: no autotuning
        # the wall clock: waiting for the data loader is the point
        timed = timed_loop(config, device, "naive", one_step, StepTimer(torch.device("cpu")))
        infer = inference_rate(model, device, None, False, config, data)
    precision = precision_of(None, device)
    return summarize("naive", config, device, timed, infer, flops, precision, compiled=False)


def run_optimized(
    config: BenchConfig, device: torch.device, data: Any, targets: list[int], flops: float
) -> ModeResult:
    amp = pick_amp(config.amp, device)
    model = prepare_model(config, device)
    optimizer = make_optimizer(model, device)
    compiling = want_compile(config.compile, device)
    step = CompiledStep(model, lambda m: make_step(m, optimizer, amp, device), compiling)
    batches = Batches(*device_data(data, targets, device), config)
    if compiling and config.warmup < 1:  # compiling belongs in the warm-up, never a timed step
        config = BenchConfig(**{**vars(config), "warmup": 1})
    with cudnn_autotune(True):
        timed = timed_loop(config, device, "optimized", lambda: step(*batches()), StepTimer(device))
        infer = inference_rate(model, device, amp, True, config, data)
    precision = precision_of(amp, device)
    return summarize("optimized", config, device, timed, infer, flops, precision, step.compiled)


def inference_rate(
    model: nn.Module, device: torch.device, amp: torch.dtype | None, channels_last: bool,
    config: BenchConfig, data: Any,
) -> float:  # fmt: skip
    """Forward-only images per second on one resident batch (eval mode, no grad)."""
    batch = normalize(torch.from_numpy(data[: config.batch_size]).to(device).permute(0, 3, 1, 2))
    if channels_last:
        batch = batch.contiguous(memory_format=torch.channels_last)
    model.eval()
    steps = max(2, config.steps // 2)
    with (
        torch.inference_mode(),
        torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None),
    ):
        model(batch)  # warm-up
        sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            model(batch)
        sync(device)
    model.train()
    return all_sum(len(batch) * steps / (time.perf_counter() - start), device)


def summarize(
    mode: str, config: BenchConfig, device: torch.device, timed: Timed, infer: float,
    flops: float, precision: str, compiled: bool,
) -> ModeResult:  # fmt: skip
    step_ms = timed.step_ms
    total_s = sum(step_ms) / 1000
    rate = all_sum(config.batch_size * len(step_ms) / total_s, device)
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return ModeResult(
        mode=mode, train_images_per_s=rate, infer_images_per_s=infer,
        step_ms_median=statistics.median(step_ms), step_ms_p10=percentile(step_ms, 0.1),
        step_ms_p90=percentile(step_ms, 0.9), warmup_s=timed.warmup_s, peak_mem_mb=peak,
        mfu=mfu(rate, flops, device, precision), step_ms=step_ms, precision=precision,
        compiled=compiled, clocks=timed.clocks,
    )  # fmt: skip


def learning_check(
    config: BenchConfig, device: torch.device, data: Any, targets: list[int]
) -> bool:
    """Does the optimized step learn? Overfit one small fixed batch until the loss halves."""
    amp = pick_amp(config.amp, device)
    model = prepare_model(config, device)
    # a gentle rate: from scratch, a deep net on 8 images diverges first at the usual 0.05
    step = make_step(model, make_optimizer(model, device, lr=0.004), amp, device)
    images, labels = device_data(data[:8], targets[:8], device)
    batch = normalize(images).contiguous(memory_format=torch.channels_last)
    with cudnn_autotune(True):
        first = float(step(batch, labels))
        return any(float(step(batch, labels)) < first / 2 for _ in range(config.learn_steps))


def train_epochs(config: BenchConfig, device: torch.device, data: Any, targets: list[int]) -> float:
    """Train the optimized loop for ``config.epochs`` (each rank its shard) and return test
    accuracy."""
    amp = pick_amp(config.amp, device)
    model = prepare_model(config, device)
    step = make_step(model, make_optimizer(model, device), amp, device)
    batches = Batches(*device_data(data, targets, device), config)
    steps_per_epoch = max(1, len(targets) // (config.batch_size * world()[1]))
    total = config.epochs * steps_per_epoch
    bar = progress(total, mode_label("epochs", config.lang), config.progress)
    with cudnn_autotune(True):
        for _ in range(total):
            step(*batches())
            bar.update()
    bar.close()
    return test_accuracy(config, device, model, amp)


def test_accuracy(
    config: BenchConfig, device: torch.device, model: nn.Module, amp: torch.dtype | None
) -> float:
    test_data, test_targets = load_arrays(config, train=False)
    test_images, test_labels = device_data(test_data, test_targets, device)
    correct = 0
    model.eval()
    with (
        torch.inference_mode(),
        torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None),
    ):
        for start in range(0, len(test_labels), config.batch_size):
            batch = normalize(test_images[start : start + config.batch_size])
            logits = model(batch.contiguous(memory_format=torch.channels_last))
            correct += int(
                (logits.argmax(1) == test_labels[start : start + config.batch_size]).sum()
            )
    return correct / len(test_labels)
