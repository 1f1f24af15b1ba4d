"""The benchmark cell of a generated notebook: the full run on a GPU, a small labelled check on
a CPU, the table and the chart, and the user's torch settings left as they were."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from typing import Any

from nbgen.runtime.bench.precision import restore_tf32_settings, tf32_settings
from nbgen.runtime.bench.run import BenchConfig, format_report, plot_report, run_benchmark
from nbgen.runtime.platforms.env import local_data_dir

_CELL_TEXT = {
    "en": {
        "no_torch": "torch is not installed here, so there is nothing to benchmark: "
        "pip install torch torchvision (Colab and Kaggle ship them).",
        "cpu": "No GPU: a small CPU check of both loops instead (CPU, not a GPU benchmark; "
        "the figures say nothing about a GPU).",
    },
    "zh": {
        "no_torch": "此处未安装 torch，无法进行性能测试：请运行 pip install torch torchvision"
        "（Colab 和 Kaggle 已自带）。",
        "cpu": "没有 GPU：改为在 CPU 上对两种写法做一次小规模检查（这是 CPU 检查，不是 GPU 性能测试，"
        "数字不代表 GPU 的表现）。",
    },
}
# A CPU check that ends in well under a minute on two cores, and still shows both loops learn.
CPU_CHECK: dict[str, Any] = {
    "steps": 3,
    "warmup": 1,
    "batch_size": 8,
    "learn_steps": 30,
    "epochs": 0,
    "stem": "imagenet",
}


def benchmark_cell(
    data: str = "synthetic", mode: str = "both", steps: int = 20, batch_size: int = 128,
    stem: str = "cifar", epochs: int = 0, lang: str = "en",
) -> dict[str, Any] | None:  # fmt: skip
    """Run the benchmark as the notebook's form says, print the table, show the chart."""
    text = _CELL_TEXT.get(lang, _CELL_TEXT["en"])
    if importlib.util.find_spec("torch") is None:
        print(text["no_torch"])
        return None
    import torch

    settings: dict[str, Any] = dict(
        data=data, mode=mode, steps=steps, batch_size=batch_size, stem=stem, epochs=epochs,
        data_dir=local_data_dir(), lang=lang, notebook=True,
    )  # fmt: skip
    if not torch.cuda.is_available():
        print(text["cpu"])
        settings.update(CPU_CHECK, device="cpu", data="synthetic")
    with torch_settings_kept():
        report = run_benchmark(BenchConfig(**settings))
    print(format_report(report, lang=lang))
    plot_report(report, lang=lang)
    import matplotlib.pyplot as plt

    plt.show()
    return report


@contextlib.contextmanager
def torch_settings_kept() -> Iterator[None]:
    """Leave the user's torch as it was: cuDNN autotuning, TF32 (through the API the user's
    torch has), and every random generator."""
    import torch

    cudnn = torch.backends.cudnn
    saved = (cudnn.benchmark, cudnn.deterministic, tf32_settings(), torch.get_rng_state())
    cuda_states = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    try:
        yield
    finally:
        cudnn.benchmark, cudnn.deterministic = saved[0], saved[1]
        restore_tf32_settings(saved[2])
        torch.set_rng_state(saved[3])
        if cuda_states is not None:
            torch.cuda.set_rng_state_all(cuda_states)
