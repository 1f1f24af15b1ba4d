"""What the benchmark's numbers mean and how they are shown: FLOPs and MFU, the machine, the
table (English or Chinese), the chart and the JSON file."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import torch

from nbgen.runtime.bench.config import mode_label
from nbgen.runtime.bench.device import world
from nbgen.runtime.bench.model import build_model
from nbgen.runtime.bench.notes import auto_batch_lines, mfu_lines, run_lines, timed_lines
from nbgen.runtime.bench.precision import conv_tf32
from nbgen.runtime.platforms.env import display_width, gpu_info, pad

# Dense (no sparsity) peaks in TFLOP/s by precision, for the device names torch reports
# (torch.cuda.get_device_name), from NVIDIA's data sheets. None: no such tensor-core path.
# A name not listed gets no MFU ("unknown GPU") rather than a neighbour's figure.
_TURING: dict[str, float | None] = {"fp32": 8.1, "tf32": None, "fp16": 65.0, "bf16": None}
_PASCAL: dict[str, float | None] = {"fp32": 9.3, "tf32": None, "fp16": 18.7, "bf16": None}
_VOLTA: dict[str, float | None] = {"fp32": 15.7, "tf32": None, "fp16": 125.0, "bf16": None}
_A100: dict[str, float | None] = {"fp32": 19.5, "tf32": 156.0, "fp16": 312.0, "bf16": 312.0}
_H100_SXM: dict[str, float | None] = {"fp32": 67.0, "tf32": 494.7, "fp16": 989.4, "bf16": 989.4}
PEAK_TFLOPS: dict[str, dict[str, float | None]] = {
    "Tesla T4": _TURING,
    "Tesla P100-PCIE-16GB": _PASCAL,
    **dict.fromkeys(("Tesla V100-SXM2-16GB", "Tesla V100-SXM2-32GB"), _VOLTA),
    **dict.fromkeys(
        (
            "NVIDIA A100-SXM4-40GB",
            "NVIDIA A100-SXM4-80GB",
            "NVIDIA A100-PCIE-40GB",
            "NVIDIA A100 80GB PCIe",
        ),
        _A100,
    ),
    "NVIDIA L4": {"fp32": 30.3, "tf32": 60.0, "fp16": 121.0, "bf16": 121.0},
    "NVIDIA L40S": {"fp32": 91.6, "tf32": 183.0, "fp16": 362.0, "bf16": 362.0},
    **dict.fromkeys(("NVIDIA H100 80GB HBM3", "NVIDIA H200"), _H100_SXM),
    "NVIDIA H100 PCIe": {"fp32": 51.0, "tf32": 378.0, "fp16": 756.0, "bf16": 756.0},
    "NVIDIA H100 NVL": {"fp32": 60.0, "tf32": 417.5, "fp16": 835.5, "bf16": 835.5},
}


def forward_flops(stem: str) -> float:
    """FLOPs of one forward pass of one 32x32 image (torch's own FLOP counter)."""
    from torch.utils.flop_counter import FlopCounterMode

    model = build_model(stem).eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    return float(counter.get_total_flops())


def peak_flops(device_name: str, precision: str) -> float | None:
    """The dense peak in FLOP/s of ``device_name`` (exactly as torch reports it) in
    ``precision``; None for a GPU or a precision the table does not know."""
    peaks = PEAK_TFLOPS.get(device_name.strip())
    value = peaks.get(precision) if peaks else None
    return None if value is None else value * 1e12


def precision_of(amp: torch.dtype | None, device: torch.device) -> str:
    """What the math runs in: the autocast dtype, else fp32, which cuDNN runs as TF32 on
    Ampere and newer unless the user turned it off (on by default; ResNet is convolutions)."""
    if amp is torch.float16:
        return "fp16"
    if amp is torch.bfloat16:
        return "bf16"
    ampere = device.type == "cuda" and torch.cuda.get_device_capability(device)[0] >= 8
    return "tf32" if ampere and conv_tf32() else "fp32"


def mfu(
    images_per_s: float, flops_per_image: float, device: torch.device, precision: str
) -> float | None:
    """Model FLOP utilisation: training is ~3x the forward FLOPs, against the dense peak of
    the precision the loop ran in, for every rank together."""
    if device.type != "cuda":
        return None
    peak = peak_flops(torch.cuda.get_device_name(device), precision)
    if peak is None:
        return None
    return images_per_s * 3 * flops_per_image / (peak * world()[1])


def environment(device: torch.device) -> dict[str, Any]:
    """What ran the benchmark: GPU, capability, torch/cuDNN, CPU count, clocks if readable."""
    info: dict[str, Any] = {
        "type": device.type, "torch": torch.__version__, "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "cpu_count": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }  # fmt: skip
    if device.type == "cuda":
        gpu = gpu_info(device.index or 0)
        info.update(gpu, memory_gb=round(gpu["memory_gb"], 1))
    else:
        info["name"] = "CPU"
    return info


_BENCH_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "device": "device: {name} ({type}), torch {torch}, world size {world}, {stem}, batch {batch}",
        "gpu": "  capability {capability}, {memory} GiB, CUDA {cuda}, cuDNN {cudnn}",
        "clock": "{mode}: SM clock while timed (now, max) {clocks}",
        "mfu_unknown": "MFU: unknown GPU {name!r} (no peak figure for it in nbgen)",
        "runs": "{mode}: {precision}, {how}",
        "how": ("eager", "torch.compile"),
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
        "yes_no": ("false", "true"),
        "accuracy": "test accuracy after {epochs} epochs: {accuracy:.1f}%",
        "stem": {"cifar": "cifar stem", "imagenet": "imagenet stem"},
        "timed": "timed: {steps} steps of {batch} images a rank after {warmup} warm-up steps; "
        "learning check: at most {learn} steps",
        "compile": "{mode}: compiling took {seconds:.1f} s (the first step, apart from warm-up)",
        "infer": "{mode} inference: {how}, {layout}",
        "layouts": ("NCHW", "channels_last"),
        "no_peak": "MFU: no {precision} peak for {name} in nbgen",
        "auto_batch": "{mode} at batch {batch} (from {free:.1f} GiB free GPU memory): "
        "{rate:.1f} train img/s, MFU {mfu}",
        "auto_speedup": "speedup at batch {batch} (optimized / naive at batch {base}): "
        "{speedup:.2f}x",
        "chart": {
            "train": "train",
            "infer": "inference",
            "rate": "images / s",
            "step": "timed step",
            "ms": "ms",
            "title": "ResNet-101 ({stem}) on {name}",
        },
    },
    "zh": {
        "device": "设备：{name}（{type}），torch {torch}，进程数 {world}，{stem}，批大小 {batch}",
        "gpu": "  计算能力 {capability}，显存 {memory} GiB，CUDA {cuda}，cuDNN {cudnn}",
        "clock": "{mode}：计时期间的 SM 时钟（当前，最大）{clocks}",
        "mfu_unknown": "MFU：未知 GPU {name!r}（nbgen 没有它的峰值数据）",
        "runs": "{mode}：{precision}，{how}",
        "how": ("即时执行", "torch.compile"),
        "host": "  {cpus} 个 CPU，Python {python}",
        "columns": (
            "模式",
            "训练 img/s",
            "推理 img/s",
            "单步 ms（p10/中位数/p90）",
            "预热 s",
            "显存峰值 MiB",
            "MFU",
        ),
        "speedup": "加速比（优化 / 朴素，训练 img/s）：{speedup:.2f}x",
        "learns": "能够学习：{learns}",
        "yes_no": ("否", "是"),
        "accuracy": "训练 {epochs} 轮后的测试准确率：{accuracy:.1f}%",
        "stem": {"cifar": "CIFAR 输入层", "imagenet": "ImageNet 输入层"},
        "timed": "计时：每个进程 {steps} 步，每步 {batch} 张图像，此前预热 {warmup} 步；"
        "学习检查最多 {learn} 步",
        "compile": "{mode}：编译用时 {seconds:.1f} s（第一步，不计入预热）",
        "infer": "{mode}推理：{how}，{layout}",
        "layouts": ("NCHW", "channels_last"),
        "no_peak": "MFU：nbgen 没有 {name} 的 {precision} 峰值数据",
        "auto_batch": "{mode}，批大小 {batch}（根据 {free:.1f} GiB 空闲 GPU 显存选择）："
        "训练 {rate:.1f} img/s，MFU {mfu}",
        "auto_speedup": "批大小 {batch} 时的加速比（优化 / 朴素，朴素批大小 {base}）：{speedup:.2f}x",
        "chart": {
            "train": "训练",
            "infer": "推理",
            "rate": "图片 / 秒",
            "step": "计时步",
            "ms": "毫秒",
            "title": "ResNet-101（{stem}），{name}",
        },
    },
}
_WIDTHS = (10, 12, 12, 24, 10, 12, 7)


