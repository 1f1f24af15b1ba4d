"""Every message table of the runtime speaks both languages, and the Chinese reads as Chinese:
no English words but names, units, code and the labels of English-only screens (Kaggle's)."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from nbgen.runtime.bench.cell import _CELL_TEXT
from nbgen.runtime.bench.config import _BENCH_ERRORS, _BENCH_LABELS, _BENCH_MESSAGES
from nbgen.runtime.bench.report import _BENCH_TEXT
from nbgen.runtime.bench.steps import _STEP_TEXT
from nbgen.runtime.environment.text import ENVIRONMENT_TEXT
from nbgen.runtime.git.text import GIT_TEXT
from nbgen.runtime.kaggle.kernels import _KERNELS_TEXT
from nbgen.runtime.kaggle.text import KAGGLE_TEXT
from nbgen.runtime.modules.names import _NBNAME_TEXT
from nbgen.runtime.platforms.drive import _DRIVE_TEXT
from nbgen.runtime.platforms.env import _ENV_TEXT, display_width, pad
from nbgen.runtime.platforms.pip import _PIP_TEXT
from nbgen.runtime.platforms.secrets import _SECRET_TEXT
from nbgen.runtime.training.text import _CKPT_TEXT

TABLES: dict[str, dict[str, dict[str, Any]]] = {
    "env": _ENV_TEXT, "drive": _DRIVE_TEXT, "pip": _PIP_TEXT, "kaggle": KAGGLE_TEXT,
    "importer": _NBNAME_TEXT, "bench cell": _CELL_TEXT, "bench report": _BENCH_TEXT,
    "bench labels": _BENCH_LABELS, "bench messages": _BENCH_MESSAGES,
    "bench errors": _BENCH_ERRORS, "bench steps": _STEP_TEXT,
    "kaggle kernels": _KERNELS_TEXT, "secrets": _SECRET_TEXT, "git": GIT_TEXT,
    "environment": ENVIRONMENT_TEXT, "checkpoints": _CKPT_TEXT,
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
        "Enterprise",
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
        "L4",
        "A100",
        "P100",
        "Phone",
        "verification",
        "x2",
        "SM",
        "MiB",
        "GiB",
        "GB",
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
        "CIFAR-10",
        "ResNet-101",
        "KAGGLE_API_TOKEN",
        "KAGGLE_USERNAME",
        "KAGGLE_KEY",
        "KAGGLE_DATA",
        "USE_DRIVE",
        "WORK_FOLDER",
        "PIP_PACKAGES",
        "CUDA_VISIBLE_DEVICES",
        "CHECKPOINT_NAME",
        "True",
        "False",
        "force",
        "access_token",
        "export",
        "rm",
        "mv",
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
        "NCHW",
        "channels_last",
        "ALLOW_UPGRADE",
        "SECRETS",
        "GIT_URL",
        "GIT_BRANCH",
        "GIT_DEST",
        "GIT_TOKEN_SECRET",
        "git",
        "GitHub",
        "HEAD",
        "SSH",
        "JSON",
        "VS",
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
