"""Where and how the benchmark runs: device, mixed precision, torchrun, and honest step timing."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import torch
from torch import nn

from nbgen.runtime.bench.config import (
    BenchConfig,
    BenchError,
    bench_fail,
    bench_message,
    mode_label,
)


def pick_device(name: str) -> torch.device:
    """auto → cuda when available; asking for cuda without one is a clear error.

    Under torchrun each process takes the GPU of its LOCAL_RANK, modulo the GPUs it can see:
    launchers that give each process one visible GPU (LOCAL_RANK 3, one device) work too.
    Two ranks that land on one GPU are refused once they can talk (``run.check_gpu_each``).
    """
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise BenchError("--device cuda: torch sees no GPU here; use --device cpu or auto")
        index = local_rank % torch.cuda.device_count()
        torch.cuda.set_device(index)
        return torch.device("cuda", index)
    if name != "cpu":
        raise BenchError(f"device {name!r}: choose auto, cpu or cuda")
    return torch.device("cpu")


def pick_amp(amp: str, device: torch.device, lang: str = "en") -> torch.dtype | None:
    """bf16 where tensor cores do it fast (sm80+), fp16 before; nothing on a CPU unless asked."""
    if device.type != "cuda":
        return amp_dtype(amp, None, lang=lang)
    name = torch.cuda.get_device_name(device)
    return amp_dtype(amp, torch.cuda.get_device_capability(device), name, lang=lang)


def amp_dtype(
    amp: str, capability: tuple[int, int] | None, name: str = "", lang: str = "en"
) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on a GPU of ``capability`` (None: a CPU). bf16 is
    refused below 8.0: torch says a T4 supports it (by emulation), but cuDNN has no bf16
    convolutions there."""
    if amp not in ("auto", "bf16", "fp16", "off"):
        raise BenchError(f"amp {amp!r}: choose auto, bf16, fp16 or off")
    if amp == "bf16" and capability is not None and capability[0] < 8:
        raise bench_fail("bf16", lang, name=name, capability=f"{capability[0]}.{capability[1]}")
    if amp != "auto":
        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp)
    if capability is None:
        return None
    return torch.bfloat16 if capability[0] >= 8 else torch.float16


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


def all_mean(value: float, device: torch.device) -> float:
    """The mean of ``value`` over the ranks: the same number on every rank."""
    return all_sum(value, device) / world()[1]


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
    """The ``q`` quantile (0.1, 0.9, ...), interpolated between the values as numpy does."""
    if len(values) < 2:
        return values[0] if values else math.nan
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[round(q * 100) - 1]


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class _NoBar:
    def update(self) -> None:
        pass

    def close(self) -> None:
        pass


def progress(total: int, desc: str, enabled: bool) -> Any:
    """tqdm.auto: a widget in notebooks, a text bar in a terminal; a bar that shows nothing
    when switched off or on a rank other than 0."""
    if not enabled or world()[0] != 0:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False)


class Timed(NamedTuple):
    step_ms: list[float]
    warmup_s: float
    clocks: str | None  # the SM clock while the timed steps ran (this rank's GPU)
    compile_s: float | None = None  # the first step on its own, when it compiles


def timed_loop(config: BenchConfig, device: torch.device, label: str, one_step: Callable[[], object],
               timer: StepTimer, *, compiling: bool = False) -> Timed:  # fmt: skip
    """Warm-up steps (timed as a whole), then timed steps. When ``compiling``, the first step
    (which compiles) is timed on its own and left out of the warm-up. Peak memory counts from
    the first timed step; the GPU clock is read halfway through them, off the loop's thread."""
    if compiling and config.progress and world()[0] == 0:
        print(bench_message("compiling", config.lang, mode=mode_label(label, config.lang)))
    bar = progress(config.warmup + config.steps, mode_label(label, config.lang), config.progress)
    start = time.perf_counter()
    warmup_s, compile_s = 0.0, None
    sampler = ClockSampler(device)
    for i in range(config.warmup + config.steps):
        if i == config.warmup:
            sync(device)
            warmup_s = time.perf_counter() - start
            reset_peak(device)
            timer.mark()
        if i == config.warmup + config.steps // 2:
            sampler.start()
        one_step()
        if compiling and i == 0 and config.warmup > 0:
            sync(device)
            compile_s = time.perf_counter() - start
            start = time.perf_counter()
        if i >= config.warmup:
            timer.mark()
        bar.update()
    bar.close()
    return Timed(timer.step_ms(), warmup_s, sampler.result(), compile_s)


def out_of_memory(exc: BaseException) -> bool:
    """``exc``, or an error it wraps (torch.compile wraps what its backend raised), is the
    GPU running out of memory."""
    seen: BaseException | None = exc
    for _ in range(20):  # a chain, never a cycle
        if seen is None:
            return False
        if isinstance(seen, torch.cuda.OutOfMemoryError) or "out of memory" in str(seen).lower():
            return True
        seen = getattr(seen, "inner_exception", None) or seen.__cause__ or seen.__context__
    return False


class ClockSampler:
    """``nvidia-smi`` for this rank's GPU (by UUID), in a thread: the query takes ~0.1 s and
    must not stall a timed step."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.thread: threading.Thread | None = None
        self.value: str | None = None

    def start(self) -> None:
        if self.device.type == "cuda" and shutil.which("nvidia-smi"):
            self.thread = threading.Thread(target=self._read, daemon=True)
            self.thread.start()

    def _read(self) -> None:
        uuid = getattr(torch.cuda.get_device_properties(self.device), "uuid", None)
        target = f"GPU-{uuid}" if uuid else str(self.device.index)
        query = ["nvidia-smi", "-i", target, "--query-gpu=clocks.sm,clocks.max.sm",
                 "--format=csv,noheader"]  # fmt: skip
        try:
            out = subprocess.run(query, capture_output=True, text=True, timeout=10, check=True)
            self.value = out.stdout.strip() or None
        except (OSError, subprocess.SubprocessError):
            self.value = None

    def result(self) -> str | None:
        if self.thread is not None:
            self.thread.join(timeout=15)
        return self.value


@contextlib.contextmanager
def cudnn_autotune(enabled: bool) -> Iterator[None]:
    """``cudnn.benchmark`` for one loop only: the naive loop runs without it (as the tutorial
    does), the optimized one with it, and the user's setting comes back after."""
    saved = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = enabled
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = saved


@contextlib.contextmanager
def rank_zero_first() -> Iterator[None]:
    """Under torchrun, rank 0 does the block first (a download) while the others wait at a
    barrier, then they do it (finding the files there)."""
    import torch.distributed as dist

    rank, size = world()
    together = size > 1 and dist.is_available() and dist.is_initialized()
    if together and rank != 0:
        dist.barrier()
    try:
        yield
    finally:
        if together and rank == 0:
            dist.barrier()


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