def format_report(report: dict[str, Any], lang: str = "en") -> str:
    """The table printed after the progress bars, aligned by display width (CJK is wide)."""
    text = _BENCH_TEXT.get(lang, _BENCH_TEXT["en"])
    dev, config = report["device"], report["config"]
    stem = text["stem"].get(config["stem"], config["stem"])
    name = dev.get("name") if dev["type"] == "cuda" else "CPU"
    lines = [text["device"].format(name=name, type=dev["type"], torch=dev["torch"],
                                   world=report["world_size"], stem=stem, batch=config["batch_size"])]  # fmt: skip
    if dev["type"] == "cuda":
        lines.append(text["gpu"].format(capability=dev.get("capability"), memory=dev.get("memory_gb"),
                                        cuda=dev["cuda"], cudnn=dev["cudnn"]))  # fmt: skip
    lines.append(text["host"].format(cpus=dev["cpu_count"], python=dev["python"]))
    header = _row(text["columns"])
    lines += [header, "-" * display_width(header)]
    for r in report["results"]:
        steps = f"{r['step_ms_p10']:.1f}/{r['step_ms_median']:.1f}/{r['step_ms_p90']:.1f}"
        peak = "-" if r["peak_mem_mb"] is None else f"{r['peak_mem_mb']:.0f}"
        util = "-" if r["mfu"] is None else f"{100 * r['mfu']:.1f}%"
        lines.append(_row((mode_label(r["mode"], lang), f"{r['train_images_per_s']:.1f}",
                           f"{r['infer_images_per_s']:.1f}", steps, f"{r['warmup_s']:.2f}", peak, util)))  # fmt: skip
    for r in report["results"]:
        label = mode_label(r["mode"], lang)
        lines += run_lines(text, label, r)
        if r.get("clocks"):
            lines.append(text["clock"].format(mode=label, clocks=r["clocks"]))
    known = (dev.get("name") or "").strip() in PEAK_TFLOPS
    lines += mfu_lines(text, dev, report["results"], known=known)
    lines += timed_lines(text, report)
    if report["speedup"] is not None:
        lines.append(text["speedup"].format(speedup=report["speedup"]))
    lines += auto_batch_lines(text, report, lang)
    lines.append(text["learns"].format(learns=text["yes_no"][bool(report["learns"])]))
    if "test_accuracy" in report:
        lines.append(text["accuracy"].format(epochs=config["epochs"],
                                             accuracy=100 * report["test_accuracy"]))  # fmt: skip
    return "\n".join(lines)


