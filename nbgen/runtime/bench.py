"""ResNet-101 on CIFAR-10, timed honestly: the tutorial's naive loop and an optimized one.

naive: torchvision's CIFAR10 with PIL transforms through ``DataLoader(num_workers=2)``, fp32,
NCHW, ``loss.item()`` every step. optimized: the data set on the device as uint8, augmentation
as batched tensor ops, batches by ``randperm``, autocast (bf16 on sm80+, fp16 with GradScaler
before), channels_last, ``cudnn.benchmark``, a fused (or foreach) optimizer,
``zero_grad(set_to_none=True)``, no host sync per step, optional ``torch.compile``.

Warm-up (autotune, compile) is timed on its own and left out; steps are timed with CUDA
events (no host sync) on a GPU and the wall clock on a CPU. Under ``torchrun`` the same code
runs with DistributedDataParallel and reports global images per second.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)
# Dense (no sparsity) tensor-core peaks in FLOP/s, by a substring of the device name; the first
# match wins, so the more specific names come first.
PEAK_FLOPS: dict[str, float] = {
    "H100 PCIe": 756e12,
    "H100": 989e12,  # SXM, bf16
    "H200": 989e12,
    "A100": 312e12,  # bf16
    "L4": 121e12,  # fp16/bf16
    "A10G": 70e12,
    "V100": 125e12,  # fp16
    "T4": 65e12,  # fp16
    "P100": 18.7e12,
}


class BenchError(RuntimeError):
    """A benchmark setting or input the user can fix; the message says how."""


@dataclass
class BenchConfig:
    """Everything one run needs; the CLI flags and notebook form fields map onto it."""

    device: str = "auto"  # auto | cpu | cuda
    data: str = "synthetic"  # synthetic | cifar10
    data_dir: str = "data"
    download: bool = True
    mode: str = "both"  # naive | optimized | both
    steps: int = 20
    warmup: int = 3
    epochs: int = 0
    batch_size: int = 128
    stem: str = "cifar"  # cifar | imagenet
    amp: str = "auto"  # auto | bf16 | fp16 | off
    compile: bool = False
    learn_steps: int = 30
    seed: int = 0
    num_workers: int = 2
    progress: bool = True


@dataclass
class ModeResult:
    mode: str
    train_images_per_s: float
    infer_images_per_s: float
    step_ms_median: float
    step_ms_p10: float
    step_ms_p90: float
    warmup_s: float
    peak_mem_mb: float | None
    mfu: float | None
    step_ms: list[float] = field(default_factory=list)


# ---- model and data ----------------------------------------------------------------------------
def build_model(stem: str = "cifar", num_classes: int = 10) -> nn.Module:
    """torchvision's ResNet-101, as is (``imagenet``) or with the CIFAR stem (3x3/1 conv, no pool)."""
    import torchvision

    if stem not in ("cifar", "imagenet"):
        raise BenchError(f"stem {stem!r}: choose cifar or imagenet")
    model = torchvision.models.resnet101(weights=None, num_classes=num_classes)
    if stem == "cifar":
        model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        model.maxpool = nn.Identity()
    built: nn.Module = model
    return built


class ArrayCifar(torch.utils.data.Dataset[tuple[Any, int]]):
    """CIFAR10's own item logic (uint8 HWC array → PIL → transform) over arrays in memory."""

    def __init__(self, data: Any, targets: list[int], transform: Callable[[Any], Any]) -> None:
        self.data, self.targets, self.transform = data, targets, transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        from PIL import Image

        return self.transform(Image.fromarray(self.data[index])), self.targets[index]


def load_arrays(config: BenchConfig, train: bool = True) -> tuple[Any, list[int]]:
    """Images as a uint8 NHWC numpy array and labels: CIFAR-10 from disk, or synthetic."""
    import numpy as np

    if config.data == "synthetic":
        count = max(config.batch_size * 4, 256) if train else max(config.batch_size, 256)
        rng = np.random.default_rng(config.seed + (0 if train else 1))
        data = rng.integers(0, 256, size=(count, 32, 32, 3), dtype=np.uint8)
        return data, [int(x) for x in rng.integers(0, 10, size=count)]
    if config.data != "cifar10":
        raise BenchError(f"data {config.data!r}: choose synthetic or cifar10")
    folder = os.path.join(config.data_dir, CIFAR_FOLDER)
    if not all(os.path.isfile(os.path.join(folder, name)) for name in CIFAR_FILES):
        download_cifar10(config)
    return read_cifar10(folder, train)


CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_FILES = (*CIFAR_TRAIN, "test_batch")


