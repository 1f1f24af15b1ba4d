"""``--auto-batch``: the optimized loop's batch from free GPU memory. Peak memory is measured
over one eager optimized step at two small batches (what stays, and what each image adds),
then the batch is the largest power of two that fits, with room left over."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import torch

from nbgen.runtime.bench.config import BenchConfig
from nbgen.runtime.bench.device import pick_amp, sync, world
from nbgen.runtime.bench.model import normalize
from nbgen.runtime.bench.steps import device_data, make_optimizer, make_step, prepare_model

AUTO_BATCH_MOST = 2048  # past this an epoch of 50,000 is a couple of dozen steps
AUTO_BATCH_SHARE = 0.8  # of free memory: the rest for fragmentation and CUDA graphs' pools


class BatchChoice(NamedTuple):
    batch_size: int
    free_gb: float
    per_image_mb: float


def fitting_batch(free: float, fixed: float, per_image: float, most: int) -> int:
    """The largest power of two ``b <= most`` with ``fixed + b * per_image`` inside
    ``AUTO_BATCH_SHARE`` of ``free`` bytes; at least 2 (batch norm trains on no fewer)."""
    budget = AUTO_BATCH_SHARE * free - fixed
    batch = 2
    while batch * 2 <= most and batch * 2 * per_image <= budget:
        batch *= 2
    return batch


def memory_line(measure: Callable[[int], float], small: int = 16) -> tuple[float, float]:
    """(fixed bytes, bytes per image) from the peak memory of a step at ``small`` and at
    ``2 * small`` images: a straight line through the two."""
    one, two = measure(small), measure(2 * small)
    per_image = max((two - one) / small, 1.0)
    return max(one - per_image * small, 0.0), per_image


def choose_batch(
    config: BenchConfig, device: torch.device, data: Any, targets: list[int]
) -> BatchChoice:
    """Measure, free what was measured with, read free memory, choose (at most an epoch's
    share of each rank)."""
    fixed, per_image = measured_memory(config, device, data, targets)
    torch.cuda.empty_cache()  # the measuring model is gone: its memory is free again
    free = float(torch.cuda.mem_get_info(device)[0])
    most = min(AUTO_BATCH_MOST, len(targets) // world()[1])
    chosen = fitting_batch(free, fixed, per_image, most)
    return BatchChoice(chosen, free / 2**30, per_image / 2**20)


def measured_memory(
    config: BenchConfig, device: torch.device, data: Any, targets: list[int]
) -> tuple[float, float]:
    """(fixed bytes, bytes per image) of eager optimized steps on a model made for this."""
    amp = pick_amp(config.amp, device, config.lang)
    model = prepare_model(config, device)
    step = make_step(model, make_optimizer(model, device), amp, device)
    images, labels = device_data(data[:32], targets[:32], device)

    def measure(count: int) -> float:
        batch = normalize(images[:count]).contiguous(memory_format=torch.channels_last)
        sync(device)
        torch.cuda.reset_peak_memory_stats(device)
        step(batch, labels[:count])
        sync(device)
        return float(torch.cuda.max_memory_allocated(device))

    return memory_line(measure)
