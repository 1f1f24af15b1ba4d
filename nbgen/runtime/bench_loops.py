"""The two training loops over the same model, seed and data: the tutorial's naive loop and
the optimized one, plus the learning check and the epochs run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nbgen.runtime.bench_config import BenchConfig, ModeResult, mode_label
from nbgen.runtime.bench_device import (
    StepTimer,
    all_sum,
    percentile,
    pick_amp,
    progress,
    sync,
    timed_loop,
    world,
    wrap_ddp,
)
from nbgen.runtime.bench_model import (
    ArrayCifar,
    build_model,
    gpu_augment,
    load_arrays,
    normalize,
    pil_transform,
)
from nbgen.runtime.bench_report import mfu


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

    # the wall clock: waiting for the data loader is the point
    step_ms, warmup_s = timed_loop(
        config, device, "naive", one_step, StepTimer(torch.device("cpu"))
    )
    infer = inference_rate(model, device, None, False, config, data)
    return summarize("naive", config, device, step_ms, warmup_s, infer, flops)


def make_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    amp: torch.dtype | None,
    device: torch.device,
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """One optimized training step; returns the loss on the device (no host sync)."""
    scaler = torch.amp.GradScaler(device.type, enabled=amp is torch.float16)

    def step(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None):
            loss = F.cross_entropy(model(images), labels)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        return loss.detach()

    return step


def make_optimizer(
    model: nn.Module, device: torch.device, lr: float = 0.05
) -> torch.optim.Optimizer:
    params = list(model.parameters())
    try:
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4, nesterov=True,
                               fused=device.type == "cuda")  # fmt: skip
    except (RuntimeError, TypeError):  # an older torch without fused SGD
        return torch.optim.SGD(
            params, lr=lr, momentum=0.9, weight_decay=5e-4, nesterov=True, foreach=True
        )


def prepare_model(config: BenchConfig, device: torch.device) -> nn.Module:
    torch.manual_seed(config.seed)
    model = build_model(config.stem).to(device).to(memory_format=torch.channels_last)
    return wrap_ddp(model, device)


def device_data(
    data: Any, targets: list[int], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    images = torch.from_numpy(data).to(device).permute(0, 3, 1, 2).contiguous()
    return images, torch.tensor(targets, device=device)


def optimized_batch(
    images: torch.Tensor, labels: torch.Tensor, batch_size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    index = torch.randperm(len(labels), device=images.device, generator=generator)[:batch_size]
    batch = normalize(gpu_augment(images[index], generator))
    return batch.contiguous(memory_format=torch.channels_last), labels[index]


def run_optimized(
    config: BenchConfig, device: torch.device, data: Any, targets: list[int], flops: float
) -> ModeResult:
    torch.backends.cudnn.benchmark = True
    amp = pick_amp(config.amp, device)
    model = prepare_model(config, device)
    optimizer = make_optimizer(model, device)
    compiled: nn.Module = torch.compile(model) if config.compile else model  # type: ignore[assignment]
    step = make_step(compiled, optimizer, amp, device)
    images, labels = device_data(data, targets, device)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    step_ms, warmup_s = timed_loop(
        config, device, "optimized",
        lambda: step(*optimized_batch(images, labels, config.batch_size, generator)),
        StepTimer(device),
    )  # fmt: skip
    infer = inference_rate(compiled, device, amp, True, config, data)
    return summarize("optimized", config, device, step_ms, warmup_s, infer, flops)


def inference_rate(
    model: nn.Module,
    device: torch.device,
    amp: torch.dtype | None,
    channels_last: bool,
    config: BenchConfig,
    data: Any,
) -> float:
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
    mode: str,
    config: BenchConfig,
    device: torch.device,
    step_ms: list[float],
    warmup_s: float,
    infer: float,
    flops: float,
) -> ModeResult:
    total_s = sum(step_ms) / 1000
    rate = all_sum(config.batch_size * len(step_ms) / total_s, device)
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return ModeResult(
        mode=mode, train_images_per_s=rate, infer_images_per_s=infer,
        step_ms_median=statistics.median(step_ms), step_ms_p10=percentile(step_ms, 0.1),
        step_ms_p90=percentile(step_ms, 0.9), warmup_s=warmup_s, peak_mem_mb=peak,
        mfu=mfu(rate, flops, device), step_ms=step_ms,
    )  # fmt: skip


# ---- what the numbers mean ---------------------------------------------------------------------


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
    first = float(step(batch, labels))
    return any(float(step(batch, labels)) < first / 2 for _ in range(config.learn_steps))


def train_epochs(config: BenchConfig, device: torch.device, data: Any, targets: list[int]) -> float:
    """Train the optimized loop for ``config.epochs`` and return test accuracy."""
    amp = pick_amp(config.amp, device)
    model = prepare_model(config, device)
    optimizer = make_optimizer(model, device)
    step = make_step(model, optimizer, amp, device)
    images, labels = device_data(data, targets, device)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    steps_per_epoch = max(1, len(labels) // config.batch_size)
    bar = progress(
        config.epochs * steps_per_epoch, mode_label("epochs", config.lang), config.progress
    )
    for _ in range(config.epochs * steps_per_epoch):
        step(*optimized_batch(images, labels, config.batch_size, generator))
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
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
