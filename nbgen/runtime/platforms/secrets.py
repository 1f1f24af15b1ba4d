"""Secrets for every service, one resolver: ``nbgen.secret("HF_TOKEN")``.

In this order: the environment, Colab Secrets (on Colab), Kaggle Secrets (on Kaggle), and a
``getpass`` prompt where a front end can answer one. :func:`find_secret` returns the value,
where it came from and, for every place that did not have it, why (one reason per failure
class), so each caller words its own message; :func:`secret` raises with those lines, and
:func:`export_secrets` puts named secrets into ``os.environ`` for the libraries that read them
there (huggingface_hub's ``HF_TOKEN``, wandb's ``WANDB_API_KEY``). A value is never printed:
it is a ``str`` whose ``repr`` names the secret instead, so a cell that ends with
``nbgen.secret(...)`` shows ``<secret HF_TOKEN from Colab Secrets>``.
"""

from __future__ import annotations

import getpass
import importlib
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from nbgen.runtime.platforms.env import NotebookStepError, detect_platform

_SECRET_TEXT = {
    "en": {
        "env": "environment",
        "colab": "Colab Secrets",
        "kaggle": "Kaggle Secrets",
        "prompt": "prompt",
        "not_set": "not set",
        "not_found": "no secret named {name}: add it with the key icon on the left (Add new "
        "secret) and switch on its 'Notebook access'",
        "no_access": "{name} is there, but its 'Notebook access' is off for this notebook: switch "
        "it on in the key icon's list, then run this cell again",
        "timeout": "cannot be read outside the Colab web page (the VS Code extension, a headless "
        "run): open the notebook in the Colab web page, or set {name} in the environment",
        "not_attached": "no secret {name} attached to this notebook: Add-ons > Secrets > Add "
        "Secret, then tick it for this notebook",
        "no_service": "the secrets service is not available in this session",
        "offline": "the secrets service cannot be reached: switch the notebook's Internet on "
        "(Settings > Internet; it needs a phone-verified account)",
        "no_stdin": "this front end cannot answer a prompt (a run without a person at it)",
        "empty": "nothing was typed",
        "failed": "{detail}",
        "ask": "{name} (typed here, never saved in the notebook): ",
        "bad_name": "{name!r} is not a secret name: use letters, digits and _ (no spaces, not "
        "starting with a digit), as Colab and the environment need, e.g. HF_TOKEN",
        "missing": "{name} was not found:",
        "exported": "{name}: found in {source}; set in the environment for the libraries that "
        "read it",
        "none": "No secrets to set (SECRETS is empty).",
    },
    "zh": {
        "env": "环境变量",
        "colab": "Colab 密钥",
        "kaggle": "Kaggle 密钥",
        "prompt": "输入提示",
        "not_set": "未设置",
        "not_found": "没有名为 {name} 的密钥：请点击左侧钥匙图标添加新密钥，并打开它的“笔记本访问权限”",
        "no_access": "{name} 已存在，但本笔记本没有它的“笔记本访问权限”：请在钥匙图标的列表中打开，"
        "然后重新运行此单元格",
        "timeout": "在 Colab 网页之外（VS Code 扩展、无界面运行）无法读取：请在 Colab 网页中打开本"
        "笔记本，或在环境变量中设置 {name}",
        "not_attached": "本笔记本没有附加密钥 {name}：`Add-ons > Secrets > Add Secret`，然后为本笔记本"
        "勾选它",
        "no_service": "本会话中没有密钥服务",
        "offline": "无法连接密钥服务：请打开本笔记本的网络（Settings > Internet；需要已验证手机号的"
        "账号）",
        "no_stdin": "当前前端无法回应输入提示（无人值守的运行）",
        "empty": "没有输入内容",
        "failed": "{detail}",
        "ask": "{name}（在此输入，不会保存在笔记本中）：",
        "bad_name": "{name!r} 不是密钥名称：只能使用字母、数字和 _（不能有空格，不能以数字开头），"
        "这是 Colab 和环境变量的要求，例如 `HF_TOKEN`",
        "missing": "未找到 {name}：",
        "exported": "{name}：在{source}中找到；已设置为环境变量，供读取它的库使用",
        "none": "没有需要设置的密钥（SECRETS 为空）。",
    },
}
_SECRET_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
SECRET_SOURCES = ("env", "colab", "kaggle", "prompt")


