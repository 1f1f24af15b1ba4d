"""Where the notebook runs and what hardware it has: platform detection and the GPU report."""

from __future__ import annotations

import importlib.util
import os
import platform as _platform_mod
import sys
import unicodedata
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
        "too_late": "CUDA is already running with CUDA_VISIBLE_DEVICES={current!r}; {value!r} takes "
        "effect only in a fresh runtime: Runtime > Restart session, then run the notebook again.",
        "no_gpu_colab": "No GPU. In Colab: Runtime > Change runtime type > Hardware accelerator: "
        "T4 GPU > Save, then run the notebook again. If Colab only offers to connect without a GPU, "
        "the free GPU quota is used up: changing the runtime type will not help until it returns "
        "(usually within a day); meanwhile use Kaggle's free weekly GPU hours (kaggle.com > Code > "
        "New Notebook > Settings > Accelerator: GPU T4 x2). The benchmark below runs a small CPU "
        "check instead.",
        "no_gpu_kaggle": "No GPU. On Kaggle: Settings > Accelerator > GPU T4 x2, then run again "
        "(Kaggle's GPUs need a phone-verified account: kaggle.com > Settings > Phone "
        "verification).",
        "no_gpu_local": "No GPU visible to torch on this machine; the notebook still runs on the CPU.",
        "platform": "platform",
        "arch": "GPU {i} ({name}, compute capability {capability}): this torch cannot use this "
        'GPU: torch {torch} has kernels for {arches} only, so CUDA calls fail with "no kernel '
        'image is available".',
        "arch_colab": "In Colab: Runtime > Change runtime type > T4 GPU (or L4, A100) > Save, "
        "then run the notebook again.",
        "arch_kaggle": "On Kaggle: Settings > Accelerator > GPU T4 x2 (the P100 is retired for "
        "current torch), then run again.",
        "arch_local": "Install a torch built for this GPU (https://pytorch.org/get-started/"
        "locally/), or use another GPU.",
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
        "too_late": "CUDA 已在 CUDA_VISIBLE_DEVICES={current!r} 下运行；{value!r} 只在新的运行时中"
        "生效：请选择“代码执行程序 > 重启会话”，然后重新运行本笔记本。",
        "no_gpu_colab": "没有 GPU。在 Colab 中：代码执行程序 > 更改运行时类型 > 硬件加速器："
        "T4 GPU > 保存，然后重新运行本笔记本。如果 Colab 只能以“无 GPU”方式连接，说明免费 GPU 配额"
        "已用完：更改运行时类型也无济于事，需等配额恢复（通常在一天之内）；在此期间可以使用 Kaggle "
        "每周的免费 GPU 时长（kaggle.com > Code > New Notebook > Settings > Accelerator：GPU T4 x2）。"
        "下面的性能测试会改为在 CPU 上做一次小规模检查。",
        "no_gpu_kaggle": "没有 GPU。在 Kaggle 上：Settings > Accelerator > GPU T4 x2，然后重新运行"
        "（Kaggle 的 GPU 需要先验证手机号：kaggle.com > Settings > Phone verification）。",
        "no_gpu_local": "本机 torch 看不到 GPU；笔记本仍可在 CPU 上运行。",
        "platform": "运行平台",
        "arch": "GPU {i}（{name}，计算能力 {capability}）：当前的 torch 无法使用这块 GPU：torch "
        "{torch} 只带有 {arches} 的内核，CUDA 调用会以 `no kernel image is available` 失败。",
        "arch_colab": "在 Colab 中：代码执行程序 > 更改运行时类型 > T4 GPU（或 L4、A100）> 保存，"
        "然后重新运行本笔记本。",
        "arch_kaggle": "在 Kaggle 上：Settings > Accelerator > GPU T4 x2（当前的 torch 已不支持 "
        "P100），然后重新运行。",
        "arch_local": "请安装适用于这块 GPU 的 torch（https://pytorch.org/get-started/locally/），"
        "或换用其他 GPU。",
    },
}


