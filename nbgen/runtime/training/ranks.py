"""torchrun: which process this is, and what the processes tell each other at a checkpoint
(rank 0 gathers every rank's random state when it saves, and shares its choice at a resume)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from nbgen.runtime.training.text import CheckpointError

_RankResult = TypeVar("_RankResult")


def dist_info() -> tuple[int, int]:
    """(rank, world size) of this process; (0, 1) without torch.distributed."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def rank0_first(work: Callable[[], _RankResult], rank: int, world: int) -> _RankResult:
    """Rank 0 runs ``work`` first (it makes the run folders), then the other ranks run it;
    when rank 0 refuses, every rank raises rank 0's message (none is left waiting)."""
    if world == 1:
        return work()
    import torch.distributed as dist

    refusal: str | None = None
    failure: BaseException | None = None
    done: _RankResult | None = None
    if rank == 0:
        try:
            done = work()
        except Exception as exc:  # any failure: the other ranks must not wait for ever
            refusal, failure = str(exc) or type(exc).__name__, exc
    box: list[Any] = [refusal]
    dist.broadcast_object_list(box, src=0)
    if failure is not None:
        raise failure
    if box[0] is not None:
        raise CheckpointError(box[0])
    if rank == 0:
        assert done is not None
        return done
    return work()


def gather_rng(state: dict[str, Any], world: int) -> list[Any]:
    """Every rank's random state, in rank order (every rank calls this at the same step)."""
    if world == 1:
        return [state]
    import torch.distributed as dist

    states: list[Any] = [None] * world
    dist.all_gather_object(states, state)
    return states


def share(
    chosen: tuple[Path, dict[str, Any]] | None, world: int
) -> tuple[Path, dict[str, Any]] | None:
    """Rank 0's choice of checkpoint (path and manifest entry), on every rank."""
    if world == 1:
        return chosen
    import torch.distributed as dist

    box: list[Any] = [None if chosen is None else [str(chosen[0]), chosen[1]]]
    dist.broadcast_object_list(box, src=0)
    return None if box[0] is None else (Path(box[0][0]), box[0][1])
