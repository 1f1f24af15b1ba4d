"""Install the notebook's extra packages into the running kernel's Python."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from nbgen.runtime.env import NotebookStepError, detect_platform

_PIP_TEXT = {
    "en": {
        "none": "No extra packages to install.",
        "installing": "Installing: {packages}",
        "done": "Installed.",
        "failed": "pip install failed (exit {code}); read pip's message above and fix the "
        "package names in PIP_PACKAGES.",
        "network": "pip could not reach the package index (network error); check the internet "
        "connection and run this cell again.",
        "internet_off": "pip could not reach the package index: this Kaggle notebook's Internet is "
        "off. Switch it on (Settings > Internet on the right), then run this cell again.",
    },
    "zh": {
        "none": "没有需要额外安装的包。",
        "installing": "正在安装：{packages}",
        "done": "安装完成。",
        "failed": "pip install 失败（退出码 {code}）；请阅读上方 pip 的提示，并修改 PIP_PACKAGES 中的包名。",
        "network": "pip 无法连接软件包索引（网络错误）；请检查网络后重新运行此单元格。",
        "internet_off": "pip 无法连接软件包索引：本 Kaggle 笔记本的网络（Internet）已关闭。请在右侧 "
        "Settings > Internet 中打开，然后重新运行此单元格。",
    },
}
_NETWORK_MARKERS = ("Failed to establish a new connection", "Network is unreachable",
                    "Temporary failure in name resolution", "Name or service not known",
                    "Connection refused", "No route to host")  # fmt: skip


class PipError(NotebookStepError):
    """pip could not install the packages; the message says why."""


def pip_install(packages: Sequence[str], lang: str = "en") -> None:
    """Run ``python -m pip install`` for ``packages`` (no shell, so no value becomes a command)
    and show pip's output in the cell."""
    text = _PIP_TEXT.get(lang, _PIP_TEXT["en"])
    wanted = [p for p in packages if p.strip()]
    if not wanted:
        print(text["none"])
        return
    print(text["installing"].format(packages=" ".join(wanted)))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", *wanted],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    output = (result.stdout + result.stderr).strip()
    if output:
        print(output)
    if result.returncode != 0:
        if any(marker in output for marker in _NETWORK_MARKERS):
            key = "internet_off" if detect_platform() == "kaggle" else "network"
            raise PipError(text[key])
        raise PipError(text["failed"].format(code=result.returncode))
    print(text["done"])