class SecretError(NotebookStepError):
    """A secret is missing, or its name is not one; the message says where nbgen looked."""


class SecretValue(str):
    """A secret's text: an ordinary ``str`` whose ``repr`` does not show it."""

    secret_name = ""
    secret_source = ""

    def __repr__(self) -> str:
        return f"<secret {self.secret_name} from {self.secret_source}>"


class SecretMiss(NamedTuple):
    """One place that did not give the secret, and why (a key of the message table)."""

    source: str  # env, colab, kaggle or prompt
    reason: str  # not_set, not_found, no_access, timeout, not_attached, no_service, ...
    detail: str = ""  # for "failed": the exception's class, never a value


class SecretLookup(NamedTuple):
    """What :func:`find_secret` found: the value and its source, or None and every miss."""

    name: str
    value: SecretValue | None
    source: str  # a key of SECRET_SOURCES, "" when not found
    misses: list[SecretMiss]


def is_secret_name(name: str) -> bool:
    """A name Colab Secrets, Kaggle Secrets and the environment all accept."""
    return isinstance(name, str) and _SECRET_NAME_RE.fullmatch(name) is not None


def find_secret(
    name: str, *, sources: Sequence[str] = SECRET_SOURCES, prompt: bool = True, lang: str = "en"
) -> SecretLookup:
    """Look ``name`` up in ``sources``, in order, each where it exists (Colab Secrets on Colab,
    Kaggle Secrets on Kaggle, the prompt where a front end can answer it)."""
    text = _SECRET_TEXT.get(lang, _SECRET_TEXT["en"])
    if not is_secret_name(name):
        raise SecretError(text["bad_name"].format(name=name))
    where = detect_platform()
    misses: list[SecretMiss] = []
    for source in sources:
        if source in ("colab", "kaggle") and where != source:
            continue
        if source == "prompt" and not prompt:
            continue
        # a value pasted with a line break or spaces around is still that token
        value = _SECRET_GETTERS[source](name, misses, text).strip()
        if value:
            found = SecretValue(value)
            found.secret_name, found.secret_source = name, text[source]
            return SecretLookup(name, found, source, misses)
    return SecretLookup(name, None, "", misses)


def secret(name: str, lang: str = "en", *, prompt: bool = True) -> SecretValue:
    """The value of secret ``name`` from the first place that has it; SecretError, naming
    every place and what to do there, when none has."""
    found = find_secret(name, prompt=prompt, lang=lang)
    if found.value is None:
        raise SecretError(secret_report(found, lang))
    return found.value


def secret_report(found: SecretLookup, lang: str = "en") -> str:
    """Where ``found`` was looked for and why each place did not have it, one line each."""
    text = _SECRET_TEXT.get(lang, _SECRET_TEXT["en"])
    lines = [text["missing"].format(name=found.name)]
    for miss in found.misses:
        lines.append(f"  - {text[miss.source]}: {secret_miss_text(miss, found.name, lang)}")
    return "\n".join(lines)


def secret_miss_text(miss: SecretMiss, name: str, lang: str = "en") -> str:
    """Why ``miss.source`` did not give secret ``name``, and what to do there."""
    text = _SECRET_TEXT.get(lang, _SECRET_TEXT["en"])
    return text[miss.reason].format(name=name, detail=miss.detail)


