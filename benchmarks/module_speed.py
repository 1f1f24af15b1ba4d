"""Module mode against percent mode on one long cell (a benchmark, not a test).

    python benchmarks/module_speed.py [--lines 4000] [--repeat 5]

Times ``nbgen``'s notebook → text conversion of one code cell of N and 4N lines (a mix of
assignments, defs, loops and prints, as in a long training cell), in percent mode and in
module mode, in one process. Prints, for each mode, the time at N and at 4N and their ratio
(linear work gives about 4; the target is at most 5), and module mode's cost relative to
percent mode. Machines here are shared and noisy: read the ratios, and take the median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nbgen.convert import formats
from nbgen.runtime.modules.importer import parse_cell


def long_cell(lines: int) -> dict[str, Any]:
    """A notebook with one code cell of about ``lines`` lines."""
    block = [
        "LR_{i} = 0.1",
        "data_{i} = load_batch({i})",
        "def step_{i}(x):",
        "    return x * LR_{i} + len(data_{i})",
        "for epoch in range(2):",
        "    print(epoch, step_{i}(epoch))",
        "CFG_{i} = {{}}",
        "CFG_{i}['lr'] = LR_{i}",
    ]
    body = [line.format(i=i) for i in range(lines // len(block) + 1) for line in block][:lines]
    cell = {"cell_type": "code", "id": "c", "metadata": {}, "source": "\n".join(body),
            "outputs": [], "execution_count": None}  # fmt: skip
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {"cells": [cell], "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def median_seconds(nb: dict[str, Any], mode: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        parse_cell.cache_clear()  # each run parses, as a fresh process would
        start = time.perf_counter()
        text = formats.to_text(nb, mode)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    back = formats.from_text(text, Path("x.py"))
    assert back["cells"][0]["source"] == nb["cells"][0]["source"], "round trip broke"
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    small, large = long_cell(args.lines), long_cell(4 * args.lines)
    results = {}
    for mode in ("percent", "module"):
        results[mode] = (
            median_seconds(small, mode, args.repeat),
            median_seconds(large, mode, args.repeat),
        )
    print(f"one cell, {args.lines} and {4 * args.lines} lines, median of {args.repeat}")
    print(f"{'mode':<8} {'N s':>8} {'4N s':>8} {'4N/N':>6}")
    for mode, (a, b) in results.items():
        print(f"{mode:<8} {a:>8.3f} {b:>8.3f} {b / a:>6.2f}")
    ratio = results["module"][1] / results["percent"][1]
    print(f"module / percent at {4 * args.lines} lines: {ratio:.1f}x")


if __name__ == "__main__":
    main()
