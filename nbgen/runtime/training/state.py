"""What a checkpoint holds besides the user's objects: the random state (Python, numpy, torch
CPU and CUDA), copies of state dicts in CPU memory (the training thread waits for nothing else),
and the checks that a checkpoint fits the model and optimizer before anything is loaded."""

from __future__ import annotations

import copy
import random
import sys
from typing import Any

from nbgen.runtime.training.text import CheckpointError, _ckpt_say


def cpu_copy(value: Any) -> Any:
    """A copy of ``value`` (a state dict, nested lists and dicts) whose tensors are in CPU
    memory and share nothing with the originals, so training may go on changing them."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return type(value)((k, cpu_copy(v)) for k, v in value.items())
    if isinstance(value, list):
        return [cpu_copy(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(cpu_copy(v) for v in value)
    return copy.deepcopy(value)


def unwrap(model: Any) -> Any:
    """The model inside ``torch.compile`` and (Distributed)DataParallel wrappers: its state
    dict has no ``_orig_mod.``/``module.`` prefixes, so a checkpoint moves between them."""
    import torch

    wrappers = (torch.nn.DataParallel, torch.nn.parallel.DistributedDataParallel)
    while True:
        if isinstance(getattr(model, "_orig_mod", None), torch.nn.Module):
            model = model._orig_mod
        elif isinstance(model, wrappers):
            model = model.module
        else:
            return model


def plain_number(value: Any) -> Any:
    """A metric as JSON can hold it: a tensor's number (synchronises a GPU: done at a save)."""
    if hasattr(value, "item") and callable(value.item):
        try:
            value = value.item()
        except (RuntimeError, ValueError):  # not one number
            return str(value)
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)


def rng_state() -> dict[str, Any]:
    """This process's random state, in types ``torch.load(weights_only=True)`` reads."""
    import torch

    version, internal, gauss = random.getstate()
    state: dict[str, Any] = {"python": [version, list(internal), gauss],
                             "torch": torch.get_rng_state()}  # fmt: skip
    numpy = sys.modules.get("numpy")  # only a notebook that imported numpy can have used it
    if numpy is not None:
        name, keys, pos, has_gauss, cached = numpy.random.get_state()
        state["numpy"] = [str(name), [int(k) for k in keys], int(pos), int(has_gauss),
                          float(cached)]  # fmt: skip
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = list(torch.cuda.get_rng_state_all())
    return state


def restore_rng(state: dict[str, Any]) -> None:
    """Put back a random state taken by :func:`rng_state`."""
    import torch

    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    torch.set_rng_state(state["torch"])
    if "numpy" in state:
        import numpy

        name, keys, pos, has_gauss, cached = state["numpy"]
        numpy.random.set_state((name, numpy.array(keys, dtype=numpy.uint32), pos, has_gauss,
                                cached))  # fmt: skip
    cuda = state.get("cuda")
    if cuda and torch.cuda.is_available():
        count = min(len(cuda), torch.cuda.device_count())
        for index in range(count):
            torch.cuda.set_rng_state(cuda[index], index)


def model_mismatch(mine: dict[str, Any], saved: Any, lang: str) -> str | None:
    """Why a saved model state dict does not fit the model's, or None: different keys, or a
    tensor of another shape (``load_state_dict`` would change some parameters, then fail)."""
    if not isinstance(saved, dict):
        return _ckpt_say(lang, "keys_differ", missing=len(mine), extra=0, names="-")
    missing = [k for k in mine if k not in saved]
    extra = [k for k in saved if k not in mine]
    if missing or extra:
        names = ", ".join([*missing[:2], *extra[:2]]) + (
            " ..." if len(missing) + len(extra) > 4 else ""
        )
        return _ckpt_say(lang, "keys_differ", missing=len(missing), extra=len(extra), names=names)
    for key, value in mine.items():
        theirs = getattr(saved[key], "shape", None)
        if getattr(value, "shape", None) != theirs:
            return _ckpt_say(lang, "shape_differs", key=key, saved=_ckpt_shape(theirs),
                             mine=_ckpt_shape(value.shape))  # fmt: skip
    return None


def _ckpt_shape(shape: Any) -> str:
    return "x".join(str(n) for n in shape) if shape is not None else "-"


def group_sizes(state: Any) -> list[int]:
    """The number of parameters in each group of an optimizer's state dict."""
    groups = state.get("param_groups", []) if isinstance(state, dict) else []
    return [len(g.get("params", [])) for g in groups if isinstance(g, dict)]


def check_arguments(model: Any, parts: dict[str, Any], *, every: Any, keep: Any, lang: str) -> None:
    """Refuse what ``Checkpoints(...)`` cannot work with, naming it and the fix."""
    try:
        import torch
    except ImportError:
        raise CheckpointError(_ckpt_say(lang, "no_torch")) from None

    for key, value in (("every", every), ("keep", keep)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CheckpointError(_ckpt_say(lang, f"bad_{key}", value=value))
    if not isinstance(model, torch.nn.Module):
        raise CheckpointError(_ckpt_say(lang, "not_module", kind=type(model).__name__))
    for what, part in parts.items():
        methods = ("state_dict", "load_state_dict")
        if part is not None and not all(callable(getattr(part, m, None)) for m in methods):
            kind = type(part).__name__
            raise CheckpointError(_ckpt_say(lang, "not_stateful", what=what, kind=kind))


def check_fit(model: Any, optimizer: Any, payload: dict[str, Any], path: Any, lang: str) -> None:
    """Refuse a checkpoint of another model or optimizer before anything is loaded."""
    mismatch = model_mismatch(model.state_dict(), payload.get("model"), lang)
    if mismatch:
        raise CheckpointError(_ckpt_say(lang, "other_model", path=path, detail=mismatch))
    saved = payload.get("optimizer")
    if optimizer is not None and saved is not None:
        mine, theirs = group_sizes(optimizer.state_dict()), group_sizes(saved)
        if mine != theirs:
            raise CheckpointError(_ckpt_say(lang, "other_optimizer", path=path,
                                            saved=len(theirs), sizes=theirs, groups=len(mine),
                                            mine=mine))  # fmt: skip
