"""Install the notebook's extra packages into the running kernel's Python."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

_PIP_TEXT = {
    "en": {
        "none": "No extra packages to install.",
        "installing": "Installing: {packages}",
        "done": "Installed.",
        "failed": "pip install failed (exit {code}); read pip's message above and fix the "
        "package names in the parameters cell.",
    },
    "zh": {
        "none": "没有需要额外安装的包。",
        "installing": "正在安装：{packages}",
        "done": "安装完成。",
        "failed": "pip install 失败（退出码 {code}）；请阅读上方 pip 的提示，并修改参数单元格中的包名。",
    },
}


def pip_install(packages: Sequence[str], lang: str = "en") -> None:
    """Run ``python -m pip install`` for ``packages`` (no shell, so no value becomes a command)."""
    text = _PIP_TEXT.get(lang, _PIP_TEXT["en"])
    wanted = [p for p in packages if p.strip()]
    if not wanted:
        print(text["none"])
        return
    print(text["installing"].format(packages=" ".join(wanted)))
    result = subprocess.run([sys.executable, "-m", "pip", "install", "-q", *wanted], check=False)
    if result.returncode != 0:
        raise RuntimeError(text["failed"].format(code=result.returncode))
    print(text["done"])
