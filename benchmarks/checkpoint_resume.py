"""How long ``resume()`` takes against a plain ``torch.load`` (a benchmark, not a test).

    python benchmarks/checkpoint_resume.py [--mb 200] [--repeat 5]

One process plays a Colab runtime whose Drive takes writes at ~20 MB/s (the Drive stand-in's
throttle; reads are not throttled). A model of about ``--mb`` MB is saved once through
``nbgen.Checkpoints`` to "Drive", the runtime's local copy is deleted (a recycled runtime), and
the file is copied to local disk. Then, alternated ``--repeat`` times after one warm-up each:
``Checkpoints(...).resume()`` from Drive (size and sha256 checked, ``torch.load``, the weights
copied into a fresh model) against ``torch.load(weights_only=True)`` of the local copy. Both
files are in the page cache, as a checkpoint that was just read once is; the figure is the
ratio of the medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time

from colab_standin import pretend_colab


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=200.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--drive-mb-per-s", type=float, default=20.0)
    args = parser.parse_args()
    root = pretend_colab(int(args.drive_mb_per_s * 1e6))
    import torch
    from torch import nn

    from nbgen.runtime.training.checkpoints import Checkpoints

    width = int((args.mb * 1e6 / 4) ** 0.5)
    model = nn.Linear(width, width)
    ckpt = Checkpoints("big", model=model, every=1)
    ckpt.resume()
    start = time.perf_counter()
    ckpt.save(0, final=True)
    saved = time.perf_counter() - start
    assert ckpt.saver.last is not None
    on_drive = ckpt.saver.last[1]
    shutil.rmtree(root / "content" / "nbgen-checkpoints")  # a recycled runtime
    local = root / "content" / "copy.pt"
    shutil.copyfile(on_drive, local)

    def resume() -> float:
        fresh = nn.Linear(width, width)
        begin = time.perf_counter()
        assert Checkpoints("big", model=fresh, every=1).resume() == 1
        took = time.perf_counter() - begin
        assert torch.equal(fresh.weight, model.weight)
        return took

    def plain() -> float:
        begin = time.perf_counter()
        torch.load(local, map_location="cpu", weights_only=True)
        return time.perf_counter() - begin

    resume(), plain()  # warm-up: both files read once
    ours, theirs = [], []
    for _ in range(args.repeat):
        ours.append(resume())
        theirs.append(plain())
    size = on_drive.stat().st_size / 1e6
    print(f"torch {torch.__version__}; checkpoint {size:.0f} MB, saved to Drive at "
          f"{args.drive_mb_per_s:g} MB/s in {saved:.1f} s (final save: wait included); "
          f"median of {args.repeat}")  # fmt: skip
    print(f"{'read':<36} {'s':>7}   runs")
    print(f"{'resume() from Drive (checked)':<36} {statistics.median(ours):>7.3f}   "
          f"{', '.join(f'{t:.3f}' for t in ours)}")  # fmt: skip
    print(f"{'torch.load from local disk':<36} {statistics.median(theirs):>7.3f}   "
          f"{', '.join(f'{t:.3f}' for t in theirs)}")  # fmt: skip
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"resume / torch.load: {ratio:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
