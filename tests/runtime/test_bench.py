"""The benchmark on the CPU at tiny sizes: real torch, real torchvision, real torchrun."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from nbgen.runtime.bench.model import (
    CIFAR_FOLDER,
    gpu_augment,
    normalize,
    pil_transform,
    read_cifar10,
)
from nbgen.runtime.bench.report import PEAK_TFLOPS, forward_flops, peak_flops
from nbgen.runtime.bench.run import BenchConfig, BenchError, format_report, run_benchmark
from tests.conftest import run_nbgen

pytestmark = pytest.mark.slow
TINY = ["--device", "cpu", "--steps", "2", "--warmup", "1", "--batch-size", "4", "-q"]


def write_cifar(folder: Path, per_batch: int = 8) -> tuple[np.ndarray, list[int]]:
    """A small CIFAR-10 in its own on-disk format (pickled dicts of uint8 rows)."""
    rng = np.random.default_rng(7)
    root = folder / CIFAR_FOLDER
    root.mkdir(parents=True)
    all_rows, all_labels = [], []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        rows = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [int(x) for x in rng.integers(0, 10, size=per_batch)]
        with (root / name).open("wb") as f:
            pickle.dump({"batch_label": name, "data": rows, "labels": labels}, f)
        if name != "test_batch":
            all_rows.append(rows)
            all_labels += labels
    with (root / "batches.meta").open("wb") as f:
        pickle.dump({"label_names": [f"c{i}" for i in range(10)]}, f)
    return np.concatenate(all_rows), all_labels


def test_cifar_reader_reads_the_on_disk_format(tmp_path: Path) -> None:
    rows, labels = write_cifar(tmp_path)
    data, targets = read_cifar10(str(tmp_path / CIFAR_FOLDER), train=True)
    assert data.shape == (40, 32, 32, 3) and data.dtype == np.uint8
    assert targets == labels
    # row layout: 1024 red, 1024 green, 1024 blue values, row-major
    assert data[3, 0, 1, 2] == rows[3, 2048 + 1]
    test_data, _ = read_cifar10(str(tmp_path / CIFAR_FOLDER), train=False)
    assert test_data.shape == (8, 32, 32, 3)


def test_gpu_augment_is_a_crop_or_flipped_crop(tmp_path: Path) -> None:
    images = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8)
    out = gpu_augment(images, torch.Generator().manual_seed(3))
    assert out.shape == images.shape and out.dtype == torch.uint8
    padded = torch.nn.functional.pad(images, (4, 4, 4, 4))
    for i in range(len(images)):
        crops = [padded[i, :, y : y + 32, x : x + 32] for y in range(9) for x in range(9)]
        assert any(torch.equal(out[i], c) or torch.equal(out[i], c.flip(2)) for c in crops)


def test_normalize_matches_the_pil_pipeline() -> None:
    from PIL import Image

    image = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    import torchvision.transforms as T

    expected = T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))(
        T.ToTensor()(Image.fromarray(image))
    )
    got = normalize(torch.from_numpy(image).permute(2, 0, 1)[None])[0]
    assert torch.allclose(got, expected, atol=1e-6)
    assert pil_transform()(Image.fromarray(image)).shape == (3, 32, 32)


def test_flop_count_matches_the_published_resnet101_figure() -> None:
    # ResNet-101 at 224x224: 7.8 GMACs = 15.6 GFLOPs; the imagenet stem at 32x32 is 49x fewer
    at_224 = forward_flops("imagenet") * (224 / 32) ** 2
    assert abs(at_224 / 15.6e9 - 1) < 0.05
    assert forward_flops("cifar") > 10 * forward_flops("imagenet")


def test_the_peak_table_is_consistent() -> None:
    """Checks that would catch a wrong entry without restating the table: exact torch names,
    half precision at least TF32 at least FP32, bf16 as fast as fp16 where it exists, and the
    two anchors the issue gives (T4 fp16, H100 SXM bf16)."""
    for name, peaks in PEAK_TFLOPS.items():
        assert name.startswith(("NVIDIA ", "Tesla ")) and name == name.strip(), name
        fp32, tf32, fp16, bf16 = (peaks[p] for p in ("fp32", "tf32", "fp16", "bf16"))
        assert fp32 is not None and fp16 is not None and fp16 > fp32, name
        assert tf32 is None or fp32 < tf32 < fp16, name
        assert bf16 is None or bf16 == fp16, name
        assert (tf32 is None) == (bf16 is None), name  # both arrived with Ampere
    assert peak_flops("Tesla T4", "fp16") == 65e12
    assert peak_flops("NVIDIA H100 80GB HBM3", "bf16") == pytest.approx(989.4e12)


@pytest.mark.parametrize("name", ["NVIDIA L40", "NVIDIA RTX A1000", "NVIDIA T400", "NVIDIA H100"])
def test_names_that_only_contain_a_known_name_get_no_peak(name: str) -> None:
    """Substring matching sent these to the wrong card (L4, A100, T4)."""
    assert all(peak_flops(name, p) is None for p in ("fp32", "tf32", "fp16", "bf16"))


def test_an_unknown_gpu_says_so_instead_of_a_figure() -> None:
    report = {
        "device": {"type": "cuda", "name": "NVIDIA Future X", "torch": "2", "cuda": "13",
                   "cudnn": 1, "capability": "10.0", "memory_gb": 80, "cpu_count": 8,
                   "python": "3.12"},
        "world_size": 1, "config": {"stem": "cifar", "batch_size": 128, "epochs": 0},
        "results": [{"mode": "optimized", "train_images_per_s": 1.0, "infer_images_per_s": 1.0,
                     "step_ms_p10": 1, "step_ms_median": 1, "step_ms_p90": 1, "warmup_s": 1,
                     "peak_mem_mb": 1.0, "mfu": None, "precision": "bf16", "compiled": True}],
        "speedup": None, "learns": True,
    }  # fmt: skip
    assert "MFU: unknown GPU 'NVIDIA Future X'" in format_report(report)


def test_tiny_cpu_run_reports_both_loops(tmp_path: Path) -> None:
    config = BenchConfig(device="cpu", steps=2, warmup=1, batch_size=4, progress=False)
    report = run_benchmark(config)
    naive, optimized = report["results"]
    assert [naive["mode"], optimized["mode"]] == ["naive", "optimized"]
    for result in (naive, optimized):
        assert len(result["step_ms"]) == 2
        assert result["train_images_per_s"] == pytest.approx(
            4 * 2 / (sum(result["step_ms"]) / 1000)
        )
        assert result["step_ms_p10"] <= result["step_ms_median"] <= result["step_ms_p90"]
        assert result["infer_images_per_s"] > 0 and result["warmup_s"] > 0
        assert result["peak_mem_mb"] is None and result["mfu"] is None  # CPU
    assert report["speedup"] == pytest.approx(
        optimized["train_images_per_s"] / naive["train_images_per_s"]
    )
    assert report["learns"] is True
    assert report["world_size"] == 1 and report["device"]["type"] == "cpu"
    assert "加速比" in format_report(report, "zh") and "能够学习：是" in format_report(report, "zh")


def test_cli_json_plot_and_cifar10_from_disk(tmp_path: Path) -> None:
    write_cifar(tmp_path / "cifar")
    result = run_nbgen("bench", *TINY, "--data", "cifar10", "--data-dir", str(tmp_path / "cifar"),
                       "--mode", "optimized", "--epochs", "1", "--json", str(tmp_path / "r.json"),
                       "--plot", str(tmp_path / "r.png"), cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert set(report) >= {"device", "world_size", "results", "speedup", "learns", "test_accuracy"}
    assert set(report["results"][0]) >= {
        "mode",
        "train_images_per_s",
        "infer_images_per_s",
        "step_ms_median",
        "step_ms_p10",
        "step_ms_p90",
        "warmup_s",
        "peak_mem_mb",
        "mfu",
    }
    assert 0 <= report["test_accuracy"] <= 1
    assert (tmp_path / "r.png").read_bytes().startswith(b"\x89PNG")
    assert "train img/s" in result.stdout and "learns: true" in result.stdout


def test_offline_without_data_says_what_to_do(tmp_path: Path) -> None:
    closed = {"https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    result = run_nbgen("bench", *TINY, "--data", "cifar10", "--data-dir", str(tmp_path / "none"),
                       cwd=tmp_path, env=closed)  # fmt: skip
    assert result.returncode == 1
    assert "--data synthetic" in result.stderr and "--data-dir" in result.stderr
    assert "Traceback" not in result.stderr


def test_cuda_without_a_gpu_is_a_clear_error(tmp_path: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(BenchError, match="--device cuda: torch sees no GPU"):
        run_benchmark(BenchConfig(device="cuda"))


def test_torchrun_ddp_two_processes_on_gloo(tmp_path: Path) -> None:
    out = tmp_path / "ddp.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "nbgen",
         "bench", *TINY, "--data", "synthetic", "--mode", "optimized", "--json", str(out)],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["world_size"] == 2
    rank_rate = 4 * 2 / (sum(report["results"][0]["step_ms"]) / 1000)
    assert report["results"][0]["train_images_per_s"] > rank_rate  # summed over both ranks
    assert result.stdout.count("train img/s") == 1  # rank 0 alone prints


def test_the_notebook_cell_leaves_torch_settings_as_it_found_them() -> None:
    from nbgen.runtime.bench.cell import torch_settings_kept

    torch.backends.cudnn.benchmark = False
    torch.manual_seed(1234)
    expected = torch.rand(3)
    torch.manual_seed(1234)
    with torch_settings_kept():
        torch.backends.cudnn.benchmark = True
        torch.manual_seed(0)
        torch.rand(100)
    assert torch.backends.cudnn.benchmark is False
    assert torch.equal(torch.rand(3), expected)


def test_fp16_with_a_skipped_first_step_keeps_fused_sgd_finite() -> None:
    """The T4 case: GradScaler skips step 1 (overflow); fused SGD must not then read its
    never-written momentum buffers as NaN. Forced on the CPU with a tiny model."""
    from nbgen.runtime.bench.steps import make_optimizer

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    optimizer = make_optimizer(model, torch.device("cpu"), lr=0.1, fused=True)
    assert optimizer.defaults["fused"] is True
    scaler = torch.amp.GradScaler("cpu")
    x, y = torch.randn(32, 8), torch.randint(0, 4, (32,))
    losses = []
    for step in range(6):
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.float16):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        scaled = scaler.scale(loss)
        if step == 0:
            scaled = scaled * float("inf")  # the first step overflows and is skipped
        scaled.backward()
        scaler.step(optimizer)
        scaler.update()
        losses.append(float(loss.detach()))
        if step == 1:
            assert all(torch.isfinite(p).all() for p in model.parameters())
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert losses[-1] < losses[1]


def test_a_failing_compile_falls_back_to_eager_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nbgen.runtime.bench.steps import CompiledStep, make_optimizer, make_step

    def broken_backend(graph: object, inputs: object) -> object:
        raise RuntimeError("no C compiler on this image")

    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 3))
    optimizer = make_optimizer(model, torch.device("cpu"))
    step = CompiledStep(model, lambda m: make_step(m, optimizer, None, torch.device("cpu")),
                        True, backend=broken_backend)  # fmt: skip
    loss = step(torch.randn(4, 3, 2, 2), torch.tensor([0, 1, 2, 0]))
    assert torch.isfinite(loss) and step.compiled is False
    out = capsys.readouterr().out
    assert "torch.compile failed (RuntimeError" in out and out.rstrip().endswith("running eager")


def test_cudnn_autotuning_is_scoped_to_the_optimized_loop() -> None:
    for before in (False, True):
        torch.backends.cudnn.benchmark = before
        run_benchmark(BenchConfig(device="cpu", steps=1, warmup=0, batch_size=2, progress=False,
                                  learn_steps=1, stem="imagenet"))  # fmt: skip
        assert torch.backends.cudnn.benchmark is before
    torch.backends.cudnn.benchmark = False


SHARDS = """
import json, os, sys
import torch
import torch.distributed as dist
from nbgen.runtime.bench.config import BenchConfig
from nbgen.runtime.bench.device import rank_zero_first
from nbgen.runtime.bench.steps import Batches

