"""CUDA graphs and the whole step compiled: torch.compile's options from the benchmark's flags
(``--compile-mode``, ``--conv-1x1-as-mm``), and the static input buffers a step compiled from
the forward pass to the optimizer's update replays on (``--whole-step``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from nbgen.runtime.bench.config import BenchConfig, bench_fail
from nbgen.runtime.bench.device import world

GraphStep = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def compile_options(config: BenchConfig) -> dict[str, Any] | None:
    """Inductor's options for the flags: the mode's own (CUDA graphs for reduce-overhead and
    max-autotune, autotuned matrix multiplies and convolutions for the max-autotune ones), plus
    1x1 convolutions as matrix multiplies. None: torch.compile's defaults.

    Options rather than ``mode=``: torch.compile takes one or the other, and
    ``conv_1x1_as_mm`` exists only as an option. ``list_mode_options`` is what ``mode=`` applies.
    """
    options: dict[str, Any] = {}
    if config.compile_mode != "default":
        from torch._inductor import list_mode_options

        options.update(list_mode_options(config.compile_mode))
    if config.conv_1x1_as_mm:
        options["conv_1x1_as_mm"] = True
    return options or None


def compile_detail(config: BenchConfig, *, compiled: bool) -> str:
    """How the optimized step was compiled, for the report: ``reduce-overhead, whole step``."""
    if not compiled:
        return ""
    parts = [config.compile_mode] if config.compile_mode != "default" else []
    parts += ["whole step"] if config.whole_step else []
    parts += ["conv 1x1 as mm"] if config.conv_1x1_as_mm else []
    return ", ".join(parts)


def compile_target(
    target: Any, backend: Any = "inductor", options: dict[str, Any] | None = None
) -> Any:
    """``torch.compile(target)``; inductor's options only for inductor (another backend, as the
    tests' failing one, takes none)."""
    if backend == "inductor" and options:
        return torch.compile(target, backend=backend, options=options)
    return torch.compile(target, backend=backend)


def check_whole_step(config: BenchConfig, amp: torch.dtype | None) -> None:
    """``--whole-step`` where it can hold: one rank (DDP's gradient hooks would run inside the
    compiled step) and no fp16 (GradScaler reads its overflow flag on the host)."""
    if not config.whole_step:
        return
    if world()[1] > 1:
        raise bench_fail("whole_step_ranks", config.lang)
    if amp is torch.float16:
        raise bench_fail("whole_step_fp16", config.lang)


def static_inputs(step: GraphStep) -> GraphStep:
    """``step`` over two buffers that never move, made like the first batch (shape, layout):
    each batch is copied in first, so CUDA graphs replay on the same addresses (marked
    static, the graphs copy nothing themselves). Every batch has the same shape (drop_last)."""
    buffers: list[torch.Tensor] = []

    def run(batch: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if not buffers:
            buffers.extend(torch.empty_like(t) for t in (batch, targets))
            for buffer in buffers:
                torch._dynamo.mark_static_address(buffer)
        buffers[0].copy_(batch)
        buffers[1].copy_(targets)
        return step(buffers[0], buffers[1])

    return run