def secret_names(value: str | Sequence[str]) -> list[str]:
    """The names in a ``SECRETS`` form value: comma-separated text, or a list."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return list(dict.fromkeys(item.strip() for item in items if item.strip()))


def export_secrets(names: str | Sequence[str], lang: str = "en") -> dict[str, str]:
    """Put each named secret into ``os.environ``; print which were found and where (never a
    value); return name → source. A name not found anywhere stops the cell, after the others
    are set, with one line per place looked in."""
    text = _SECRET_TEXT.get(lang, _SECRET_TEXT["en"])
    wanted = secret_names(names)
    for name in wanted:
        if not is_secret_name(name):
            raise SecretError(text["bad_name"].format(name=name))
    if not wanted:
        print(text["none"])
        return {}
    found: dict[str, str] = {}
    reports = []
    for name in wanted:
        lookup = find_secret(name, lang=lang)
        if lookup.value is None:
            reports.append(secret_report(lookup, lang))
            continue
        os.environ[name] = lookup.value
        found[name] = text[lookup.source]
        print(text["exported"].format(name=name, source=found[name]))
    if reports:
        raise SecretError("\n".join(reports))
    return found


def _secret_from_env(name: str, misses: list[SecretMiss], text: dict[str, str]) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        misses.append(SecretMiss("env", "not_set"))
    return value


def _secret_from_colab(name: str, misses: list[SecretMiss], text: dict[str, str]) -> str:
    userdata = _secret_module("google.colab.userdata")
    if userdata is None:
        return ""
    # the classes as colabtools defines them; getattr: an older Colab lacks TimeoutException
    reasons = (("NotebookAccessError", "no_access"), ("SecretNotFoundError", "not_found"),
               ("TimeoutException", "timeout"))  # fmt: skip
    try:
        return str(userdata.get(name) or "")
    except Exception as exc:
        reason = next((r for cls, r in reasons if _secret_is(exc, userdata, cls)), "failed")
        misses.append(SecretMiss("colab", reason, type(exc).__name__))
    return ""


def _secret_from_kaggle(name: str, misses: list[SecretMiss], text: dict[str, str]) -> str:
    module = _secret_module("kaggle_secrets")
    if module is None:
        return ""
    try:
        return str(module.UserSecretsClient().get_secret(name) or "")
    except ConnectionError:  # Internet off: the service is on kaggle.com
        misses.append(SecretMiss("kaggle", "offline"))
    except Exception as exc:
        if _secret_is(exc, module, "BackendError"):
            misses.append(SecretMiss("kaggle", "not_attached"))
        elif _secret_is(exc, module, "CredentialError"):
            misses.append(SecretMiss("kaggle", "no_service"))
        else:
            misses.append(SecretMiss("kaggle", "failed", type(exc).__name__))
    return ""


def _secret_from_prompt(name: str, misses: list[SecretMiss], text: dict[str, str]) -> str:
    if not secret_can_prompt():
        misses.append(SecretMiss("prompt", "no_stdin"))
        return ""
    try:
        value = getpass.getpass(text["ask"].format(name=name)).strip()
    except (EOFError, KeyboardInterrupt, OSError):
        value = ""
    except Exception as exc:  # IPython's StdinNotImplementedError: no input requests
        misses.append(SecretMiss("prompt", "no_stdin", type(exc).__name__))
        return ""
    if not value:
        misses.append(SecretMiss("prompt", "empty"))
    return value


def secret_can_prompt() -> bool:
    """True where ``getpass`` can be answered: a Jupyter front end that takes input requests
    (ipykernel's ``allow_stdin``, which nbclient, papermill and ``nbgen run`` leave off), or a
    terminal. ``sys.stdin.isatty()`` alone says False in every notebook."""
    shell = _secret_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        return bool(getattr(kernel, "_allow_stdin", False))
    stdin = sys.stdin
    return stdin is not None and not stdin.closed and stdin.isatty()


def _secret_ipython() -> Any:
    module = sys.modules.get("IPython")
    get = getattr(module, "get_ipython", None)
    return get() if callable(get) else None


def _secret_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _secret_is(exc: Exception, module: Any, cls: str) -> bool:
    kind = getattr(module, cls, None)
    return isinstance(kind, type) and isinstance(exc, kind)


_SECRET_GETTERS = {
    "env": _secret_from_env,
    "colab": _secret_from_colab,
    "kaggle": _secret_from_kaggle,
    "prompt": _secret_from_prompt,
}
