"""ResNet-101 and CIFAR-10 for the benchmark: the model, the data on disk or made up, and both
augmentation pipelines (the tutorial's PIL transforms, and batched tensor ops on the device)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nbgen.runtime.bench.config import (
    SYNTHETIC_IMAGES,
    BenchConfig,
    BenchError,
    bench_error,
    bench_hint,
)
from nbgen.runtime.bench.device import rank_zero_first

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


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
    """CIFAR10's own item logic (uint8 HWC array → PIL → transform) over arrays in memory.
    Image ``i`` is ``data[i % len(data)]``: a synthetic epoch indexes a smaller pool."""

    def __init__(self, data: Any, targets: list[int], transform: Callable[[Any], Any]) -> None:
        self.data, self.targets, self.transform = data, targets, transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        from PIL import Image

        image = Image.fromarray(self.data[index % len(self.data)])
        return self.transform(image), self.targets[index]


def load_arrays(config: BenchConfig, train: bool = True) -> tuple[Any, list[int]]:
    """Images as a uint8 NHWC numpy array and labels: CIFAR-10 from disk, or synthetic.

    Synthetic: an epoch of CIFAR-10's 50,000 labels over a pool of distinct images (label
    ``i`` belongs to image ``i % len(pool)``), so neither loop restarts its epoch more often
    than on the real data, and the pool on the device stays small.
    """
    import numpy as np

    if config.data == "synthetic":
        pool = max(config.batch_size * 4, 4096) if train else max(config.batch_size, 256)
        count = max(SYNTHETIC_IMAGES, pool) if train else pool
        rng = np.random.default_rng(config.seed + (0 if train else 1))
        data = rng.integers(0, 256, size=(pool, 32, 32, 3), dtype=np.uint8)
        labels = [int(x) for x in rng.integers(0, 10, size=pool)]
        return data, [labels[i % pool] for i in range(count)]
    if config.data != "cifar10":
        raise BenchError(f"data {config.data!r}: choose synthetic or cifar10")
    folder = os.path.join(config.data_dir, CIFAR_FOLDER)
    with rank_zero_first():  # under torchrun, one download, not one per rank into one folder
        if not all(os.path.isfile(os.path.join(folder, name)) for name in CIFAR_FILES):
            download_cifar10(config)
    return read_cifar10(folder, train)


CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_FILES = (*CIFAR_TRAIN, "test_batch")


def download_cifar10(config: BenchConfig) -> None:
    """torchvision's CIFAR10 downloads, checks the archive's MD5 and extracts it."""
    import torchvision

    hint = bench_hint(config, CIFAR_FOLDER)
    folder = os.path.abspath(config.data_dir)
    if not config.download:
        raise bench_error(config, "no_cifar", folder=folder, hint=hint)
    try:
        torchvision.datasets.CIFAR10(config.data_dir, train=True, download=True)
    except (RuntimeError, OSError) as exc:  # no network, or a damaged download
        error = type(exc).__name__
        raise bench_error(config, "no_download", folder=folder, error=error, hint=hint) from None


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


def norm_stats(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10's mean and std on ``device``: made once per loop, since building a tensor from
    Python numbers on a GPU is a blocking copy."""
    mean = torch.tensor(CIFAR_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR_STD, device=device).view(1, 3, 1, 1)
    return mean, std


def normalize(
    images: torch.Tensor, stats: tuple[torch.Tensor, torch.Tensor] | None = None
) -> torch.Tensor:
    """uint8 NCHW → normalized float, the same numbers as ToTensor + Normalize."""
    mean, std = stats if stats is not None else norm_stats(images.device)
    return (images.float() / 255 - mean) / std
