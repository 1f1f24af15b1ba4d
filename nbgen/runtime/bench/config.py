"""The benchmark's settings and results, and its error type (no torch needed here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nbgen.runtime.platforms.env import NotebookStepError


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
    compile_mode: str = "default"  # torch.compile's mode: CUDA graphs, autotuning
    conv_1x1_as_mm: bool = False  # inductor: 1x1 convolutions as matrix multiplies
    whole_step: bool = False  # compile forward, backward and the optimizer, static inputs
    auto_batch: bool = False  # also the optimized loop at the batch free memory allows
    learn_steps: int = 30
    seed: int = 0
    num_workers: int = 2
    progress: bool = True
    lang: str = "en"  # of the progress labels and errors (the report takes its own)
    notebook: bool = False  # errors name the form's BENCH_* fields, not the CLI's flags


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
    compile_s: float | None = None  # the first step, which compiles (None: nothing compiled)
    batch_size: int = 0  # images per step per rank
    infer_compiled: bool = False  # the inference loop ran a compiled model
    infer_channels_last: bool = False  # ... on a channels_last input
    compile_detail: str = ""  # how it compiled: "reduce-overhead, whole step"


_BENCH_LABELS = {
    "en": {"naive": "naive", "optimized": "optimized", "epochs": "epochs"},
    "zh": {"naive": "朴素", "optimized": "优化", "epochs": "训练轮次"},
}


def mode_label(mode: str, lang: str = "en") -> str:
    """A loop's name as the table and the progress bars show it."""
    return _BENCH_LABELS.get(lang, _BENCH_LABELS["en"]).get(mode, mode)


# torch.compile's modes: reduce-overhead and max-autotune replay CUDA graphs; the max-autotune
# ones also autotune matrix multiplies and convolutions (Triton templates against cuDNN).
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
# One epoch is as long as CIFAR-10's: the naive loader must not restart (and wait for its
# workers) more often than it would on the real data set.
SYNTHETIC_IMAGES = 50_000

_CHOICES = {
    "device": ("auto", "cpu", "cuda"), "data": ("synthetic", "cifar10"),
    "mode": ("naive", "optimized", "both"), "stem": ("cifar", "imagenet"),
    "amp": ("auto", "bf16", "fp16", "off"), "compile": ("auto", "on", "off"),
    "compile_mode": COMPILE_MODES,
}  # fmt: skip


_BENCH_ERRORS = {
    "en": {
        "at_least_1": "{setting}: must be at least 1",
        "negative": "{setting}: must not be negative",
        "choose": "{setting}: choose {choices}",
        "batch": "{setting} is larger than the data ({count} images)",
        "no_cifar": "CIFAR-10 is not in {folder}. {hint}",
        "no_download": "CIFAR-10 is not in {folder} and could not be downloaded ({error}). {hint}",
        "hint_cli": "Use --data synthetic, or --data-dir pointing at the folder that holds "
        "{cifar} (in Colab: BENCH_DATA = 'synthetic').",
        "hint_notebook": "Set BENCH_DATA = 'synthetic' in the parameters cell, or check the "
        "internet connection, then run this cell again.",
        "in_form": " (in the parameters cell)",
    },
    "zh": {
        "at_least_1": "{setting}：必须至少为 1",
        "negative": "{setting}：不能为负数",
        "choose": "{setting}：请从 {choices} 中选择",
        "batch": "{setting} 比数据还多（只有 {count} 张图片）",
        "no_cifar": "{folder} 中没有 CIFAR-10。{hint}",
        "no_download": "{folder} 中没有 CIFAR-10，且无法下载（{error}）。{hint}",
        "hint_cli": "请使用 `--data synthetic`，或用 `--data-dir` 指向包含 {cifar} 的目录"
        "（在 Colab 中：`BENCH_DATA = 'synthetic'`）。",
        "hint_notebook": "请在参数单元格中设置 `BENCH_DATA = 'synthetic'`，或检查网络连接，"
        "然后重新运行此单元格。",
        "in_form": "（在参数单元格中）",
    },
}
_BENCH_FORM_FIELDS = ("steps", "batch_size", "epochs", "data", "mode", "stem")


def bench_error(config: BenchConfig, key: str, **fields: object) -> BenchError:
    """An error in the run's language, naming settings as the user set them: ``steps 0``
    (the CLI adds the dashes) or, in a notebook, ``BENCH_STEPS = 0``."""
    text = _BENCH_ERRORS.get(config.lang, _BENCH_ERRORS["en"])
    return BenchError(text[key].format(**fields))


def bench_hint(config: BenchConfig, cifar: str) -> str:
    """What to do without CIFAR-10 on disk: CLI flags, or the notebook's form field."""
    text = _BENCH_ERRORS.get(config.lang, _BENCH_ERRORS["en"])
    return text["hint_notebook" if config.notebook else "hint_cli"].format(cifar=cifar)


def bench_setting(config: BenchConfig, name: str, value: object | None = None) -> str:
    """A setting and its value as the user wrote it: on the command line, or in the form."""
    value = getattr(config, name) if value is None else value
    if config.notebook and name in _BENCH_FORM_FIELDS:
        text = _BENCH_ERRORS.get(config.lang, _BENCH_ERRORS["en"])
        return f"BENCH_{name.upper()} = {value!r}{text['in_form']}"
    shown = repr(value) if isinstance(value, str) else str(value)
    return f"{name.replace('_', '-')} {shown}"


