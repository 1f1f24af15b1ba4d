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

from nbgen.runtime.bench.config import BenchConfig, ModeResult, bench_fail, mode_label
from nbgen.runtime.bench.device import (
    StepTimer,
    Timed,
    all_mean,
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
from nbgen.runtime.bench.graphs import (
    check_whole_step,
    compile_detail,
    compile_options,
    static_inputs,
)
from nbgen.runtime.bench.model import ArrayCifar, build_model, load_arrays, normalize, pil_transform
from nbgen.runtime.bench.report import mfu, precision_of
from nbgen.runtime.bench.steps import (
    Batches,
    CompiledStep,
    device_data,
    make_optimizer,
    make_step,
    prepare_model,
    want_compile,
)


def naive_loader(
    config: BenchConfig, data: Any, targets: list[int]
) -> torch.utils.data.DataLoader[Any]:
    """The tutorial's pipeline: PIL transforms through DataLoader workers, each rank its shard."""
    dataset = ArrayCifar(data, targets, pil_transform())
    rank, size = world()
    sampler: torch.utils.data.Sampler[int] | None = None
    if size > 1:
        sampler = torch.utils.data.DistributedSampler(dataset, num_replicas=size, rank=rank,
                                                      seed=config.seed)  # fmt: skip
    return torch.utils.data.DataLoader(
        dataset, batch_size=config.batch_size, shuffle=sampler is None, sampler=sampler,
        num_workers=config.num_workers, drop_last=True,
        persistent_workers=config.num_workers > 0,
    )  # fmt: skip


def naive_batches(
    config: BenchConfig, data: Any, targets: list[int]
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The tutorial's batches, epoch after epoch for as many steps as asked; an epoch with no
    whole batch for this rank is an error, not an endless loop over nothing."""
    loader = naive_loader(config, data, targets)
    if len(loader) == 0:
        size = world()[1]
        per_rank = -(-len(targets) // size)  # DistributedSampler pads to equal shards
        raise bench_fail("shards", config.lang, batch=config.batch_size, ranks=size,
                          images=len(targets), per_rank=per_rank, fit=max(1, per_rank))  # fmt: skip
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
    amp = pick_amp(config.amp, device, config.lang)
    check_whole_step(config, amp)
    model = prepare_model(config, device)
    # the whole step compiled: foreach SGD, which inductor fuses (fused SGD is one opaque kernel)
    optimizer = make_optimizer(model, device, fused=False if config.whole_step else None)
    compiling = want_compile(config.compile, device)
    step = CompiledStep(model, lambda m: make_step(m, optimizer, amp, device), compiling,
                        options=compile_options(config), whole=config.whole_step,
                        lang=config.lang)  # fmt: skip
    run = static_inputs(step) if config.whole_step else step
    batches = Batches(*device_data(data, targets, device), config)
    if compiling and config.warmup < 1:  # compiling belongs in the warm-up, never a timed step
        config = BenchConfig(**{**vars(config), "warmup": 1})
    with cudnn_autotune(True):
        timed = timed_loop(config, device, "optimized", lambda: run(*batches()), StepTimer(device),
                           compiling=compiling)  # fmt: skip
        infer = inference_rate(model, device, amp, True, config, data)
    precision = precision_of(amp, device)
    result = summarize("optimized", config, device, timed, infer, flops, precision, step.compiled)
    result.compile_detail = compile_detail(config, compiled=step.compiled)
    return result


def inference_rate(
    model: nn.Module, device: torch.device, amp: torch.dtype | None, channels_last: bool,
    config: BenchConfig, data: Any,
) -> float:  # fmt: skip
    """Forward-only images per second on one resident batch (eval mode, no grad), the eager
    model (compiled or not, the training step's compile is not reused here) on an NCHW input
    (naive) or a channels_last one (optimized)."""
    images = torch.from_numpy(data[: config.batch_size]).to(device).permute(0, 3, 1, 2)
    layout = torch.channels_last if channels_last else torch.contiguous_format
    batch = normalize(images).contiguous(memory_format=layout)  # NHWC data: say which
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
        compiled=compiled, clocks=timed.clocks, compile_s=timed.compile_s,
        batch_size=config.batch_size, infer_channels_last=mode == "optimized",
    )  # fmt: skip


def learning_check(
    config: BenchConfig, device: torch.device, data: Any, targets: list[int]
) -> bool:
    """Does the optimized step learn? Overfit one small fixed batch until the loss halves."""
    amp = pick_amp(config.amp, device, config.lang)
    model = prepare_model(config, device)
    # a gentle rate: from scratch, a deep net on 8 images diverges first at the usual 0.05
    step = make_step(model, make_optimizer(model, device, lr=0.004), amp, device)
    images, labels = device_data(data[:8], targets[:8], device)
    batch = normalize(images).contiguous(memory_format=torch.channels_last)
    with cudnn_autotune(True):
        return loss_halves(lambda: step(batch, labels), config.learn_steps, device)


def loss_halves(step: Callable[[], torch.Tensor], steps: int, device: torch.device) -> bool:
    """Does the loss, averaged over the ranks, halve within ``steps`` more steps? Every rank
    decides on the same number, so all stop at the same step: a rank that stopped early would
    leave the others waiting for it in DDP's gradient all-reduce."""
    first = all_mean(float(step()), device)
    return any(all_mean(float(step()), device) < first / 2 for _ in range(steps))


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
