"""Faster on a GPU (issue 22, §6), the parts a CPU can show: torch.compile's options from the
flags, the whole step compiled (the optimizer too) on static input buffers, the batch chosen
from free memory. On a GPU: tests/runtime/test_bench_gpu.py."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from nbgen.runtime.bench.config import BenchConfig, BenchError
from nbgen.runtime.bench.graphs import check_whole_step, compile_options, static_inputs
from nbgen.runtime.bench.memory import AUTO_BATCH_SHARE, fitting_batch, memory_line
from nbgen.runtime.bench.run import run_benchmark
from nbgen.runtime.bench.steps import CompiledStep, make_optimizer, make_step

pytestmark = pytest.mark.slow
CPU = torch.device("cpu")


def small_net() -> torch.nn.Module:
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.Conv2d(4, 4, 1), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
        torch.nn.Linear(4, 10),
    )  # fmt: skip
    return net.to(memory_format=torch.channels_last)


@pytest.mark.parametrize(
    ("mode", "graphs", "autotune"),
    [("reduce-overhead", True, False), ("max-autotune", True, True),
     ("max-autotune-no-cudagraphs", False, True)],
)  # fmt: skip
def test_compile_modes_turn_on_cuda_graphs_and_autotuning(
    mode: str, graphs: bool, autotune: bool
) -> None:
    options = compile_options(BenchConfig(compile_mode=mode, conv_1x1_as_mm=True)) or {}
    assert bool(options.get("triton.cudagraphs")) is graphs
    assert bool(options.get("max_autotune")) is autotune
    assert options["conv_1x1_as_mm"] is True
    torch.compile(small_net(), options=options)  # inductor refuses a name it does not know


def test_default_compiles_as_torch_compile_does() -> None:
    assert compile_options(BenchConfig()) is None


def flat(net: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in net.parameters()])


# torch hides this warning of its own tracing from users (a showwarning filter); only an
# error filter such as pytest's sees it
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor:UserWarning")
def test_the_whole_step_compiles_the_optimizer_too_on_static_buffers() -> None:
    graphs: list[Any] = []

    def keep(graph: Any, inputs: object) -> Any:  # dynamo's graphs, run as traced
        graphs.append(graph)
        return graph.forward

    whole, eager = small_net(), small_net()
    steps = []
    for net, on in ((whole, True), (eager, False)):
        optimizer = make_optimizer(net, CPU, fused=False)
        make = lambda m, o=optimizer: make_step(m, o, None, CPU)  # noqa: E731
        steps.append(CompiledStep(net, make, on, backend=keep, whole=True))
    addresses: list[int] = []

    def seen(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        addresses.append(images.data_ptr())
        return steps[0](images, labels)

    run = static_inputs(seen)
    torch.manual_seed(1)
    for _ in range(3):
        images = torch.randn(4, 3, 8, 8).contiguous(memory_format=torch.channels_last)
        labels = torch.randint(0, 10, (4,))
        compiled_loss, eager_loss = run(images, labels), steps[1](images, labels)
        assert torch.allclose(compiled_loss, eager_loss, atol=1e-6)
    assert steps[0].compiled and len(set(addresses)) == 1  # one buffer, every step
    assert torch.allclose(flat(whole), flat(eager), atol=1e-6)
    code = "\n".join(g.code for g in graphs)
    assert "momentum_buffer" in code and "conv2d" in code  # the update and the model, compiled


def test_whole_step_refuses_fp16_and_ranks(monkeypatch: pytest.MonkeyPatch) -> None:
    config = BenchConfig(whole_step=True)
    check_whole_step(config, torch.bfloat16)
    with pytest.raises(BenchError, match="GradScaler checks for overflow on the host"):
        check_whole_step(config, torch.float16)
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(BenchError, match="leave it off under torchrun"):
        check_whole_step(config, torch.bfloat16)


@pytest.mark.parametrize(
    ("free_gib", "fixed_gib", "per_image_mib", "most"),
    [(15.0, 0.6, 24.0, 2048), (139.0, 0.6, 24.0, 2048), (1.0, 0.9, 24.0, 2048),
     (80.0, 1.0, 3.0, 512)],
)  # fmt: skip
def test_the_batch_is_the_largest_power_of_two_that_fits(
    free_gib: float, fixed_gib: float, per_image_mib: float, most: int
) -> None:
    free, fixed, per = free_gib * 2**30, fixed_gib * 2**30, per_image_mib * 2**20
    batch = fitting_batch(free, fixed, per, most)
    assert batch >= 2 and batch & (batch - 1) == 0 and batch <= most

    def fits(b: int) -> bool:
        return fixed + b * per <= AUTO_BATCH_SHARE * free

    assert batch == 2 or fits(batch)
    assert batch * 2 > most or not fits(batch * 2)


def test_memory_per_image_is_the_slope_between_two_batches() -> None:
    fixed, per_image = memory_line(lambda b: 500.0 + 7.0 * b)
    assert (fixed, per_image) == (500.0, 7.0)


def test_auto_batch_needs_a_gpu() -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(BenchError, match="--auto-batch sizes the batch from free GPU memory"):
        run_benchmark(BenchConfig(device="cpu", auto_batch=True, progress=False))
