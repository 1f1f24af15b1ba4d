"""Restoring Kaggle data from the cache on Drive (a benchmark, not a test).

    python benchmarks/kaggle_cache.py [--mb 1024] [--files 10000] [--mbps 50]

A data set of ``--files`` files, ``--mb`` MB in all, zipped as Kaggle serves it, is downloaded
once by the real kaggle client from the loopback Kaggle API stand-in (tests/kaggle_api.py) with
``nbgen kaggle download --cache`` (the first session). Then, as in a new runtime, the local copy
is gone and the cache folder plays Drive, read at ``--mbps`` MB/s (every read of a file under
it goes through a throttle in this process: Drive's FUSE mount reads at about 50 MB/s). Side by
side, both reading through the same throttle:

- nbgen: ``kaggle_download(..., cache=...)`` of the pinned version (the second session): copy
  with the sha256 checked, then nbgen's safe extraction, placed in the data's own folder;
- what a user does otherwise: copy the archive from Drive to local disk, then a plain unzip
  (``unzip -q`` where installed, else ``zipfile.extractall``).

Prints the times, their ratio (target: at most 1.5), and the requests the stand-in saw during
nbgen's second session (target: 0).
"""

from __future__ import annotations

import argparse
import builtins
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nbgen.runtime.kaggle.cache import KaggleCache
from nbgen.runtime.kaggle.download import kaggle_download
from tests.kaggle_api import TOKEN, KaggleStandin, env_for, kaggle_standin

REF = "bench/data/versions/1"


def make_archive(path: Path, megabytes: int, files: int) -> None:
    """A zip like a data set of images: mostly incompressible members of varied sizes."""
    rng = random.Random(42)
    total = megabytes * 1_000_000
    sizes = [rng.randint(1, 3) for _ in range(files)]
    scale = total / sum(sizes)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for i, weight in enumerate(sizes):
            size = int(weight * scale)
            body = rng.randbytes(size * 9 // 10) + bytes(size - size * 9 // 10)
            zf.writestr(f"train/class{i % 10}/img{i:05d}.png", body)


class Throttled(io.RawIOBase):
    """A file read at no more than ``rate`` bytes a second, counted from its opening."""

    def __init__(self, raw: Any, rate: float) -> None:
        self.raw, self.rate, self.start, self.done = raw, rate, time.monotonic(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count: int = self.raw.readinto(memoryview(buffer)[: 1 << 20])  # Drive hands out pieces
        self.done += count or 0
        ahead = self.done / self.rate - (time.monotonic() - self.start)
        if ahead > 0:
            time.sleep(ahead)
        return count

    def close(self) -> None:
        self.raw.close()
        super().close()


def throttle(folder: Path, rate: float) -> None:
    """From now on, files under ``folder`` opened for reading are read at ``rate`` bytes/s."""
    plain = builtins.open

    def opened(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        inside = isinstance(file, str | os.PathLike) and str(Path(file).absolute()).startswith(
            str(folder)
        )
        if not inside or mode not in ("rb", "r") or "b" not in mode:
            return plain(file, mode, *args, **kwargs)
        raw = Throttled(plain(file, "rb", buffering=0), rate)
        return raw if kwargs.get("buffering") == 0 else io.BufferedReader(raw, 1 << 20)

    builtins.open = io.open = opened  # type: ignore[assignment]


def first_session(state: KaggleStandin, work: Path, cache: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nbgen", "kaggle", "download", "--dataset", REF, "--to",
         str(work / "first"), "--cache", str(cache)], cwd=work, capture_output=True, text=True,
        env=env_for(state, work / "home", KAGGLE_API_TOKEN=TOKEN), check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"first session failed: {result.stderr}")
    shutil.rmtree(work / "first")


def by_hand(archive: Path, work: Path) -> float:
    """Copy from Drive, then unzip: the tutorial's way."""
    local = work / "by-hand"
    local.mkdir()
    start = time.monotonic()
    with open(archive, "rb") as src, open(local / archive.name, "wb") as out:
        shutil.copyfileobj(src, out, 8 << 20)
    if shutil.which("unzip"):
        subprocess.run(["unzip", "-q", archive.name, "-d", "x"], cwd=local, check=True)
    else:
        with zipfile.ZipFile(local / archive.name) as zf:
            zf.extractall(local / "x")
    return time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the data, in MB")
    parser.add_argument("--files", type=int, default=10_000, help="files in the archive")
    parser.add_argument("--mbps", type=float, default=50.0, help="Drive's read speed, MB/s")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nbgen-cache-bench-") as tmp:
        work = Path(tmp)
        served = work / "served.zip"
        make_archive(served, args.mb, args.files)
        state = KaggleStandin(datasets={"bench/data": served.read_bytes()})
        cache = work / "drive" / ".nbgen-cache"
        with kaggle_standin(state):
            first_session(state, work, cache)
            throttle(work / "drive", args.mbps * 1_000_000)
            os.environ.update(env_for(state, work / "home"))  # no credentials: none needed
            seen = len(state.requests)
            start = time.monotonic()
            kaggle_download(REF, dest=work / "second", cache=KaggleCache(cache))
            nbgen_s = time.monotonic() - start
            requests = state.requests[seen:]
        archive = next((cache / "kaggle/datasets/bench/data/1").glob("*.zip"))
        hand_s = by_hand(archive, work)
    print(f"archive: {args.files} files, {args.mb} MB of data, Drive read at {args.mbps} MB/s")
    print(f"nbgen, second session (copy + sha256 + safe extract): {nbgen_s:.2f} s")
    print(f"by hand (copy + {'unzip -q' if shutil.which('unzip') else 'zipfile'}): {hand_s:.2f} s")
    print(f"ratio nbgen / by hand: {nbgen_s / hand_s:.2f} (target <= 1.5)")
    print(f"requests to Kaggle in the second session: {len(requests)} (target 0)")
    return 0 if nbgen_s <= 1.5 * hand_s and not requests else 1


if __name__ == "__main__":
    raise SystemExit(main())
