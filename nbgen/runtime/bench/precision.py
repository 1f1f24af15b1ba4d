"""What fp32 convolutions run in (TF32 or IEEE fp32), and the user's TF32 settings saved and
put back, through torch's per-backend ``fp32_precision`` settings where they exist (torch 2.9
and newer) and the old ``allow_tf32`` flags before.

Why not ``allow_tf32`` everywhere: once a user sets the new API (say
``torch.backends.cudnn.conv.fp32_precision = "ieee"``), reading ``cudnn.allow_tf32`` raises a
RuntimeError on torch 2.14 ("a mix of the legacy and new APIs"), and torch 2.9 warns.
"""

from __future__ import annotations

from typing import Any

import torch


def _bench_fp32_knobs() -> list[Any]:
    """The objects that carry ``fp32_precision``, parents first: setting a parent to a value
    other than "none" overwrites its children, so they are put back after it."""
    backends: Any = torch.backends  # torch's stubs predate fp32_precision
    cudnn = backends.cudnn
    return [backends, backends.cuda.matmul, cudnn, cudnn.conv, cudnn.rnn]


def new_precision_api() -> bool:
    return hasattr(torch.backends.cudnn, "conv") and hasattr(torch.backends, "fp32_precision")


def conv_tf32() -> bool:
    """Do cuDNN's fp32 convolutions use TF32 (on a GPU that has it)? The new API resolves
    ``cudnn.conv``, then ``cudnn``, then the global setting; "none" defers to the next."""
    if not new_precision_api():
        return bool(torch.backends.cudnn.allow_tf32)
    backends: Any = torch.backends
    cudnn = backends.cudnn
    for value in (cudnn.conv.fp32_precision, cudnn.fp32_precision, backends.fp32_precision):
        if value != "none":
            return bool(value == "tf32")
    return False


def tf32_settings() -> list[Any]:
    """The user's TF32 settings, as :func:`restore_tf32_settings` takes them back."""
    if new_precision_api():
        return [knob.fp32_precision for knob in _bench_fp32_knobs()]
    return [torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32]


def restore_tf32_settings(saved: list[Any]) -> None:
    if new_precision_api():
        for knob, value in zip(_bench_fp32_knobs(), saved, strict=True):
            if knob.fp32_precision != value:  # a no-op write is still a write of the new API
                knob.fp32_precision = value
        return
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
