from __future__ import annotations

import pytest

from nbgen.runtime.platforms.env import check_environment, detect_platform


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


def torch_standin(
    monkeypatch: pytest.MonkeyPatch, gpus: list[tuple[str, int, int]], arches: list[str],
    cuda: str | None = "12.8",
) -> None:  # fmt: skip
    """A stand-in for torch at the module boundary, with the functions check_environment
    calls: there is no GPU here, let alone an old one."""
    import importlib.machinery
    import sys
    import types
    from types import SimpleNamespace

    def props(index: int) -> SimpleNamespace:
        name, major, minor = gpus[index]
        return SimpleNamespace(name=name, major=major, minor=minor, total_memory=16 * 2**30)

    torch = types.ModuleType("torch")
    torch.__spec__ = importlib.machinery.ModuleSpec("torch", None)
    torch.__version__ = "2.9.0+cu128"  # type: ignore[attr-defined]
    torch.version = SimpleNamespace(cuda=cuda)  # type: ignore[attr-defined]
    torch.backends = SimpleNamespace(cudnn=SimpleNamespace(version=lambda: 91002 if gpus else None))  # type: ignore[attr-defined]
    torch.cuda = SimpleNamespace(  # type: ignore[attr-defined]
        is_available=lambda: bool(gpus), device_count=lambda: len(gpus),
        get_device_properties=props, get_arch_list=lambda: arches, is_initialized=lambda: False,
    )  # fmt: skip
    monkeypatch.setitem(sys.modules, "torch", torch)


CU128 = ["sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120", "compute_120"]


@pytest.mark.parametrize(
    ("gpu", "arches", "usable"),
    [(("Tesla P100-PCIE-16GB", 6, 0), CU128, False), (("Tesla T4", 7, 5), CU128, True),
     (("NVIDIA A10G", 8, 6), ["sm_80"], True), (("NVIDIA H100", 9, 0), ["sm_90a"], True),
     (("NVIDIA B300", 10, 3), ["sm_90a", "sm_100a"], False), (("Tesla P4", 6, 1), ["compute_70"], False),
     (("NVIDIA A100", 8, 0), ["sm_75", "compute_75"], True), (("Some GPU", 6, 0), [], True)],
)  # fmt: skip
def test_a_gpu_this_torch_cannot_use_is_not_called_healthy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    gpu: tuple[str, int, int], arches: list[str], usable: bool,
) -> None:  # fmt: skip
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    torch_standin(monkeypatch, [gpu], arches)
    report = check_environment(lang="en")
    out = capsys.readouterr().out
    assert report["gpus"][0]["usable"] is usable
    assert ("this torch cannot use this GPU" in out) is not usable
    if not usable:
        assert f"{gpu[0]}, compute capability {gpu[1]}.{gpu[2]}" in out and " ".join(arches) in out
        assert "On Kaggle: Settings > Accelerator > GPU T4 x2" in out


def test_the_advice_for_an_unusable_gpu_follows_the_platform(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20261101")
    torch_standin(monkeypatch, [("Tesla K80", 3, 7)], CU128)
    check_environment(lang="zh")
    out = capsys.readouterr().out
    assert "当前的 torch 无法使用这块 GPU" in out and "更改运行时类型 > T4 GPU" in out


def test_without_a_gpu_nothing_prints_none(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    torch_standin(monkeypatch, [], [], cuda=None)
    report = check_environment(lang="en")
    out = capsys.readouterr().out
    assert report["cudnn"] is None and "None" not in out
    assert "cuDNN" in out and "phone-verified account" in out


def test_kaggle_data_goes_to_kaggles_temporary_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    from nbgen.runtime.platforms.env import local_data_dir

    monkeypatch.delenv("NBGEN_KAGGLE_ROOT", raising=False)
    assert local_data_dir("kaggle") == "/kaggle/temp/data"  # not the kept /kaggle/working
    monkeypatch.setenv("NBGEN_KAGGLE_ROOT", "/tmp/run/kaggle")
    assert local_data_dir("kaggle") == "/tmp/run/kaggle/temp/data"