class NotebookStepError(RuntimeError):
    """A setup step failed for a reason the user can fix. In a notebook, IPython shows just
    the message (``_render_traceback_``), not a traceback into nbgen's code."""

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31m{type(self).__name__}: {self}\x1b[0m"]


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


# The runtime's own disk, for data: fast, unlike Drive with many small files.
# On Kaggle that is /kaggle/temp: /kaggle/working is the notebook's output, 20 GB, kept by
# "Save & Run All".
LOCAL_DATA = {"colab": "/content/data", "kaggle": "/kaggle/temp/data", "local": "data"}


def local_data_dir(where: str | None = None) -> str:
    """Where downloaded data goes on this platform (relative paths: the work folder)."""
    return platform_path(LOCAL_DATA[where or detect_platform()])


def platform_path(path: str) -> str:
    """A platform path (``/content/...`` on Colab, ``/kaggle/...`` on Kaggle) on this machine.

    ``nbgen run`` sets NBGEN_CONTENT_ROOT and NBGEN_KAGGLE_ROOT so that a local dry run of a
    Colab or Kaggle path writes into folders of its own; on the platforms they are unset.
    """
    for prefix, variable in (("/content", "NBGEN_CONTENT_ROOT"), ("/kaggle", "NBGEN_KAGGLE_ROOT")):
        root = os.environ.get(variable)
        if root and (path == prefix or path.startswith(prefix + "/")):
            return root + path[len(prefix) :]
    return path


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
        gpus=[gpu_info(i) for i in range(torch.cuda.device_count())] if available else [],
    )
    rows += [
        (text["torch"], str(torch.__version__)),
        (text["cuda"], str(torch.version.cuda or "-")),
        (text["cudnn"], str(report["cudnn"] or "-")),
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
    for i, gpu in enumerate(report["gpus"]):
        if not gpu["usable"]:
            arches = " ".join(gpu["arches"]) or "-"
            print(text["arch"].format(i=i, name=gpu["name"], capability=gpu["capability"],
                                      torch=torch.__version__, arches=arches))  # fmt: skip
            print(text[f"arch_{where}"])
    return report


def _env_set_visible(value: str, text: Mapping[str, str]) -> None:
    """Export the GPUs to use before CUDA starts; once it runs, a change needs a new runtime
    (the environment keeps the value CUDA started with, so the note repeats until then)."""
    torch_mod = sys.modules.get("torch")
    initialised = bool(torch_mod is not None and torch_mod.cuda.is_initialized())
    current = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    if initialised and current != value:
        print(text["too_late"].format(current=current, value=value))
        return
    os.environ["CUDA_VISIBLE_DEVICES"] = value


def gpu_info(index: int) -> dict[str, Any]:
    """Name, compute capability and memory of GPU ``index`` (as torch numbers them)."""
    import torch

    props = torch.cuda.get_device_properties(index)
    arches = [a for a in torch.cuda.get_arch_list() if a.startswith(("sm_", "compute_"))]
    return {
        "name": props.name,
        "capability": f"{props.major}.{props.minor}",
        "memory_gb": props.total_memory / 2**30,
        "usable": not arches or _env_arch_fits(props.major, props.minor, arches),
        "arches": arches,
    }


def _env_arch_fits(major: int, minor: int, arches: list[str]) -> bool:
    """True if torch carries code this GPU runs: a binary for its major version and an equal
    or lower minor (``sm_80`` runs on 8.6), or PTX no newer than it (``compute_70``, compiled
    on the spot). ``sm_90a``-style builds run on exactly that GPU only."""
    device = 10 * major + minor
    for arch in arches:
        kind, _, number = arch.partition("_")
        digits = number.rstrip("af")
        if not digits.isdigit():
            continue
        code = int(digits)
        if kind == "compute" and code <= device:
            return True
        exact = number != digits
        if kind == "sm" and (
            code == device or (not exact and code // 10 == major and code <= device)
        ):
            return True
    return False


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or notebook: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` columns (``<`` left, ``>`` right)."""
    fill = " " * max(0, width - display_width(text))
    return text + fill if align == "<" else fill + text


def _env_print_rows(rows: list[tuple[str, str]]) -> None:
    width = max(display_width(label) for label, _ in rows)
    for label, value in rows:
        print(f"{pad(label, width)}  {value}")
