"""`nbgen bench`: ResNet-101 on CIFAR-10, naive vs optimized, timed honestly."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from nbgen.errors import NbgenError, UsageError
from nbgen.fsutil import atomic_output, atomic_write_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--device", default="auto", choices=("auto", "cpu", "cuda"))
    add(
        "--data",
        default="synthetic",
        choices=("synthetic", "cifar10"),
        help="synthetic images, or CIFAR-10 (downloaded into --data-dir if missing)",
    )
    add("--data-dir", default="data", metavar="DIR", help="folder holding cifar-10-batches-py")
    add("--mode", default="both", choices=("naive", "optimized", "both"))
    add("--steps", type=int, default=20, metavar="N", help="timed training steps per loop")
    add(
        "--warmup", type=int, default=3, metavar="N", help="untimed steps first (autotune, compile)"
    )
    add(
        "--epochs",
        type=int,
        default=0,
        metavar="N",
        help="then train N epochs and report test accuracy",
    )
    add("--batch-size", type=int, default=128, metavar="N")
    add("--stem", default="cifar", choices=("cifar", "imagenet"))
    add("--amp", default="auto", choices=("auto", "bf16", "fp16", "off"))
    add(
        "--compile",
        default="auto",
        choices=("auto", "on", "off"),
        help="torch.compile the optimized loop (auto: on a GPU; falls back to eager if it fails)",
    )
    add("--workers", type=int, default=2, metavar="N", help="DataLoader workers of the naive loop")
    add("--json", type=Path, metavar="FILE", help="write the report as JSON")
    add("--plot", type=Path, metavar="FILE", help="write a PNG chart of the two loops")
    add("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    settings = dict(
        device=args.device, data=args.data, data_dir=args.data_dir, mode=args.mode,
        steps=args.steps, warmup=args.warmup, epochs=args.epochs, batch_size=args.batch_size,
        stem=args.stem, amp=args.amp, compile=args.compile, num_workers=args.workers,
        progress=not args.quiet,
    )  # fmt: skip
    return bench(settings, json_path=args.json, plot_path=args.plot)


def bench(settings: dict[str, Any], json_path: Path | None, plot_path: Path | None) -> int:
    """Run the benchmark; rank 0 prints the table and writes the JSON and the chart."""
    from nbgen.runtime.bench_config import BenchConfig, BenchError, check_config

    config = BenchConfig(**settings)
    try:
        check_config(config)
    except BenchError as exc:
        raise UsageError(f"--{exc}") from None
    _need("torch", "torchvision", *(["tqdm"] if config.progress else []), what="nbgen bench")
    if plot_path is not None:
        _need("matplotlib", what="nbgen bench --plot")
    from nbgen.runtime import bench as runtime

    try:
        report = runtime.run_benchmark(config)
    except runtime.BenchError as exc:
        raise NbgenError(str(exc)) from None
    finally:
        _finish_distributed()
    if runtime.world()[0] == 0:
        print(runtime.format_report(report))
        if json_path is not None:
            atomic_write_text(json_path, json.dumps(report, indent=2) + "\n")
            print(f"wrote {json_path}")
        if plot_path is not None:
            with atomic_output(plot_path) as tmp:
                runtime.plot_report(report, str(tmp))
            print(f"wrote {plot_path}")
    sys.stdout.flush()
    return 0


def _need(*modules: str, what: str) -> None:
    """Each module imports, or one line saying which extra to install."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise NbgenError(
                f"{what} needs {module}, which is not installed ({exc}); pip install 'nbgen[bench]'"
            ) from None


def _finish_distributed() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
