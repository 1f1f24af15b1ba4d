"""The benchmark's settings and results, and its error type (no torch needed here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nbgen.runtime.env import NotebookStepError


class BenchError(NotebookStepError):
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
    compile: str = "auto"  # auto (on a GPU) | on | off
    learn_steps: int = 30
    seed: int = 0
    num_workers: int = 2
    progress: bool = True
    lang: str = "en"  # of the progress labels (the report takes its own)


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
    precision: str = "fp32"  # fp32 | tf32 | fp16 | bf16: what the math ran in (MFU's peak)
    compiled: bool = False  # torch.compile ran (False after a fallback to eager)
    clocks: str | None = None  # SM clock (now, max) halfway through the timed steps


_BENCH_LABELS = {
    "en": {"naive": "naive", "optimized": "optimized", "epochs": "epochs"},
    "zh": {"naive": "朴素", "optimized": "优化", "epochs": "训练轮次"},
}


def mode_label(mode: str, lang: str = "en") -> str:
    """A loop's name as the table and the progress bars show it."""
    return _BENCH_LABELS.get(lang, _BENCH_LABELS["en"]).get(mode, mode)


_CHOICES = {
    "device": ("auto", "cpu", "cuda"), "data": ("synthetic", "cifar10"),
    "mode": ("naive", "optimized", "both"), "stem": ("cifar", "imagenet"),
    "amp": ("auto", "bf16", "fp16", "off"), "compile": ("auto", "on", "off"),
}  # fmt: skip


def check_config(config: BenchConfig) -> None:
    """Every setting in range, before any work: the message names the setting (the CLI flag
    is the same name with dashes, the notebook's form field BENCH_ and capitals)."""
    for name in ("steps", "batch_size"):
        if getattr(config, name) < 1:
            raise BenchError(
                f"{name.replace('_', '-')} {getattr(config, name)}: must be at least 1"
            )
    for name in ("warmup", "epochs", "num_workers", "learn_steps"):
        if getattr(config, name) < 0:
            raise BenchError(
                f"{name.replace('_', '-')} {getattr(config, name)}: must not be negative"
            )
    for name, choices in _CHOICES.items():
        if getattr(config, name) not in choices:
            raise BenchError(f"{name} {getattr(config, name)!r}: choose {', '.join(choices)}")
