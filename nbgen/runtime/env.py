"""Where the notebook runs and what hardware it has: platform detection and the GPU report."""

from __future__ import annotations

import importlib.util
import os
import platform as _platform_mod
import sys
from collections.abc import Mapping
from typing import Any

_ENV_TEXT = {
    "en": {
        "python": "Python",
        "torch": "torch",
        "cuda": "CUDA (torch build)",
        "cudnn": "cuDNN",
        "available": "torch.cuda.is_available()",
        "gpu": "GPU {i}",
        "capability": "compute capability",
        "memory": "memory",
        "visible": "CUDA_VISIBLE_DEVICES",
        "no_torch": "torch is not installed: `pip install torch` (Colab and Kaggle ship it).",
        "too_late": "CUDA was already initialised; CUDA_VISIBLE_DEVICES={value!r} takes effect "
        "after Runtime > Restart session.",
        "no_gpu_colab": "No GPU. In Colab: Runtime > Change runtime type > Hardware accelerator: "
        "T4 GPU > Save, then run the notebook again.",
        "no_gpu_kaggle": "No GPU. On Kaggle: Settings > Accelerator > GPU T4 x2, then run again.",
        "no_gpu_local": "No GPU visible to torch on this machine; the notebook still runs on the CPU.",
        "platform": "platform",
    },
    "zh": {
        "python": "Python 版本",
        "torch": "torch 版本",
        "cuda": "CUDA 版本（torch 编译时）",
        "cudnn": "cuDNN 版本",
        "available": "torch.cuda.is_available()",
        "gpu": "GPU {i}",
        "capability": "计算能力",
        "memory": "显存",
        "visible": "CUDA_VISIBLE_DEVICES",
        "no_torch": "未安装 torch：请运行 `pip install torch`（Colab 和 Kaggle 已自带）。",
        "too_late": "CUDA 已经初始化；CUDA_VISIBLE_DEVICES={value!r} 需在"
        "“代码执行程序 > 重启会话”后生效。",
        "no_gpu_colab": "没有 GPU。在 Colab 中：代码执行程序 > 更改运行时类型 > 硬件加速器："
        "T4 GPU > 保存，然后重新运行本笔记本。",
        "no_gpu_kaggle": "没有 GPU。在 Kaggle 上：Settings > Accelerator > GPU T4 x2，然后重新运行。",
        "no_gpu_local": "本机 torch 看不到 GPU；笔记本仍可在 CPU 上运行。",
        "platform": "运行平台",
    },
}


def detect_platform(
    environ: Mapping[str, str] | None = None, colab_importable: bool | None = None
) -> str:
    """Return "kaggle", "colab" or "local".

    Kaggle is checked first: its images carry google.colab too, so a Colab test alone would
    misfire there.
    """
    env = os.environ if environ is None else environ
    if env.get("KAGGLE_KERNEL_RUN_TYPE"):
        return "kaggle"
    if colab_importable is None:
        colab_importable = _env_find_spec("google.colab")
    if colab_importable or env.get("COLAB_RELEASE_TAG"):
        return "colab"
    return "local"


def _env_find_spec(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def check_environment(lang: str = "en", cuda_visible_devices: str = "") -> dict[str, Any]:
    """Print the Python/torch/CUDA/GPU report and return it as a dict.

    ``cuda_visible_devices`` (e.g. "0" or "0,1"), when given, is exported before CUDA starts.
    """
    text = _ENV_TEXT.get(lang, _ENV_TEXT["en"])
    where = detect_platform()
    report: dict[str, Any] = {"platform": where, "python": _platform_mod.python_version()}
    if cuda_visible_devices:
        _env_set_visible(cuda_visible_devices, text)
    report["cuda_visible_devices"] = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    rows = [(text["platform"], where), (text["python"], sys.version.split()[0])]
    if not _env_find_spec("torch"):
        _env_print_rows(rows)
        print(text["no_torch"])
        report["torch"] = None
        report["cuda_available"] = False
        return report
    import torch

    available = torch.cuda.is_available()
    report.update(
        torch=torch.__version__,
        cuda=torch.version.cuda,
        cudnn=torch.backends.cudnn.version() if available else None,
        cuda_available=available,
        gpus=[_env_gpu(i) for i in range(torch.cuda.device_count())] if available else [],
    )
    rows += [
        (text["torch"], str(torch.__version__)),
        (text["cuda"], str(torch.version.cuda)),
        (text["cudnn"], str(report["cudnn"])),
        (text["available"], str(available)),
        (text["visible"], report["cuda_visible_devices"] or "-"),
    ]
    for i, gpu in enumerate(report["gpus"]):
        rows.append((text["gpu"].format(i=i), gpu["name"]))
        rows.append((f"  {text['capability']}", gpu["capability"]))
        rows.append((f"  {text['memory']}", f"{gpu['memory_gb']:.1f} GiB"))
    _env_print_rows(rows)
    if not available:
        print(text[f"no_gpu_{where}"])
    return report


def _env_set_visible(value: str, text: Mapping[str, str]) -> None:
    torch_mod = sys.modules.get("torch")
    initialised = bool(torch_mod is not None and torch_mod.cuda.is_initialized())
    if initialised and os.environ.get("CUDA_VISIBLE_DEVICES") != value:
        print(text["too_late"].format(value=value))
    os.environ["CUDA_VISIBLE_DEVICES"] = value


def _env_gpu(index: int) -> dict[str, Any]:
    import torch

    props = torch.cuda.get_device_properties(index)
    return {
        "name": props.name,
        "capability": f"{props.major}.{props.minor}",
        "memory_gb": props.total_memory / 2**30,
    }


def _env_print_rows(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
