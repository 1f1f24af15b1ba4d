from __future__ import annotations

import pytest

from nbgen.runtime.env import check_environment, detect_platform


@pytest.mark.parametrize(
    ("environ", "colab", "expected"),
    [
        pytest.param(
            {"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, True, "kaggle", id="kaggle-looks-colab"
        ),
        pytest.param({"KAGGLE_KERNEL_RUN_TYPE": "Batch"}, False, "kaggle", id="kaggle"),
        pytest.param({}, True, "colab", id="colab-module"),
        pytest.param(
            {"COLAB_RELEASE_TAG": "release-colab_20261101"}, False, "colab", id="colab-env"
        ),
        pytest.param({}, False, "local", id="local"),
    ],
)
def test_detect_platform(environ: dict[str, str], colab: bool, expected: str) -> None:
    assert detect_platform(environ, colab_importable=colab) == expected


def test_detect_platform_sees_the_colab_standin(
    colab_stubs: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    assert detect_platform() == "colab"


def test_cpu_report_calls_is_available_and_explains(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    import torch

    report = check_environment(lang="en", cuda_visible_devices="")
    out = capsys.readouterr().out
    available = torch.cuda.is_available()
    assert report["cuda_available"] is available
    assert report["torch"] == torch.__version__
    assert f"torch.cuda.is_available()  {available}" in out
    assert ("No GPU visible to torch" in out) is not available
    assert len(report["gpus"]) == (torch.cuda.device_count() if available else 0)


def test_visible_devices_is_exported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # restored (unset) after the test
    report = check_environment(lang="zh", cuda_visible_devices="1")
    import os

    assert os.environ["CUDA_VISIBLE_DEVICES"] == "1" == report["cuda_visible_devices"]
    assert ("本机 torch 看不到 GPU" in capsys.readouterr().out) is not report["cuda_available"]
