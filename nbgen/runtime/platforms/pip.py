"""Install the notebook's extra packages into the running kernel's Python, without breaking it.

pip runs with a constraints file that pins the runtime's torch, torchvision, torchaudio,
triton and CUDA libraries to what is installed (``ALLOW_UPGRADE`` names the ones a user means
to replace), so a package that wants another torch is refused with the requirement named
instead of replacing the CUDA build the platform tested. pip's output shows as it comes. After
the install, what changed is compared with what is imported: a replaced module that is loaded
needs a restart, and the cell says so.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from nbgen.runtime.environment.packages import (
    canonical,
    changed_versions,
    constraints_text,
    installed_versions,
    is_protected,
    pins,
    replaced_while_loaded,
)
from nbgen.runtime.ownership.files import write_file
from nbgen.runtime.ownership.folders import remove_scratch, scratch_folder
from nbgen.runtime.platforms.env import NotebookStepError, detect_platform

_PIP_TEXT = {
    "en": {
        "none": "No extra packages to install.",
        "installing": "Installing: {packages}",
        "keeping": "Kept as this runtime has them (ALLOW_UPGRADE lifts it): {pins}",
        "done": "Installed: {changes}",
        "nothing_new": "Installed: nothing new (every requirement was already met).",
        "conflict": "{who} wants {requirement}: not installed. This runtime's {name} {version} "
        "stays (a different one would not match its CUDA build, and the old one is already "
        "loaded). Use a version of {package} that works with {name} {version}, or add {name} to "
        "ALLOW_UPGRADE if you mean to replace it.",
        "asked": "PIP_PACKAGES asks for {requirement}: not installed. This runtime's {name} "
        "{version} stays (a different one would not match its CUDA build, and the old one is "
        "already loaded). Remove it from PIP_PACKAGES, or add {name} to ALLOW_UPGRADE if you mean "
        "to replace it.",
        "changed": "{name} changed ({old} → {new}) although nbgen pinned it: Runtime > "
        "Disconnect and delete runtime gives back the platform's own.",
        "restart": "Restart the session before you go on ({remedy}), then run from the nbgen "
        "runtime cell down: replaced while imported, the old versions still in memory: "
        "{packages}.",
        "remedy_colab": "Runtime > Restart session",
        "remedy_kaggle": "Run > Restart & clear cell outputs",
        "remedy_local": "restart the kernel",
        "failed": "pip install failed (exit {code}); read pip's message above and fix the "
        "package names in PIP_PACKAGES.",
        "network": "pip could not reach the package index (network error); check the internet "
        "connection and run this cell again.",
        "internet_off": "pip could not reach the package index: this Kaggle notebook's Internet is "
        "off. Switch it on (Settings > Internet on the right; it needs a phone-verified account), "
        "then run this cell again.",
    },
    "zh": {
        "none": "没有需要额外安装的包。",
        "installing": "正在安装：{packages}",
        "keeping": "以下包保持运行时自带的版本（可用 ALLOW_UPGRADE 解除）：{pins}",
        "done": "已安装：{changes}",
        "nothing_new": "已安装：没有新内容（所有依赖都已满足）。",
        "conflict": "{who} 需要 {requirement}：未安装。本运行时的 {name} {version} 保持不变（换成其他"
        "版本会与它的 CUDA 构建不匹配，而且旧版本已经加载）。请选用与 {name} {version} 兼容的 "
        "{package} 版本，或者如果确实要替换，请把 {name} 加入 ALLOW_UPGRADE。",
        "asked": "PIP_PACKAGES 要求 {requirement}：未安装。本运行时的 {name} {version} 保持不变（换成"
        "其他版本会与它的 CUDA 构建不匹配，而且旧版本已经加载）。请把它从 PIP_PACKAGES 中删除，或者如果"
        "确实要替换，请把 {name} 加入 ALLOW_UPGRADE。",
        "changed": "{name} 发生了变化（{old} → {new}），尽管 nbgen 固定了它的版本：请选择“代码执行程序 > "
        "断开连接并删除运行时”以恢复平台自带的版本。",
        "restart": "继续之前请重启会话（{remedy}），然后从 nbgen 运行时单元格开始往下运行："
        "以下包在已导入的情况下被替换，旧版本仍在内存中：{packages}。",
        "remedy_colab": "代码执行程序 > 重启会话",
        "remedy_kaggle": "`Run > Restart & clear cell outputs`",
        "remedy_local": "重启内核",
        "failed": "pip install 失败（退出码 {code}）；请阅读上方 pip 的提示，并修改 PIP_PACKAGES 中的包名。",
        "network": "pip 无法连接软件包索引（网络错误）；请检查网络后重新运行此单元格。",
        "internet_off": "pip 无法连接软件包索引：本 Kaggle 笔记本的网络（Internet）已关闭。请在右侧 "
        "Settings > Internet 中打开（需要已验证手机号的账号），然后重新运行此单元格。",
    },
}
_NETWORK_MARKERS = ("Failed to establish a new connection", "Network is unreachable",
                    "Temporary failure in name resolution", "Name or service not known",
                    "Connection refused", "No route to host")  # fmt: skip
# the lines under pip's "The conflict is caused by:"
_PIP_CAUSE_RE = re.compile(r"^\s+(?:(?P<who>\S+ \S+) depends on|The user requested)"
                           r"(?P<constraint> \(constraint\))? (?P<req>\S.*?)\s*$", re.M)  # fmt: skip


class PipError(NotebookStepError):
    """pip could not install the packages; the message says why."""


def pip_requirements(packages: str | Sequence[str]) -> list[str]:
    """The package specs of PIP_PACKAGES: comma-separated text as the form holds it
    (``"timm, einops>=0.7,<1, transformers[torch,vision]"``: a comma inside brackets, or one
    followed by a version operator, belongs to the spec), or a list (older notebooks, -p)."""
    if not isinstance(packages, str):
        return [p.strip() for p in packages if p.strip()]
    specs: list[str] = []
    piece, depth = "", 0
    for char in packages + ",":
        depth += (char in "[(") - (char in "])")
        if char != "," or depth > 0:
            piece += char
            continue
        piece = piece.strip()
        if specs and piece[:1] in ("<", ">", "=", "!", "~"):
            specs[-1] += "," + piece
        elif piece:
            specs.append(piece)
        piece = ""
    return specs


def project_requirements(project: str | os.PathLike[str] | None) -> list[str]:
    """pip arguments for a repository's own needs: ``-r requirements.txt``, and ``-e .`` for a
    project that pip can build (pyproject.toml with [project] or [build-system], setup.py);
    editable, so a later ``git pull`` is what the import sees."""
    if project is None:
        return []
    root = Path(project)
    args = ["-r", str(root / "requirements.txt")] if (root / "requirements.txt").is_file() else []
    try:
        pyproject = (root / "pyproject.toml").read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        pyproject = ""
    if re.search(r"^\[(project|build-system)\]", pyproject, re.M) or (root / "setup.py").is_file():
        args += ["-e", str(root)]
    return args


def pip_install(
    packages: str | Sequence[str], lang: str = "en", *, project: str | os.PathLike[str] | None = None,
    allow_upgrade: str | Sequence[str] = (),
) -> dict[str, str]:  # fmt: skip
    """``pip install`` PIP_PACKAGES and the repository's requirements (no shell, so no value
    becomes a command), the runtime's torch and CUDA libraries pinned; pip's output shows as it
    comes. Returns what changed, name → new version."""
    text = _PIP_TEXT.get(lang, _PIP_TEXT["en"])
    wanted = pip_requirements(packages)
    args = [*wanted, *project_requirements(project)]
    if not args:
        print(text["none"])
        return {}
    print(text["installing"].format(packages=" ".join(wanted + args[len(wanted) :])), flush=True)
    before = installed_versions()
    pinned = pins(before, pip_requirements(allow_upgrade))
    if pinned:
        shown = ", ".join(f"{n} {v}" for n, v in pinned.items() if not n.startswith("nvidia-"))
        cuda = sum(n.startswith("nvidia-") for n in pinned)
        print(text["keeping"].format(pins=shown + (f", CUDA ×{cuda}" if cuda else "")))
    code, output = _pip_run(args, pinned, lang)
    if code != 0:
        raise PipError(_pip_explain(output, code, pinned, text))
    changed = changed_versions(before, installed_versions())
    for name, (old, new) in changed.items():
        if name in pinned:
            raise PipError(text["changed"].format(name=name, old=old, new=new or "-"))
    news = [f"{n} {o} → {v}" if o else f"{n} {v}" for n, (o, v) in changed.items() if v]
    print(text["done"].format(changes=", ".join(news)) if news else text["nothing_new"])
    stale = replaced_while_loaded(n for n, (old, _) in changed.items() if old)
    if stale:
        remedy = text[f"remedy_{detect_platform()}"]
        print(text["restart"].format(remedy=remedy, packages=", ".join(stale)))
    return {name: new for name, (_, new) in changed.items() if new}


def _pip_run(args: list[str], pinned: dict[str, str], lang: str) -> tuple[int, str]:
    """Run pip with the pins as a constraints file (in a private scratch folder, deleted after);
    print its lines as they come; return its exit code and output."""
    scratch = scratch_folder(Path(tempfile.gettempdir()), "pip", lang)
    try:
        constraints = scratch / "constraints.txt"
        write_file(constraints, constraints_text(pinned).encode("utf-8"), lang=lang)
        env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "pip", "install", "--progress-bar", "off",
                   "-c", str(constraints), *args]  # fmt: skip
        lines = []
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, text=True, errors="replace", env=env,
                              bufsize=1) as proc:  # fmt: skip
            assert proc.stdout is not None
            for line in proc.stdout:
                print(line, end="", flush=True)
                lines.append(line)
        return proc.returncode, "".join(lines)
    finally:
        remove_scratch(scratch)


def _pip_explain(output: str, code: int, pinned: dict[str, str], text: dict[str, str]) -> str:
    if "ResolutionImpossible" in output or "conflicting dependencies" in output:
        for match in _PIP_CAUSE_RE.finditer(output):
            requirement = match.group("req")
            name = canonical(re.split(r"[<>=!~;\[ (]", requirement, maxsplit=1)[0])
            if match.group("constraint") or not is_protected(name) or name not in pinned:
                continue
            fields = {"requirement": requirement, "name": name, "version": pinned[name]}
            if not match.group("who"):
                return text["asked"].format(**fields)
            who = match.group("who")
            return text["conflict"].format(who=who, package=who.split()[0], **fields)
    if any(marker in output for marker in _NETWORK_MARKERS):
        return text["internet_off" if detect_platform() == "kaggle" else "network"]
    return text["failed"].format(code=code)
