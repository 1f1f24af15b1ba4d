"""`nbgen bench`: ResNet-101 on CIFAR-10, naive vs optimized, timed honestly."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from nbgen.errors import NbgenError, UsageError
from nbgen.fsutil import atomic_output, atomic_write_text, check_replace
from nbgen.runtime.bench.config import COMPILE_MODES


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
    add(
        "--steps",
        type=int,
        metavar="N",
        help="timed training steps per loop (default 20; without a GPU, and without --steps "
        "or --batch-size, a short CPU check: 3 steps of 8 images)",
    )
    add("--warmup", type=int, metavar="N", help="untimed steps first (autotune; default 3)")
    add(
        "--epochs",
        type=int,
        metavar="N",
        help="then train N epochs and report test accuracy",
    )
    add("--batch-size", type=int, metavar="N", help="images per step per rank (default 128)")
    add("--stem", choices=("cifar", "imagenet"), help="default cifar")
    add("--amp", default="auto", choices=("auto", "bf16", "fp16", "off"))
    add(
        "--compile",
        default="auto",
        choices=("auto", "on", "off"),
        help="torch.compile the optimized loop (auto: on a GPU; falls back to eager if it fails)",
    )
    add(
        "--compile-mode",
        default="default",
        choices=COMPILE_MODES,
        help="torch.compile's mode: reduce-overhead and max-autotune replay CUDA graphs; the "
        "max-autotune ones also autotune matrix multiplies and convolutions",
    )
    add(
        "--conv-1x1-as-mm",
        action="store_true",
        help="compiled: 1x1 convolutions as matrix multiplies",
    )
    add(
        "--whole-step",
        action="store_true",
        help="compile the whole step (forward, backward, the optimizer) on static input "
        "buffers: one rank, bf16 or fp32",
    )
    add(
        "--auto-batch",
        action="store_true",
        help="also run the optimized loop at the largest batch free GPU memory allows",
    )
    add("--workers", type=int, default=2, metavar="N", help="DataLoader workers of the naive loop")
    add("--json", type=Path, metavar="FILE", help="write the report as JSON")
    add("--plot", type=Path, metavar="FILE", help="write a PNG chart of the two loops")
    add("--force", action="store_true", help="replace a --json/--plot file nbgen did not write")
    add("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    settings = dict(
        device=args.device, data=args.data, data_dir=args.data_dir, mode=args.mode,
        steps=args.steps, warmup=args.warmup, epochs=args.epochs, batch_size=args.batch_size,
        stem=args.stem, amp=args.amp, compile=args.compile, compile_mode=args.compile_mode,
        conv_1x1_as_mm=args.conv_1x1_as_mm, whole_step=args.whole_step,
        auto_batch=args.auto_batch, num_workers=args.workers, progress=not args.quiet,
    )  # fmt: skip
    given = {k: v for k, v in settings.items() if v is not None}  # None: not on the command line
    return bench(given, json_path=args.json, plot_path=args.plot, force=args.force)


JSON_STAMP = "nbgen bench report"  # the report's "nbgen" key: how a re-run knows nbgen wrote it


def _is_bench_json(data: bytes) -> bool:
    """nbgen bench wrote it and nobody edited it since: its "sha256" is the hash of the rest."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):  # a file of the user's: any JSON, or none
        return False
    if not isinstance(value, dict) or value.get("nbgen") != JSON_STAMP:
        return False
    recorded = value.pop("sha256", None)
    return isinstance(recorded, str) and recorded == _report_hash(value)


def report_json(report: dict[str, Any]) -> str:
    """The JSON file of ``report``: stamped, with the hash that proves it unedited."""
    body = json.loads(json.dumps({"nbgen": JSON_STAMP, **report}))  # as it reads back
    return json.dumps({**body, "sha256": _report_hash(body)}, indent=2) + "\n"


def _report_hash(value: dict[str, Any]) -> str:
    import hashlib

    text = json.dumps(value, sort_keys=True, ensure_ascii=True, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _is_bench_plot(data: bytes) -> bool:
    from nbgen.runtime.bench.report import BENCH_STAMP

    return BENCH_STAMP.encode() in data


def bench(
    settings: dict[str, Any], json_path: Path | None, plot_path: Path | None, *,
    force: bool = False,
) -> int:  # fmt: skip
    """Run the benchmark; rank 0 prints the table and writes the JSON and the chart (each
    replaces only a file an earlier ``nbgen bench`` wrote, unless ``force``)."""
    from nbgen.runtime.bench.config import BenchConfig, BenchError, check_config

    remedy = "choose another file, or add --force to replace it"
    for path, proof in ((json_path, _is_bench_json), (plot_path, _is_bench_plot)):
        if path is not None:  # before minutes of benchmarking, not after
            check_replace(path, proof=proof, force=force, remedy=remedy)

    config = BenchConfig(**settings)
    try:
        check_config(config)
    except BenchError as exc:
        raise UsageError(f"--{exc}") from None
    _need("torch", "torchvision", *(["tqdm"] if config.progress else []), what="nbgen bench")
    if plot_path is not None:
        _need("matplotlib", what="nbgen bench --plot")
    from nbgen.runtime.bench import run as runtime

    config = _cpu_check(config, settings)

    try:
        report = runtime.run_benchmark(config)
    except runtime.BenchError as exc:
        raise NbgenError(str(exc)) from None
    finally:
        _finish_distributed()
    if runtime.world()[0] == 0:
        print(runtime.format_report(report))
        if json_path is not None:
            text = report_json(report)
            atomic_write_text(json_path, text, proof=_is_bench_json, force=force, remedy=remedy)
            print(f"wrote {json_path}")
        if plot_path is not None:
            with atomic_output(plot_path, proof=_is_bench_plot, force=force, remedy=remedy) as tmp:
                runtime.plot_report(report, str(tmp))
            print(f"wrote {plot_path}")
    sys.stdout.flush()
    return 0


def _cpu_check(config: Any, settings: dict[str, Any]) -> Any:
    """The config to run: on a CPU, the notebook cell's short labelled check (said first)."""
    import torch

    from nbgen.runtime.bench.cell import CPU_CHECK
    from nbgen.runtime.bench.config import BenchConfig, bench_message

    chosen, checking = with_cpu_check(settings, CPU_CHECK, cuda=torch.cuda.is_available())
    if not checking:
        return config
    if int(os.environ.get("RANK", "0")) == 0:
        print(bench_message("cli_cpu_check", steps=chosen["steps"], batch=chosen["batch_size"]))
    return BenchConfig(**chosen)


def with_cpu_check(
    settings: dict[str, Any], check: dict[str, Any], *, cuda: bool
) -> tuple[dict[str, Any], bool]:
    """Without a GPU, and unless --steps or --batch-size say otherwise, the CPU ``check``'s
    sizes under the user's other flags (the GPU defaults would take minutes on a CPU); and
    whether that is what runs."""
    device = settings.get("device", "auto")
    on_cpu = device == "cpu" or (device == "auto" and not cuda)
    if not on_cpu or "steps" in settings or "batch_size" in settings:
        return settings, False
    return {**check, **settings}, True


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