def check_config(config: BenchConfig) -> None:
    """Every setting in range, before any work: the message names the setting (the CLI flag
    is the same name with dashes, the notebook's form field BENCH_ and capitals)."""
    for name in ("steps", "batch_size"):
        if getattr(config, name) < 1:
            raise bench_error(config, "at_least_1", setting=bench_setting(config, name))
    for name in ("warmup", "epochs", "num_workers", "learn_steps"):
        if getattr(config, name) < 0:
            raise bench_error(config, "negative", setting=bench_setting(config, name))
    for name, choices in _CHOICES.items():
        if getattr(config, name) not in choices:
            setting = bench_setting(config, name)
            raise bench_error(config, "choose", setting=setting, choices=", ".join(choices))


# Messages a run prints or raises that the existing tables do not hold.
_BENCH_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "shards": "batch size {batch} on {ranks} ranks: one epoch of {images} images gives "
        "each rank {per_rank}, less than one batch; use --batch-size {fit} or less, or fewer "
        "ranks",
        "bf16": "--amp bf16: {name} (compute capability {capability}) has no bf16 "
        "convolutions in cuDNN, which needs compute capability 8.0 or newer; use --amp fp16 "
        "or --amp auto",
        "ranks": "{ranks} ranks on this machine run on {gpus} GPU(s), so some share one; "
        "start torchrun with --nproc_per_node={gpus} or fewer",
        "oom": "out of GPU memory at batch size {batch} ({mode} loop): use a smaller "
        "--batch-size, e.g. {half} (BENCH_BATCH_SIZE in the notebook)",
        "auto_batch_cpu": "--auto-batch sizes the batch from free GPU memory, and there is "
        "no GPU here: leave it off",
        "whole_step_fp16": "--whole-step with fp16: GradScaler checks for overflow on the "
        "host, which would split the graph every step; use --amp bf16 (compute capability "
        "8.0 or newer) or leave --whole-step off",
        "whole_step_ranks": "--whole-step runs on one GPU: leave it off under torchrun",
        "compiling": "{mode}: torch.compile compiles first; this can take minutes on a "
        "2-vCPU runtime (Colab, Kaggle)",
        "auto_batch": "{mode}: batch {batch} from {free:.1f} GiB of free GPU memory "
        "(about {per_image:.1f} MiB an image)",
        "cli_cpu_check": "No GPU: a short CPU check of both loops, {steps} steps of {batch} "
        "images (CPU, not a GPU benchmark; --steps or --batch-size run other sizes).",
    },
    "zh": {
        "shards": "批大小 {batch}、{ranks} 个进程：一轮 {images} 张图像分到每个进程只有 "
        "{per_rank} 张，不足一批；请使用 `--batch-size {fit}` 或更小的值，或减少进程数",
        "bf16": "`--amp bf16`：{name}（计算能力 {capability}）的 cuDNN 没有 `bf16` 卷积，"
        "这需要计算能力 8.0 或更高；请使用 `--amp fp16` 或 `--amp auto`",
        "ranks": "本机的 {ranks} 个进程只用到 {gpus} 个 GPU，有进程共用同一个 GPU；"
        "请用 `--nproc_per_node={gpus}` 或更小的值启动 `torchrun`",
        "oom": "批大小 {batch} 时 GPU 显存不足（{mode}循环）：请使用更小的 `--batch-size`，"
        "例如 {half}（笔记本中为 `BENCH_BATCH_SIZE`）",
        "auto_batch_cpu": "`--auto-batch` 根据 GPU 的空闲显存选择批大小，而此处没有 GPU："
        "请不要使用它",
        "whole_step_fp16": "`--whole-step` 不能与 `fp16` 同用：`GradScaler` 在主机上检查溢出，"
        "每一步都会打断计算图；请使用 `--amp bf16`（计算能力 8.0 或更高），或不用 "
        "`--whole-step`",
        "whole_step_ranks": "`--whole-step` 只在单个 GPU 上运行：在 `torchrun` 下请不要使用它",
        "compiling": "{mode}：torch.compile 先进行编译；在只有 2 个虚拟 CPU 的运行时（Colab、Kaggle）"
        "上可能需要几分钟",
        "auto_batch": "{mode}：根据 {free:.1f} GiB 空闲 GPU 显存选择批大小 {batch}"
        "（每张图像约 {per_image:.1f} MiB）",
        "cli_cpu_check": "没有 GPU：改为在 CPU 上对两种写法做简短检查，{steps} 步，每步 {batch} "
        "张图像（这是 CPU 检查，不是 GPU 性能测试；`--steps` 或 `--batch-size` 可设其他规模）。",
    },
}


def bench_message(key: str, lang: str = "en", **values: object) -> str:
    """A progress line or an error text in the run's language."""
    return _BENCH_MESSAGES.get(lang, _BENCH_MESSAGES["en"])[key].format(**values)


def bench_fail(key: str, lang: str = "en", **values: object) -> BenchError:
    """A BenchError from :data:`_BENCH_MESSAGES` (settings errors use :func:`bench_error`)."""
    return BenchError(bench_message(key, lang, **values))
