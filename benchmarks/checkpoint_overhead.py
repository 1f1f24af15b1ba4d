"""What checkpoints cost a training loop (a benchmark, not a test).

    python benchmarks/checkpoint_overhead.py [--steps 100] [--every 20] [--repeat 7] [--threads 1]

A small CNN trains on CPU on synthetic 32x32 images, in one process that plays a Colab runtime
whose Drive takes writes at ~20 MB/s (the Drive stand-in's throttle). Two loops: the plain one
(a DataLoader with shuffle=True, no checkpoints) and the same loop with
``nbgen.Checkpoints(every=20)``, its loader and ``ckpt.step``. Throughput is training steps per
second of the loop itself; the background copy still running when the loop ends is waited for
outside the timing and shown apart. The machines here are shared and their load swings by 10x
within minutes, so each repeat times the two loops back to back (in alternating order) and the
figure is the median of those paired ratios, with the medians of the rates beside it. Beside
wall time it counts the process's CPU time (every thread, the background save's included,
its tail too): with one training thread (``--threads 1``, the default: no OpenMP threads
spinning while they wait for a core) CPU seconds per step barely move with the load of other
processes, and their ratio counts every CPU second the save costs as stolen from training, the
conservative estimate of what a machine of its own would keep.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from colab_standin import pretend_colab


def model_and_data() -> tuple[Any, Any, Any]:
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 8 * 8, 64), nn.ReLU(), nn.Linear(64, 10))  # fmt: skip
    data = torch.utils.data.TensorDataset(
        torch.randn(2048, 3, 32, 32), torch.randint(0, 10, (2048,))
    )
    return model, torch.optim.Adam(model.parameters(), lr=1e-3), data


def train(
    steps: int, loader: Any, model: Any, optimizer: Any, ckpt: Any = None
) -> tuple[float, float]:
    """Steps per second of wall time, and CPU seconds of this process for the loop."""
    from torch import nn

    cpu, start = time.process_time(), time.perf_counter()
    for step, (x, y) in zip(range(steps), loader, strict=False):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if ckpt is not None:
            ckpt.step(step, loss=loss)
    return steps / (time.perf_counter() - start), time.process_time() - cpu


def plain(steps: int) -> tuple[float, float]:
    import torch

    model, optimizer, data = model_and_data()
    loader = torch.utils.data.DataLoader(data, batch_size=32, shuffle=True)
    return train(steps, _endless(loader), model, optimizer)


def _endless(loader: Any) -> Any:
    while True:
        yield from loader


def checkpointed(steps: int, every: int, run: str) -> tuple[float, float, float, int, float]:
    from nbgen.runtime.training.checkpoints import Checkpoints

    model, optimizer, data = model_and_data()
    ckpt = Checkpoints(run, model=model, optimizer=optimizer, every=every, keep=3)
    ckpt.resume()
    main = time.thread_time()
    rate, cpu = train(steps, ckpt.loader(data, batch_size=32, shuffle=True, seed=0), model,
                      optimizer, ckpt)  # fmt: skip
    cpu_tail, start = time.process_time(), time.perf_counter()
    ckpt.wait()
    cpu += time.process_time() - cpu_tail
    background = cpu - (time.thread_time() - main)  # the save thread's CPU (1 torch thread)
    size = ckpt.saver.last[1].stat().st_size if ckpt.saver.last else 0
    return rate, cpu, time.perf_counter() - start, size, background


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--drive-mb-per-s", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=1, help="torch's intra-op threads")
    args = parser.parse_args()
    root = pretend_colab(int(args.drive_mb_per_s * 1e6))
    import torch

    torch.set_num_threads(args.threads)

    plain(10)  # warm-up: first-call costs out of the figures
    without, with_, ratios, cpu_ratios, tails, size, costs = [], [], [], [], [], 0, []
    per_step = []
    for i in range(args.repeat):
        if i % 2:
            rate, cpu, tail, size, background = checkpointed(args.steps, args.every, f"bench-{i}")
            base, base_cpu = plain(args.steps)
        else:
            base, base_cpu = plain(args.steps)
            rate, cpu, tail, size, background = checkpointed(args.steps, args.every, f"bench-{i}")
        costs.append(background / (args.steps // args.every))
        per_step.append(base_cpu / args.steps)
        without.append(base)
        with_.append(rate)
        ratios.append(rate / base)
        cpu_ratios.append(base_cpu / cpu)
        tails.append(tail)
    on_drive = sorted(
        p.name for p in (root / "MyDrive" / "proj" / "checkpoints" / "bench-0").glob("*.pt")
    )
    median = statistics.median
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.steps} steps, "
          f"every={args.every}, Drive at {args.drive_mb_per_s:g} MB/s, checkpoint "
          f"{size / 1e6:.1f} MB, {args.repeat} paired repeats")  # fmt: skip
    print(f"{'loop':<20} {'steps/s':>8}   runs")
    print(f"{'plain':<20} {median(without):>8.2f}   {', '.join(f'{r:.2f}' for r in without)}")
    print(
        f"{'with checkpoints':<20} {median(with_):>8.2f}   {', '.join(f'{r:.2f}' for r in with_)}"
    )
    print(f"paired wall-time ratios: {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"paired CPU-time ratios:  {', '.join(f'{r:.3f}' for r in cpu_ratios)}")
    print(f"throughput kept: {median(ratios):.3f} by wall time, {median(cpu_ratios):.3f} by CPU "
          f"time (medians of the pairs; target >= 0.97); the last copy finished "
          f"{median(tails):.2f} s after the loop")  # fmt: skip
    save, step = median(costs), median(per_step)
    if args.threads == 1:  # the save thread's CPU apart from the training thread's
        print(f"one save costs {save * 1e3:.0f} ms of CPU in the background; a training step "
              f"{step * 1e3:.0f} ms; at every={args.every}: {1 / (1 + save / (step * args.every)):.3f} "
              "of the CPU left to training")  # fmt: skip
    print(f"on Drive (bench-0): {', '.join(on_drive)}")


if __name__ == "__main__":
    main()
