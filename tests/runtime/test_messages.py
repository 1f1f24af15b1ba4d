"""Every message table of the runtime speaks both languages, and the Chinese reads as Chinese:
no English words but names, units, code and the labels of English-only screens (Kaggle's)."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from nbgen.runtime.bench_cell import _CELL_TEXT
from nbgen.runtime.bench_config import _BENCH_LABELS
from nbgen.runtime.bench_report import _BENCH_TEXT
from nbgen.runtime.drive import _DRIVE_TEXT
from nbgen.runtime.env import _ENV_TEXT, display_width, pad
from nbgen.runtime.importer import _IMPORTER_TEXT
from nbgen.runtime.kaggle_text import KAGGLE_TEXT
from nbgen.runtime.pip import _PIP_TEXT

TABLES: dict[str, dict[str, dict[str, Any]]] = {
    "env": _ENV_TEXT, "drive": _DRIVE_TEXT, "pip": _PIP_TEXT, "kaggle": KAGGLE_TEXT,
    "importer": _IMPORTER_TEXT, "bench cell": _CELL_TEXT, "bench report": _BENCH_TEXT,
    "bench labels": _BENCH_LABELS,
}  # fmt: skip
# Names, units, code and English-only screens (Kaggle's site has no Chinese) may stay.
ALLOWED = set(
    [
        "torch",
        "Python",
        "CUDA",
        "cuDNN",
        "GPU",
        "GPUs",
        "CPU",
        "MFU",
        "Colab",
        "Kaggle",
        "Google",
        "Workspace",
        "Secrets",
        "Settings",
        "Accelerator",
        "Internet",
        "Add-ons",
        "Add",
        "Input",
        "Code",
        "New",
        "Notebook",
        "API",
        "Create",
        "Token",
        "T4",
        "x2",
        "SM",
        "MiB",
        "GiB",
        "img",
        "s",
        "ms",
        "p10",
        "p90",
        "pip",
        "install",
        "torchvision",
        "kaggle",
        "json",
        "datasets",
        "download",
        "owner",
        "slug",
        "https",
        "www",
        "com",
        "settings",
        "competitions",
        "rules",
        "local",
        "stem",
        "ImageNet",
        "CIFAR",
        "KAGGLE_API_TOKEN",
        "KAGGLE_USERNAME",
        "KAGGLE_KEY",
        "KAGGLE_DATA",
        "USE_DRIVE",
        "WORK_FOLDER",
        "PIP_PACKAGES",
        "CUDA_VISIBLE_DEVICES",
        "True",
        "False",
        "force",
        "access_token",
        "export",
        "rm",
        "content",
        "drive",
        "import",
        "Restart",
        "nbgen",
        "runtime",
        "kagglehub",
        "x",
        "ipynb",
        "HTTP",
        "d",
        "zip",
    ]
)


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_both_languages_say_the_same_things(table: str) -> None:
    en, zh = TABLES[table]["en"], TABLES[table]["zh"]
    assert en.keys() == zh.keys()
    for key in en:
        for a, b in zip(strings(en[key]), strings(zh[key]), strict=True):
            assert fields(a) == fields(b), (table, key)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_chinese_has_no_english_words(table: str) -> None:
    for text in strings(TABLES[table]["zh"]):
        plain = re.sub(r"\{[^}]*\}|`[^`]*`|~?/[\w./~-]+|\w+\.\w+(?:\.\w+)*", " ", text)
        words = set(re.findall(r"[A-Za-z][A-Za-z0-9_-]*", plain))
        assert words <= ALLOWED, (table, words - ALLOWED, text)


def test_tables_align_by_display_width() -> None:
    assert display_width("显存峰值 MiB") == 12 and display_width("mode") == 4
    assert pad("模式", 6) == "模式  " and pad("ab", 4, ">") == "  ab"