def _row(cells: tuple[str, ...]) -> str:
    first, *rest = cells
    return " ".join(
        [pad(first, _WIDTHS[0]), *(pad(c, w, ">") for c, w in zip(rest, _WIDTHS[1:], strict=False))]
    )


_BENCH_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                    "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC",
                    "Heiti SC", "AR PL UMing CN")  # fmt: skip


def _bench_cjk_font() -> str | None:
    """A font installed here that has Chinese glyphs, if any."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _BENCH_CJK_FONTS if name in names), None)


BENCH_STAMP = "nbgen bench"  # in the chart's metadata: how a re-run knows nbgen drew it


def _bench_plot_stamp(path: str) -> dict[str, str]:
    key = {".png": "Software", ".svg": "Creator", ".pdf": "Creator"}.get(Path(path).suffix.lower())
    return {key: BENCH_STAMP} if key else {}


def plot_report(report: dict[str, Any], path: str | None = None, lang: str = "en") -> Any:
    """Bar chart of train/inference img/s and step-time traces; saved to ``path`` if given.
    Chinese labels need a font with Chinese glyphs: without one the chart stays English
    (boxes, and a warning per glyph, would be worse)."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    font = _bench_cjk_font() if lang == "zh" else None
    if font is None:
        lang = "en"
    text = _BENCH_TEXT.get(lang, _BENCH_TEXT["en"])
    chart = text["chart"]
    with plt.rc_context({"font.sans-serif": [font, "DejaVu Sans"]} if font else {}):
        fig, (bars, trace) = plt.subplots(1, 2, figsize=(11, 4))
        modes = [mode_label(r["mode"], lang) for r in report["results"]]
        xs = range(len(modes))
        bars.bar([x - 0.2 for x in xs], [r["train_images_per_s"] for r in report["results"]],
                 0.4, label=chart["train"])  # fmt: skip
        bars.bar([x + 0.2 for x in xs], [r["infer_images_per_s"] for r in report["results"]],
                 0.4, label=chart["infer"])  # fmt: skip
        bars.set_xticks(list(xs), modes)
        bars.set_ylabel(chart["rate"])
        bars.legend()
        for r, label in zip(report["results"], modes, strict=True):
            trace.plot(r["step_ms"], label=label)
        trace.set_xlabel(chart["step"])
        trace.set_ylabel(chart["ms"])
        trace.legend()
        stem = text["stem"].get(report["config"]["stem"], report["config"]["stem"])
        fig.suptitle(chart["title"].format(stem=stem, name=report["device"].get("name")))
        fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100, metadata=_bench_plot_stamp(path))
        plt.close(fig)
    return fig
