"""What the benchmark's numbers mean and how they are shown: FLOPs and MFU, the machine, the
table (English or Chinese), the chart and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from typing import Any

import torch

from nbgen.runtime.bench_config import mode_label
from nbgen.runtime.bench_device import world
from nbgen.runtime.bench_model import build_model
from nbgen.runtime.env import display_width, pad

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


_BENCH_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "device": "device: {name} ({type}), torch {torch}, world size {world}, {stem}, batch {batch}",
        "gpu": "  capability {capability}, {memory} GiB, CUDA {cuda}, cuDNN {cudnn}, "
        "SM clock (now, max) {clocks}",
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
        "unknown": "n/a",
        "stem": {"cifar": "cifar stem", "imagenet": "imagenet stem"},
    },
    "zh": {
        "device": "设备：{name}（{type}），torch {torch}，进程数 {world}，{stem}，批大小 {batch}",
        "gpu": "  计算能力 {capability}，显存 {memory} GiB，CUDA {cuda}，cuDNN {cudnn}，"
        "SM 时钟（当前，最大）{clocks}",
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
        "unknown": "未知",
        "stem": {"cifar": "CIFAR 输入层", "imagenet": "ImageNet 输入层"},
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
                                        cuda=dev["cuda"], cudnn=dev["cudnn"],
                                        clocks=dev.get("clocks") or text["unknown"]))  # fmt: skip
    lines.append(text["host"].format(cpus=dev["cpu_count"], python=dev["python"]))
    header = _row(text["columns"])
    lines += [header, "-" * display_width(header)]
    for r in report["results"]:
        steps = f"{r['step_ms_p10']:.1f}/{r['step_ms_median']:.1f}/{r['step_ms_p90']:.1f}"
        peak = "-" if r["peak_mem_mb"] is None else f"{r['peak_mem_mb']:.0f}"
        util = "-" if r["mfu"] is None else f"{100 * r['mfu']:.1f}%"
        lines.append(_row((mode_label(r["mode"], lang), f"{r['train_images_per_s']:.1f}",
                           f"{r['infer_images_per_s']:.1f}", steps, f"{r['warmup_s']:.2f}", peak, util)))  # fmt: skip
    if report["speedup"] is not None:
        lines.append(text["speedup"].format(speedup=report["speedup"]))
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
