"""The optimized loop's parts: its model, optimizer, step, batches and torch.compile with a
fallback. Each is correct on the GPUs users have: fp16 with a skipped first step (T4), and
several ranks under torchrun."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nbgen.runtime.bench.config import BenchConfig, bench_fail
from nbgen.runtime.bench.device import out_of_memory, world, wrap_ddp
from nbgen.runtime.bench.graphs import compile_target
from nbgen.runtime.bench.model import build_model, gpu_augment, norm_stats, normalize

Step = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def make_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, amp: torch.dtype | None,
    device: torch.device,
) -> Step:  # fmt: skip
    """One optimized training step; returns the loss on the device (no host sync: fused SGD
    takes GradScaler's overflow flag on the device)."""
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
    model: nn.Module, device: torch.device, lr: float = 0.05, *, fused: bool | None = None
) -> torch.optim.Optimizer:
    """SGD with Nesterov momentum: fused on a GPU, foreach otherwise.

    The momentum buffers start at zero. Fused SGD makes them with ``empty_like`` on its first
    step; when GradScaler skips that step (the scaled gradients overflowed, as they do while
    the scale comes down from 65536), the kernel returns early and the next step would use
    uninitialised memory as momentum: NaN parameters on a T4. With dampening 0, a zero buffer
    gives exactly the first step plain SGD takes (``buf = grad``).
    """
    params = list(model.parameters())
    kwargs: dict[str, Any] = dict(lr=lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
    use_fused = device.type == "cuda" if fused is None else fused
    try:
        optimizer = torch.optim.SGD(params, **kwargs, fused=use_fused)
    except (RuntimeError, TypeError):  # an older torch without fused SGD here
        optimizer = torch.optim.SGD(params, **kwargs, foreach=True)
    for param in params:
        optimizer.state[param]["momentum_buffer"] = torch.zeros_like(param)
    return optimizer


def prepare_model(config: BenchConfig, device: torch.device) -> nn.Module:
    torch.manual_seed(config.seed)
    model = build_model(config.stem).to(device).to(memory_format=torch.channels_last)
    return wrap_ddp(model, device)


def device_data(
    data: Any, targets: list[int], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    images = torch.from_numpy(data).to(device).permute(0, 3, 1, 2).contiguous()
    return images, torch.tensor(targets, device=device)


def shard_indices(
    count: int, batch_size: int, generator: torch.Generator, rank: int, world_size: int
) -> Iterator[torch.Tensor]:
    """The batches of one epoch for one rank: every rank draws the same permutation (same
    seed) and takes every ``world_size``-th index from its rank on, so the ranks' batches are
    disjoint and together cover the epoch (as DistributedSampler shards the naive loop)."""
    order = torch.randperm(count, device=generator.device, generator=generator)
    mine = order[rank::world_size]
    for start in range(0, len(mine) - batch_size + 1, batch_size):
        yield mine[start : start + batch_size]


class Batches:
    """Endless optimized batches for this rank: indices sharded across ranks, augmentation
    and normalisation on the device, the statistics built once (no host sync per step)."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, config: BenchConfig) -> None:
        self.images, self.labels, self.batch_size = images, labels, config.batch_size
        self.lang = config.lang
        device = images.device
        rank, self.world_size = world()
        self.rank = rank
        self.order = torch.Generator(device=device).manual_seed(config.seed)  # the same everywhere
        self.augment = torch.Generator(device=device).manual_seed(config.seed + 1 + rank)
        self.stats = norm_stats(device)
        self.epoch: Iterator[torch.Tensor] = iter(())

    def indices(self) -> torch.Tensor:
        for _ in range(2):
            index = next(self.epoch, None)
            if index is not None:
                return index
            self.epoch = shard_indices(len(self.labels), self.batch_size, self.order, self.rank,
                                       self.world_size)  # fmt: skip
        per_rank = len(self.labels) // self.world_size
        raise bench_fail("shards", self.lang, batch=self.batch_size, ranks=self.world_size,
                          images=len(self.labels), per_rank=per_rank, fit=max(1, per_rank))  # fmt: skip

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
        index = self.indices()
        # a synthetic epoch indexes a smaller pool of images (label i, image i % pool)
        pick = index if len(self.images) == len(self.labels) else index % len(self.images)
        batch = normalize(gpu_augment(self.images[pick], self.augment), self.stats)
        return batch.contiguous(memory_format=torch.channels_last), self.labels[index]


def want_compile(setting: str, device: torch.device) -> bool:
    """``auto``: compile on a GPU (the default there), not on a CPU."""
    return setting == "on" or (setting == "auto" and device.type == "cuda")


_STEP_TEXT = {
    "en": {"eager": "torch.compile failed ({kind}: {reason}); running eager"},
    "zh": {"eager": "torch.compile 失败（{kind}：{reason}）；改为即时执行"},
}


class CompiledStep:
    """The step through ``torch.compile``, falling back to eager with one line if compiling
    fails (Triton does not support a P100; some images have no compiler). ``compiled`` says
    which ran. ``whole``: the whole step (forward, backward, the optimizer's update) is
    compiled, not only the model. Running out of GPU memory is no compile failure: it is
    raised as it is (the loop says to use a smaller batch)."""

    def __init__(
        self, model: nn.Module, make: Callable[[nn.Module], Step], on: bool,
        backend: Any = "inductor", *, options: dict[str, Any] | None = None, whole: bool = False,
        lang: str = "en",
    ) -> None:  # fmt: skip
        self.model, self.make, self.compiled = model, make, on
        self.text = _STEP_TEXT.get(lang, _STEP_TEXT["en"])
        # CUDA graphs' outputs live until the next replay: each step says a new one begins
        self.graphs = bool(on and options and options.get("triton.cudagraphs"))
        if not on:
            self.step = make(model)
        elif whole:
            self.step = compile_target(make(model), backend, options)
        else:
            self.step = make(compile_target(model, backend, options))

    def __call__(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        begin = getattr(torch.compiler, "cudagraph_mark_step_begin", None)
        if self.graphs and self.compiled and begin is not None:
            begin()
        try:
            return self.step(images, labels)
        except Exception as exc:  # BackendCompilerFailed, a missing C compiler, ...
            if not self.compiled or out_of_memory(exc):
                raise
            root: BaseException = exc
            while (inner := getattr(root, "inner_exception", None) or root.__cause__) is not None:
                root = inner
            reason = (str(root).strip().splitlines() or [""])[0][:200]
            print(self.text["eager"].format(kind=type(root).__name__, reason=reason))
            self.compiled = False
            self.step = self.make(self.model)
            return self.step(images, labels)
