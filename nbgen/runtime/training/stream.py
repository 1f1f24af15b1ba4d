"""``ckpt.loader(...)``: an endless stream of batches over epochs that a checkpoint can stop and
start exactly.

Epoch k's order comes from ``seed`` and k alone (as DistributedSampler's ``set_epoch``: the
same permutation, padding and shards), so it never depends on what ran before; the position
(how many batches the loop took) is saved, and a resumed stream starts at that batch of that
epoch without iterating the ones before. In worker processes every batch seeds the random
generators from seed, epoch and batch number, so random augmentations repeat after a resume.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Generator, Iterator
from typing import Any

from nbgen.runtime.training.text import CheckpointError, _ckpt_say

_CKPT_OWN_OPTIONS = ("sampler", "batch_sampler", "generator")  # the stream decides these


def shard_order(
    count: int, *, seed: int, epoch: int, shuffle: bool, rank: int = 0, world: int = 1
) -> list[int]:
    """The indices process ``rank`` of ``world`` takes in ``epoch``: exactly
    ``DistributedSampler(shuffle=shuffle, seed=seed, drop_last=False)`` after ``set_epoch``."""
    import torch

    if shuffle:
        generator = torch.Generator()
        generator.manual_seed(seed + epoch)
        indices = torch.randperm(count, generator=generator).tolist()
    else:
        indices = list(range(count))
    total = math.ceil(count / world) * world
    padding = total - count
    if padding and indices:
        indices += (indices * math.ceil(padding / len(indices)))[:padding]
    return indices[rank:total:world]


def _ckpt_batch_seed(seed: int, epoch: int, batch: int) -> int:
    # a fixed mix (never hash(): it changes between processes)
    return ((seed * 1_000_003 + epoch) * 1_000_003 + batch) % (2**63)


class _CkptKeyed:
    """The user's data set, read by ``(epoch, batch, index)`` keys, so a worker knows which
    batch it serves and seeds its random generators for it."""

    def __init__(self, dataset: Any, seed: int) -> None:
        self.dataset, self.seed = dataset, seed
        self.batch: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key: tuple[int, int, int]) -> Any:
        epoch, batch, index = key
        if self.batch != (epoch, batch):
            self.batch = (epoch, batch)
            import torch.utils.data

            if torch.utils.data.get_worker_info() is not None:  # the main process keeps its own
                value = _ckpt_batch_seed(self.seed, epoch, batch)
                random.seed(value)
                torch.manual_seed(value)
                if "numpy" in sys.modules:
                    sys.modules["numpy"].random.seed(value % 2**32)
        return self.dataset[index]


class _CkptBatches:
    """The batch sampler: keys of each batch from a position on, epoch after epoch."""

    def __init__(self, stream: CheckpointStream, start: int) -> None:
        self.stream, self.start = stream, start

    def __iter__(self) -> Iterator[list[tuple[int, int, int]]]:
        per_epoch = self.stream.batches_per_epoch
        epoch, batch = divmod(self.start, per_epoch)
        size = self.stream.batch_size
        while True:
            order = self.stream.order(epoch)
            for b in range(batch, per_epoch):
                yield [(epoch, b, i) for i in order[b * size : (b + 1) * size]]
            epoch, batch = epoch + 1, 0


class CheckpointStream:
    """Batches without end, over epochs; iterate it with ``zip(range(start, total), loader)``.
    Iterating again goes on from where the last iteration stopped."""

    def __init__(
        self, dataset: Any, *, batch_size: int, shuffle: bool, seed: int, drop_last: bool,
        rank: int, world: int, options: dict[str, Any], lang: str = "en",
    ) -> None:  # fmt: skip
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise CheckpointError(_ckpt_say(lang, "not_map_style", kind=type(dataset).__name__))
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise CheckpointError(_ckpt_say(lang, "bad_batch_size", value=batch_size))
        for option in (*_CKPT_OWN_OPTIONS, "shuffle"):
            if option in options:
                raise CheckpointError(_ckpt_say(lang, "loader_option", option=option))
        self.dataset, self.batch_size, self.shuffle, self.seed = dataset, batch_size, shuffle, seed
        self.drop_last, self.rank, self.world, self.options = drop_last, rank, world, options
        self.count = len(dataset)
        shard = math.ceil(self.count / world)
        per_epoch = shard // batch_size if drop_last else math.ceil(shard / batch_size)
        if per_epoch < 1:
            raise CheckpointError(_ckpt_say(lang, "empty_epoch", count=shard, size=batch_size))
        self.batches_per_epoch = per_epoch
        self.taken = 0  # batches handed out, over all epochs: the position a checkpoint keeps
        self.started = False
        self._orders: dict[int, list[int]] = {}
        self._running: Generator[Any, None, None] | None = None

    @property
    def epoch(self) -> int:
        """The epoch of the last batch handed out (of the next one, before any)."""
        if self.started:
            return (self.taken - 1) // self.batches_per_epoch
        return self.taken // self.batches_per_epoch

    def order(self, epoch: int) -> list[int]:
        """This process's indices in ``epoch``."""
        if epoch not in self._orders:
            self._orders = {epoch: shard_order(self.count, seed=self.seed, epoch=epoch,
                                               shuffle=self.shuffle, rank=self.rank,
                                               world=self.world)}  # fmt: skip
        return self._orders[epoch]

    def __iter__(self) -> Iterator[Any]:
        self.close()
        self._running = self._batches()
        return self._running

    def _batches(self) -> Generator[Any, None, None]:
        import torch
        from torch.utils.data import DataLoader

        generator = torch.Generator()  # worker seeds come from here, never the global one
        generator.manual_seed(self.seed)
        loader: Any = DataLoader(_CkptKeyed(self.dataset, self.seed),  # type: ignore[arg-type]
                            batch_sampler=_CkptBatches(self, self.taken), generator=generator,
                            **self.options)  # fmt: skip
        for batch in loader:
            self.started = True
            self.taken += 1
            yield batch

    def close(self) -> None:
        """Stop the worker processes of the running iteration, if any."""
        if self._running is not None:
            self._running.close()
            self._running = None

    def state(self) -> dict[str, Any]:
        """The position, and what the order depends on (to tell a changed loader)."""
        return {"taken": self.taken, "per_epoch": self.batches_per_epoch, "count": self.count,
                "batch_size": self.batch_size, "seed": self.seed, "shuffle": self.shuffle,
                "world": self.world, "drop_last": self.drop_last}  # fmt: skip

    def restore(self, state: dict[str, Any]) -> str | None:
        """Go to a saved position. If the order changed (data set size, batch size, seed...),
        start the saved epoch at its first batch and say why (returned)."""
        keys = ("per_epoch", "count", "batch_size", "seed", "shuffle", "world", "drop_last")
        changed = [f"{k} {state.get(k)!r} -> {self.state()[k]!r}" for k in keys
                   if state.get(k) != self.state()[k]]  # fmt: skip
        taken = int(state.get("taken", 0))
        if not changed:
            self.taken = taken
            return None
        epoch = taken // max(int(state.get("per_epoch") or 1), 1)
        self.taken = epoch * self.batches_per_epoch
        return ", ".join(changed)
