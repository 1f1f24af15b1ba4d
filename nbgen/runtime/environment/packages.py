"""The distributions this Python has, which of them pip must not replace (the runtime's torch
and its CUDA libraries), and which loaded modules an install replaced."""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import sys
from collections.abc import Iterable, Mapping

# What the platform built together: a pip install that replaces one of these leaves a torch
# that no longer matches its CUDA libraries (or the GPU driver), and stale modules in memory.
PROTECTED = ("torch", "torchvision", "torchaudio", "triton")
PROTECTED_PREFIXES = ("nvidia-",)  # nvidia-cudnn-cu12, nvidia-cublas-cu12, ...


def canonical(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503): ``Foo_Bar`` is ``foo-bar``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_versions() -> dict[str, str]:
    """Every installed distribution, canonical name → version (as pip sees them now)."""
    importlib.invalidate_caches()
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            found.setdefault(canonical(name), dist.version)  # the first on sys.path wins
    return found


def is_protected(name: str) -> bool:
    """True for the runtime's torch family and CUDA libraries."""
    name = canonical(name)
    return name in PROTECTED or name.startswith(PROTECTED_PREFIXES)


def pins(versions: Mapping[str, str], allow: Iterable[str] = ()) -> dict[str, str]:
    """The protected distributions present, pinned to what the runtime has, except ``allow``."""
    allowed = {canonical(name) for name in allow}
    return {n: v for n, v in sorted(versions.items()) if is_protected(n) and n not in allowed}


def constraints_text(pinned: Mapping[str, str]) -> str:
    """A pip constraints file for ``pinned``."""
    return "".join(f"{name}=={version}\n" for name, version in pinned.items())


def changed_versions(
    before: Mapping[str, str], after: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """Distributions installed, upgraded, downgraded or removed: name → (old, new), "" for none."""
    names = sorted(set(before) | set(after))
    return {
        n: (before.get(n, ""), after.get(n, "")) for n in names if before.get(n) != after.get(n)
    }


def replaced_while_loaded(changed: Iterable[str]) -> list[str]:
    """The distributions among ``changed`` whose modules are imported in this process: their
    old code stays in memory until the session restarts (Colab's own ``_pip.py`` warns of the
    same; here by import name, so ``Pillow`` is found through ``PIL``)."""
    loaded = {name.partition(".")[0] for name in list(sys.modules)}
    wanted = {canonical(name) for name in changed}
    if not wanted:
        return []
    owners: dict[str, set[str]] = {}
    for module, dists in importlib.metadata.packages_distributions().items():
        for dist in dists:
            owners.setdefault(canonical(dist), set()).add(module)
    return sorted(
        name for name in wanted if (owners.get(name, set()) | {name.replace("-", "_")}) & loaded
    )
