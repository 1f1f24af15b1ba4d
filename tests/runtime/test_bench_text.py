"""The benchmark speaks the notebook's language, and names the form's fields in a notebook."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from nbgen.runtime.bench.config import BenchConfig, BenchError, check_config  # noqa: E402
from nbgen.runtime.bench.model import load_arrays  # noqa: E402
from nbgen.runtime.bench.report import plot_report  # noqa: E402
from nbgen.runtime.bench.steps import CompiledStep, make_optimizer, make_step  # noqa: E402


@pytest.mark.parametrize(
    ("config", "message"),
    [(BenchConfig(steps=0), "steps 0: must be at least 1"),
     (BenchConfig(steps=0, notebook=True), "BENCH_STEPS = 0 (in the parameters cell): must be at least 1"),
     (BenchConfig(stem="x", notebook=True, lang="zh"), "BENCH_STEM = 'x'（在参数单元格中）：请从 cifar, imagenet 中选择"),
     (BenchConfig(warmup=-1, notebook=True, lang="zh"), "warmup -1：不能为负数")],
)  # fmt: skip
def test_setting_errors_name_what_the_user_set(config: BenchConfig, message: str) -> None:
    with pytest.raises(BenchError) as info:
        check_config(config)
    assert str(info.value) == message


def test_without_cifar_a_notebook_is_told_the_form_field_not_cli_flags(tmp_path: Path) -> None:
    config = BenchConfig(data="cifar10", data_dir=str(tmp_path), download=False, notebook=True,
                         lang="zh")  # fmt: skip
    with pytest.raises(BenchError) as info:
        load_arrays(config)
    assert "`BENCH_DATA = 'synthetic'`" in str(info.value) and "--data" not in str(info.value)
    cli = BenchConfig(data="cifar10", data_dir=str(tmp_path), download=False)
    with pytest.raises(BenchError, match="Use --data synthetic, or --data-dir"):
        load_arrays(cli)


def test_the_compile_fallback_line_follows_the_language(capsys: pytest.CaptureFixture[str]) -> None:
    def broken_backend(graph: object, inputs: object) -> object:
        raise RuntimeError("no C compiler on this image")

    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 3))
    optimizer = make_optimizer(model, torch.device("cpu"))
    step = CompiledStep(model, lambda m: make_step(m, optimizer, None, torch.device("cpu")),
                        True, backend=broken_backend, lang="zh")  # fmt: skip
    step(torch.randn(4, 3, 2, 2), torch.tensor([0, 1, 2, 0]))
    out = capsys.readouterr().out
    assert out.startswith("torch.compile 失败（RuntimeError：") and out.rstrip().endswith(
        "改为即时执行"
    )


def report() -> dict[str, Any]:
    result = {"train_images_per_s": 10.0, "infer_images_per_s": 30.0, "step_ms": [1.0, 2.0]}
    return {"results": [{"mode": "naive", **result}, {"mode": "optimized", **result}],
            "config": {"stem": "cifar"}, "device": {"name": "Tesla T4"}}  # fmt: skip


def chart_text(fig: Any) -> list[str]:
    texts = [fig._suptitle.get_text()]
    for ax in fig.axes:
        texts += [ax.get_ylabel(), ax.get_xlabel(), *(t.get_text() for t in ax.get_xticklabels())]
        texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return texts


def test_the_chart_is_chinese_where_a_chinese_font_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    fig = plot_report(report(), lang="zh")  # no Chinese font here: English, not boxes
    assert "images / s" in chart_text(fig) and "ResNet-101 (cifar stem) on Tesla T4" in chart_text(
        fig
    )
    dejavu = next(f for f in font_manager.fontManager.ttflist if f.name == "DejaVu Sans")
    entry = font_manager.FontEntry(fname=dejavu.fname, name="Noto Sans CJK SC")
    monkeypatch.setattr(
        font_manager.fontManager, "ttflist", [*font_manager.fontManager.ttflist, entry]
    )
    with warnings.catch_warnings():  # DejaVu plays the Chinese font: it lacks the glyphs
        warnings.simplefilter("ignore")
        fig = plot_report(report(), lang="zh")
    texts = chart_text(fig)
    assert "图片 / 秒" in texts and "计时步" in texts and "训练" in texts and "朴素" in texts
    assert "ResNet-101（CIFAR 输入层），Tesla T4" in texts