def download_cifar10(config: BenchConfig) -> None:
    """torchvision's CIFAR10 downloads, checks the archive's MD5 and extracts it."""
    import torchvision

    hint = (
        "Use --data synthetic, or --data-dir pointing at the folder that holds "
        f"{CIFAR_FOLDER} (in Colab: BENCH_DATA = 'synthetic')."
    )
    if not config.download:
        raise BenchError(f"CIFAR-10 is not in {os.path.abspath(config.data_dir)}. {hint}")
    try:
        torchvision.datasets.CIFAR10(config.data_dir, train=True, download=True)
    except (RuntimeError, OSError) as exc:  # no network, or a damaged download
        raise BenchError(
            f"CIFAR-10 is not in {os.path.abspath(config.data_dir)} and could not be downloaded "
            f"({type(exc).__name__}). {hint}"
        ) from None


def read_cifar10(folder: str, train: bool) -> tuple[Any, list[int]]:
    """Read CIFAR-10's own on-disk format (pickled batches) as uint8 NHWC plus labels."""
    import pickle

    import numpy as np

    arrays: list[Any] = []
    labels: list[int] = []
    for name in CIFAR_TRAIN if train else ("test_batch",):
        with open(os.path.join(folder, name), "rb") as f:
            entry = pickle.load(f, encoding="latin1")
        arrays.append(np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        labels.extend(int(x) for x in entry.get("labels", entry.get("fine_labels", [])))
    return np.concatenate(arrays).transpose(0, 2, 3, 1).copy(), labels


def pil_transform() -> Callable[[Any], Any]:
    """The tutorial's augmentation: random crop with padding, flip, to tensor, normalize."""
    import torchvision.transforms as T

    transform: Callable[[Any], Any] = T.Compose(
        [T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
         T.Normalize(CIFAR_MEAN, CIFAR_STD)]
    )  # fmt: skip
    return transform


def gpu_augment(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Random crop (padding 4) and horizontal flip of a uint8 NCHW batch, as batched ops."""
    n, _, h, w = images.shape
    device = images.device
    padded = F.pad(images, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (n,), device=device, generator=generator)
    dx = torch.randint(0, 9, (n,), device=device, generator=generator)
    rows = (dy[:, None] + torch.arange(h, device=device)[None, :])[:, :, None]
    cols = (dx[:, None] + torch.arange(w, device=device)[None, :])[:, None, :]
    batch = torch.arange(n, device=device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)
    flip = torch.rand(n, device=device, generator=generator) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(3), out)


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 NCHW → normalized float, the same numbers as ToTensor + Normalize."""
    mean = torch.tensor(CIFAR_MEAN, device=images.device).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD, device=images.device).view(1, 3, 1, 1)
    return (images.float() / 255 - mean) / std


# ---- device, precision, distribution -----------------------------------------------------------
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
    bar = progress(config.warmup + config.steps, label, config.progress)
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


# ---- the two loops -----------------------------------------------------------------------------
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


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


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
def forward_flops(stem: str) -> float:
    """FLOPs of one forward pass of one 32x32 image (torch's own FLOP counter)."""
    from torch.utils.flop_counter import FlopCounterMode

    model = build_model(stem).eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    return float(counter.get_total_flops())


def peak_flops(device_name: str) -> float | None:
    for key, value in PEAK_FLOPS.items():
        if key in device_name:
            return value
    return None


def mfu(images_per_s: float, flops_per_image: float, device: torch.device) -> float | None:
    """Model FLOP utilisation: training is ~3x the forward FLOPs, against the dense peak."""
    if device.type != "cuda":
        return None
    peak = peak_flops(torch.cuda.get_device_name(device))
    if peak is None:
        return None
    return images_per_s * 3 * flops_per_image / (peak * world()[1])


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
    bar = progress(config.epochs * steps_per_epoch, "epochs", config.progress)
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


def environment(device: torch.device) -> dict[str, Any]:
    """What ran the benchmark: GPU, capability, torch/cuDNN, CPU count, clocks if readable."""
    info: dict[str, Any] = {
        "type": device.type, "torch": torch.__version__, "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "cpu_count": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }  # fmt: skip
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(name=props.name, capability=f"{props.major}.{props.minor}",
                    memory_gb=round(props.total_memory / 2**30, 1), clocks=gpu_clocks())  # fmt: skip
    else:
        info["name"] = "CPU"
    return info


def gpu_clocks() -> str | None:
    if shutil.which("nvidia-smi") is None:
        return None
    query = ["nvidia-smi", "--query-gpu=clocks.sm,clocks.max.sm", "--format=csv,noheader"]
    try:
        return subprocess.run(
            query, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


# ---- the whole run -----------------------------------------------------------------------------
def run_benchmark(config: BenchConfig) -> dict[str, Any]:
    """Run the chosen loops, one after the other, and return the report (see ``--json``)."""
    if config.mode not in ("naive", "optimized", "both"):
        raise BenchError(f"mode {config.mode!r}: choose naive, optimized or both")
    if config.steps < 1 or config.batch_size < 1:
        raise BenchError("steps and batch size must be at least 1")
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


_BENCH_TEXT = {
    "en": {
        "device": "device: {name} ({type}), torch {torch}, world size {world}, {stem} stem, batch {batch}",
        "gpu": "  capability {capability}, {memory} GiB, CUDA {cuda}, cuDNN {cudnn}, clocks (SM, max) {clocks}",
        "host": "  {cpus} CPUs, Python {python}",
        "columns": (
            "mode",
            "train img/s",
            "infer img/s",
            "step ms (p10/med/p90)",
            "warm-up s",
            "peak MiB",
            "MFU",
        ),
        "speedup": "speedup (optimized / naive train img/s): {speedup:.2f}x",
        "learns": "learns: {learns}",
        "accuracy": "test accuracy after {epochs} epochs: {accuracy:.1f}%",
    },
    "zh": {
        "device": "设备：{name}（{type}），torch {torch}，进程数 {world}，{stem} stem，批大小 {batch}",
        "gpu": "  计算能力 {capability}，显存 {memory} GiB，CUDA {cuda}，cuDNN {cudnn}，时钟（SM，最大）{clocks}",
        "host": "  {cpus} 个 CPU，Python {python}",
        "columns": (
            "模式",
            "训练 img/s",
            "推理 img/s",
            "单步 ms (p10/中位/p90)",
            "预热 s",
            "显存峰值 MiB",
            "MFU",
        ),
        "speedup": "加速比（优化 / 朴素 训练 img/s）：{speedup:.2f}x",
        "learns": "能否学习 learns: {learns}",
        "accuracy": "训练 {epochs} 轮后的测试准确率：{accuracy:.1f}%",
    },
}


def format_report(report: dict[str, Any], lang: str = "en") -> str:
    """The table printed after the progress bars."""
    text = _BENCH_TEXT.get(lang, _BENCH_TEXT["en"])
    dev, config = report["device"], report["config"]
    lines = [
        str(text["device"]).format(name=dev.get("name"), type=dev["type"], torch=dev["torch"],
                                   world=report["world_size"], stem=config["stem"], batch=config["batch_size"]),
    ]  # fmt: skip
    if dev["type"] == "cuda":
        lines.append(str(text["gpu"]).format(capability=dev.get("capability"), memory=dev.get("memory_gb"),
                                             cuda=dev["cuda"], cudnn=dev["cudnn"], clocks=dev.get("clocks") or "n/a"))  # fmt: skip
    lines.append(str(text["host"]).format(cpus=dev["cpu_count"], python=dev["python"]))
    mode, train, infer, step, warm, peak_col, mfu_col = text["columns"]
    header = f"{mode:<10} {train:>12} {infer:>12} {step:>24} {warm:>10} {peak_col:>9} {mfu_col:>6}"
    lines += [header, "-" * len(header)]
    for r in report["results"]:
        steps = f"{r['step_ms_p10']:.1f}/{r['step_ms_median']:.1f}/{r['step_ms_p90']:.1f}"
        peak = "-" if r["peak_mem_mb"] is None else f"{r['peak_mem_mb']:.0f}"
        util = "-" if r["mfu"] is None else f"{100 * r['mfu']:.1f}%"
        lines.append(f"{r['mode']:<10} {r['train_images_per_s']:>12.1f} {r['infer_images_per_s']:>12.1f} "
                     f"{steps:>24} {r['warmup_s']:>10.2f} {peak:>9} {util:>6}")  # fmt: skip
    if report["speedup"] is not None:
        lines.append(str(text["speedup"]).format(speedup=report["speedup"]))
    lines.append(str(text["learns"]).format(learns=str(report["learns"]).lower()))
    if "test_accuracy" in report:
        lines.append(
            str(text["accuracy"]).format(
                epochs=config["epochs"], accuracy=100 * report["test_accuracy"]
            )
        )
    return "\n".join(lines)


def plot_report(report: dict[str, Any], path: str | None = None) -> Any:
    """Bar chart of train/inference img/s and step-time traces; saved to ``path`` if given."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, (bars, trace) = plt.subplots(1, 2, figsize=(11, 4))
    modes = [r["mode"] for r in report["results"]]
    xs = range(len(modes))
    bars.bar(
        [x - 0.2 for x in xs],
        [r["train_images_per_s"] for r in report["results"]],
        0.4,
        label="train",
    )
    bars.bar(
        [x + 0.2 for x in xs],
        [r["infer_images_per_s"] for r in report["results"]],
        0.4,
        label="inference",
    )
    bars.set_xticks(list(xs), modes)
    bars.set_ylabel("images / s")
    bars.legend()
    for r in report["results"]:
        trace.plot(r["step_ms"], label=r["mode"])
    trace.set_xlabel("timed step")
    trace.set_ylabel("ms")
    trace.legend()
    fig.suptitle(f"ResNet-101 ({report['config']['stem']} stem) on {report['device'].get('name')}")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return fig


def write_json(report: dict[str, Any], path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
