"""Where and how the benchmark runs: device, mixed precision, torchrun, and honest step timing."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nbgen.runtime.bench_config import BenchConfig, BenchError, mode_label


def pick_device(name: str) -> torch.device:
    """auto → cuda when available; asking for cuda without one is a clear error."""
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise BenchError("--device cuda: torch sees no GPU here; use --device cpu or auto")
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    if name != "cpu":
        raise BenchError(f"device {name!r}: choose auto, cpu or cuda")
    return torch.device("cpu")


def pick_amp(amp: str, device: torch.device) -> torch.dtype | None:
    """bf16 where tensor cores do it fast (sm80+), fp16 before; nothing on a CPU unless asked."""
    if amp == "off":
        return None
    if amp == "bf16":
        return torch.bfloat16
    if amp == "fp16":
        return torch.float16
    if amp != "auto":
        raise BenchError(f"amp {amp!r}: choose auto, bf16, fp16 or off")
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.get_device_capability(device)[0] >= 8 else torch.float16


def world() -> tuple[int, int]:
    """(rank, world size) under torchrun; (0, 1) otherwise."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def init_distributed(device: torch.device) -> None:
    import torch.distributed as dist

    if world()[1] > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")


def wrap_ddp(model: nn.Module, device: torch.device) -> nn.Module:
    if world()[1] == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(
        model, device_ids=[device.index] if device.type == "cuda" else None
    )


def all_sum(value: float, device: torch.device) -> float:
    if world()[1] == 1:
        return value
    import torch.distributed as dist

    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor.item())


# ---- timing ------------------------------------------------------------------------------------
class StepTimer:
    """Per-step times: CUDA events on a GPU (read once at the end), the wall clock on a CPU."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == "cuda"
        self.marks: list[Any] = []

    def mark(self) -> None:
        if self.cuda:
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            self.marks.append(event)
        else:
            self.marks.append(time.perf_counter())

    def step_ms(self) -> list[float]:
        if self.cuda:
            torch.cuda.synchronize()
            return [a.elapsed_time(b) for a, b in zip(self.marks, self.marks[1:], strict=False)]
        return [(b - a) * 1000 for a, b in zip(self.marks, self.marks[1:], strict=False)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def progress(total: int, desc: str, enabled: bool) -> Any:
    """tqdm.auto: a widget in notebooks, a text bar in a terminal; None when switched off."""
    if not enabled or world()[0] != 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False)


def timed_loop(config: BenchConfig, device: torch.device, label: str, one_step: Callable[[], object],
               timer: StepTimer) -> tuple[list[float], float]:  # fmt: skip
    """Warm-up steps (timed as a whole), then timed steps; (step times in ms, warm-up s)."""
    bar = progress(config.warmup + config.steps, mode_label(label, config.lang), config.progress)
    reset_peak(device)
    start = time.perf_counter()
    warmup_s = 0.0
    for i in range(config.warmup + config.steps):
        if i == config.warmup:
            sync(device)
            warmup_s = time.perf_counter() - start
            timer.mark()
        one_step()
        if i >= config.warmup:
            timer.mark()
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return timer.step_ms(), warmup_s


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
