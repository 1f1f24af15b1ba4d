"""What changed between two environment records, as lines a user can act on: "torch 2.9.0 →
2.10.0 since 2026-11-02", then the platform's own remedy (Colab: Runtime > Change runtime
version)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nbgen.runtime.environment.packages import is_protected


def environment_changes(
    previous: Mapping[str, Any], current: Mapping[str, Any]
) -> list[tuple[str, str, str]]:
    """(what, old, new) for the runtime's version, Python, CUDA, GPUs (``@colab_release``,
    ``@python``, ``@cuda``, ``@gpu``: '@' keeps them apart from package names), and every
    package the last run imported or installed, and the torch family; "" for absent."""
    changes = []
    for key in ("colab_release", "python", "cuda"):
        old, new = str(previous.get(key) or ""), str(current.get(key) or "")
        if old != new and (old or key != "colab_release"):
            changes.append(("@" + key, old, new))
    old_gpus, new_gpus = _drift_list(previous.get("gpus")), _drift_list(current.get("gpus"))
    if old_gpus != new_gpus:
        changes.append(("@gpu", ", ".join(old_gpus), ", ".join(new_gpus)))
    old_packages = _drift_map(previous.get("packages"))
    new_packages = _drift_map(current.get("packages"))
    watched = set(_drift_list(previous.get("imported"))) | set(
        _drift_list(previous.get("installed"))
    )
    watched |= {
        name for name in old_packages if is_protected(name) and not name.startswith("nvidia-")
    }
    for name in sorted(watched):
        old, new = old_packages.get(name, ""), new_packages.get(name, "")
        if old != new and old:
            changes.append((name, old, new))
    return changes


def drift_lines(
    previous: Mapping[str, Any], current: Mapping[str, Any], where: str, text: Mapping[str, str]
) -> list[str]:
    """The lines the record step prints: unchanged, or each change and the remedy."""
    date = str(previous.get("recorded", ""))[:10] or "?"
    changes = environment_changes(previous, current)
    if not changes:
        return [text["same"].format(date=date)]
    lines = [text["changed"].format(date=date)]
    for what, old, new in changes:
        label = text[what[1:]] if what.startswith("@") else what
        lines.append(text["line"].format(what=label, old=old or text["none"],
                                         new=new or text["none"], date=date))  # fmt: skip
    lines.append(text[f"remedy_{where}"].format(date=date))
    return lines


def _drift_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _drift_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