dist.init_process_group("gloo")
rank = dist.get_rank()
config = BenchConfig(batch_size=4, seed=3)
images = torch.zeros(40, 3, 32, 32, dtype=torch.uint8)
labels = torch.arange(40)
batches = Batches(images, labels, config)
seen = [batches()[1].tolist() for _ in range(5)]  # one epoch: 40 / (2 ranks * 4) batches
marker = sys.argv[1]
with rank_zero_first():
    if rank == 0:
        import time; time.sleep(1.0); open(marker, "w").write("downloaded")
    found = os.path.exists(marker)
json.dump({"seen": seen, "found": found}, open(f"{sys.argv[2]}.{rank}", "w"))
dist.barrier()  # no rank tears gloo down while its peer still talks to it
dist.destroy_process_group()
"""


def test_torchrun_ranks_train_on_disjoint_batches_and_download_once(tmp_path: Path) -> None:
    script = tmp_path / "shards.py"
    script.write_text(SHARDS)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(script), str(tmp_path / "marker"), str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"out.{r}").read_text()) for r in (0, 1)]
    zero = [i for batch in ranks[0]["seen"] for i in batch]
    one = [i for batch in ranks[1]["seen"] for i in batch]
    assert not set(zero) & set(one)  # no image trained twice in the epoch
    assert sorted(zero + one) == list(range(40))  # and together they cover it
    assert ranks[1]["found"] is True  # rank 1 waited for rank 0's download
