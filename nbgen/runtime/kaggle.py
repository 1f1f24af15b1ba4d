"""Kaggle data in a notebook: find credentials, download, extract safely, cache, explain errors.

The kaggle client (2.x) reads its configuration and authenticates when it is imported, so it
runs here as a child process (``python -m kaggle``) that gets the credentials in its own
environment only. Archives are extracted by this module: Colab's kaggle 2.0.2 has no
``--unzip`` for competitions, and a member that would land outside the target is refused.
No secret is ever printed, written into the notebook or kept in an output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from nbgen.runtime.env import detect_platform

_KAGGLE_TEXT = {
    "en": {
        "using": "Kaggle credentials: {source}",
        "present": "{name}: already downloaded ({path}); nothing to do. force=True downloads again.",
        "downloading": "{name}: downloading into {path} ...",
        "arrived": "{name}: {count} files, {size} in {path}",
        "more": "  ... and {count} more",
        "no_creds": "No Kaggle credentials found. nbgen looked in:\n{places}\nFix it with one of:\n"
        "  - Colab: the key icon on the left > Add new secret KAGGLE_API_TOKEN (or KAGGLE_USERNAME and "
        "KAGGLE_KEY), and switch on 'Notebook access';\n"
        "  - put kaggle.json (Kaggle > Settings > API > Create New Token) in the work folder {folder};\n"
        "  - locally: export KAGGLE_API_TOKEN=... or save the token as ~/.kaggle/access_token.",
        "rejected": "Kaggle rejected the credentials from {source} (HTTP 401). Make a new token at "
        "https://www.kaggle.com/settings (API > Create New Token) and put it where nbgen looks.",
        "rules": "Kaggle refused the download (HTTP 403): accept the competition's rules at "
        "https://www.kaggle.com/competitions/{name}/rules (the API cannot accept them), then run again.",
        "forbidden": "Kaggle refused the download of {name} (HTTP 403): the data set is private or your "
        "account has no access to it.",
        "not_found": "No such Kaggle {kind}: {name} (HTTP 404). Check the spelling on kaggle.com.",
        "network": "Could not reach Kaggle (network error); check the internet connection and try "
        "again. Nothing was marked as downloaded.",
        "failed": "The kaggle client failed: {detail}",
        "no_client": "The kaggle client is not installed: pip install kaggle",
        "bad_slug": "{value!r} is not a Kaggle data set; expected OWNER/SLUG, e.g. zalando-research/fashionmnist",
        "bad_name": "{value!r} is not a Kaggle competition name; expected e.g. titanic",
        "unsafe": "{archive}: member {member!r} would land outside {target}; refused, nothing extracted.",
        "bad_zip": "{archive} is not a valid zip archive (interrupted download?); run again with force=True.",
        "one_of": "Give a data set or a competition (one of them).",
        "upload": "Upload your kaggle.json (Kaggle > Settings > API > Create New Token):",
    },
    "zh": {
        "using": "Kaggle 凭据来源：{source}",
        "present": "{name}：已下载（{path}），无需重复下载。设置 force=True 可重新下载。",
        "downloading": "{name}：正在下载到 {path} ……",
        "arrived": "{name}：{count} 个文件，共 {size}，位于 {path}",
        "more": "  ……还有 {count} 个",
        "no_creds": "未找到 Kaggle 凭据。nbgen 查找过：\n{places}\n解决方法（任选其一）：\n"
        "  - Colab：左侧钥匙图标 > 添加新密钥 KAGGLE_API_TOKEN（或 KAGGLE_USERNAME 和 KAGGLE_KEY），"
        "并打开“笔记本访问权限”；\n"
        "  - 把 kaggle.json（Kaggle > Settings > API > Create New Token）放到工作目录 {folder}；\n"
        "  - 本地：export KAGGLE_API_TOKEN=...，或把令牌保存为 ~/.kaggle/access_token。",
        "rejected": "Kaggle 拒绝了来自 {source} 的凭据（HTTP 401）。请在 https://www.kaggle.com/settings"
        "（API > Create New Token）生成新令牌，并放到 nbgen 会查找的位置。",
        "rules": "Kaggle 拒绝下载（HTTP 403）：请先在 https://www.kaggle.com/competitions/{name}/rules "
        "接受比赛规则（API 无法代为接受），然后重新运行。",
        "forbidden": "Kaggle 拒绝下载 {name}（HTTP 403）：该数据集是私有的，或你的账号无权访问。",
        "not_found": "Kaggle 上没有这个{kind}：{name}（HTTP 404）。请在 kaggle.com 上核对名称。",
        "network": "无法连接 Kaggle（网络错误）；请检查网络后重试。未标记为已下载。",
        "failed": "kaggle 客户端出错：{detail}",
        "no_client": "未安装 kaggle 客户端：pip install kaggle",
        "bad_slug": "{value!r} 不是 Kaggle 数据集；格式应为 OWNER/SLUG，例如 zalando-research/fashionmnist",
        "bad_name": "{value!r} 不是 Kaggle 比赛名称；例如 titanic",
        "unsafe": "{archive}：成员 {member!r} 会被解压到 {target} 之外；已拒绝，未解压任何文件。",
        "bad_zip": "{archive} 不是有效的 zip 文件（下载被中断？）；请设置 force=True 重新运行。",
        "one_of": "请给出一个数据集或一个比赛（二选一）。",
        "upload": "请上传你的 kaggle.json（Kaggle > Settings > API > Create New Token）：",
    },
}
_KAGGLE_SLUG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_KAGGLE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
KAGGLE_COMPLETE = ".nbgen-complete"
# Run by the child process: the kaggle CLI prints only an HTTP error's message, so the child
# calls the same API functions and reports the status code on a line of its own.
_KAGGLE_CHILD = """
import sys
kind, name, file_name, path = sys.argv[1:5]
try:
    from kaggle import api
    download = api.dataset_download_cli if kind == "dataset" else api.competition_download_cli
    download(name, file_name=file_name or None, path=path, quiet=True)
except Exception as exc:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    print(f"nbgen-kaggle-status: {status}")
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)
"""


class KaggleError(RuntimeError):
    """A Kaggle step failed for a reason the user can fix; the message says how."""


class KaggleCredentials(NamedTuple):
    source: str  # where they came from, for messages (never the secret itself)
    env: dict[str, str]  # what the kaggle client gets in its environment


def _kaggle_text(lang: str) -> dict[str, str]:
    return _KAGGLE_TEXT.get(lang, _KAGGLE_TEXT["en"])


# ---- credentials ---------------------------------------------------------------------------------
def find_kaggle_credentials(
    work_folder: str | os.PathLike[str] = ".", lang: str = "en", allow_upload: bool = True
) -> KaggleCredentials:
    """The first credentials found, in nbgen's documented order; KaggleError if none."""
    looked: list[str] = []
    for finder in (_kaggle_from_env, _kaggle_from_colab_secrets, _kaggle_from_files):
        found = finder(Path(work_folder), looked)
        if found is not None:
            return found
    if allow_upload and detect_platform() == "colab":
        return _kaggle_from_upload(lang)
    text = _kaggle_text(lang)
    places = "\n".join(f"  - {place}" for place in looked)
    raise KaggleError(text["no_creds"].format(places=places, folder=Path(work_folder).resolve()))


def _kaggle_lookup(origin: str, get: Callable[[str], str]) -> KaggleCredentials | None:
    """KAGGLE_API_TOKEN, else KAGGLE_USERNAME and KAGGLE_KEY, from one place (``get``)."""
    token = get("KAGGLE_API_TOKEN").strip()
    if token:
        return KaggleCredentials(f"{origin} (KAGGLE_API_TOKEN)", {"KAGGLE_API_TOKEN": token})
    user, key = get("KAGGLE_USERNAME"), get("KAGGLE_KEY")
    if user and key:
        return KaggleCredentials(
            f"{origin} (KAGGLE_USERNAME, KAGGLE_KEY)", {"KAGGLE_USERNAME": user, "KAGGLE_KEY": key}
        )
    return None


def _kaggle_from_env(folder: Path, looked: list[str]) -> KaggleCredentials | None:
    looked.append("environment variable KAGGLE_API_TOKEN")
    looked.append("environment variables KAGGLE_USERNAME and KAGGLE_KEY")
    return _kaggle_lookup("environment", lambda name: os.environ.get(name, ""))


def _kaggle_from_colab_secrets(folder: Path, looked: list[str]) -> KaggleCredentials | None:
    if detect_platform() != "colab":
        return None
    try:
        from google.colab import userdata
    except ImportError:
        return None
    looked.append("Colab Secrets KAGGLE_API_TOKEN, then KAGGLE_USERNAME and KAGGLE_KEY")
    errors = (userdata.SecretNotFoundError, userdata.NotebookAccessError, userdata.TimeoutException)

    def secret(name: str) -> str:
        try:
            return str(userdata.get(name) or "").strip()
        except errors as exc:
            if not isinstance(exc, userdata.SecretNotFoundError):
                looked.append(
                    f"  (Colab Secrets: {type(exc).__name__}: grant this notebook access)"
                )
            return ""

    return _kaggle_lookup("Colab Secrets", secret)


def _kaggle_from_files(folder: Path, looked: list[str]) -> KaggleCredentials | None:
    home = Path(os.path.expanduser("~")) / ".kaggle"
    for path in (folder / "kaggle.json", home / "kaggle.json"):
        looked.append(str(path.absolute()))
        found = _kaggle_read_json(path)
        if found is not None:
            return found
    token_file = home / "access_token"
    looked.append(str(token_file))
    if token_file.is_file():
        token = token_file.read_text(encoding="utf-8").strip()
        if token:
            return KaggleCredentials(str(token_file), {"KAGGLE_API_TOKEN": token})
    return None


def _kaggle_read_json(path: Path) -> KaggleCredentials | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    user, key = str(data.get("username", "")), str(data.get("key", ""))
    if user and key:
        return KaggleCredentials(str(path), {"KAGGLE_USERNAME": user, "KAGGLE_KEY": key})
    return None


def _kaggle_from_upload(lang: str) -> KaggleCredentials:
    from google.colab import files

    print(_kaggle_text(lang)["upload"])
    uploaded = files.upload()
    data = next(iter(uploaded.values()), b"")
    return save_kaggle_json(data)


def save_kaggle_json(data: bytes, home: Path | None = None) -> KaggleCredentials:
    """Keep an uploaded kaggle.json as ~/.kaggle/kaggle.json: folder 0700, file 0600."""
    folder = (home or Path(os.path.expanduser("~"))) / ".kaggle"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / "kaggle.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)
    found = _kaggle_read_json(path)
    if found is None:
        raise KaggleError(f"{path}: not a kaggle.json (it needs 'username' and 'key')")
    return found


# ---- download ------------------------------------------------------------------------------------
def kaggle_download(
    dataset: str = "",
    competition: str = "",
    file: str = "",
    dest: str | os.PathLike[str] = "data",
    force: bool = False,
    work_folder: str | os.PathLike[str] = ".",
    lang: str = "en",
) -> Path:
    """Download a data set or competition into ``dest/<name>``, extracted; cached on disk."""
    text = _kaggle_text(lang)
    kind, name = _kaggle_check(dataset, competition, text)
    target = Path(dest) / name.split("/")[-1]
    done = _kaggle_done(target)
    if not force and (done.get("all") or (file and file in done.get("files", []))):
        print(text["present"].format(name=name + (f" ({file})" if file else ""), path=target))
        return target
    creds = find_kaggle_credentials(work_folder, lang)
    print(text["using"].format(source=creds.source))
    print(text["downloading"].format(name=name, path=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.nbgen-", dir=target.parent))
    try:
        downloads = work / "download"
        _kaggle_run([kind, name, file, str(downloads)], creds, text)
        extracted = work / "extracted"
        extracted.mkdir()
        for item in sorted(downloads.iterdir()):
            if item.suffix == ".zip":
                safe_extract(item, extracted, lang)
            else:
                shutil.move(str(item), extracted / item.name)
        if file:  # one file joins what is already there
            target.mkdir(parents=True, exist_ok=True)
            for item in extracted.iterdir():
                if (target / item.name).is_dir():
                    shutil.rmtree(target / item.name)
                os.replace(item, target / item.name)
            done = {"all": bool(done.get("all")), "files": sorted({*done.get("files", []), file})}
        else:  # the whole data set replaces any earlier one
            if target.exists():
                shutil.rmtree(target)
            os.replace(extracted, target)
            done = {"all": True, "files": []}
        # written last: only a complete download is ever marked as one
        _kaggle_write_done(target, {kind: name, **done})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_kaggle_tree(target, name, lang)
    return target


def _kaggle_done(target: Path) -> dict[str, Any]:
    try:
        data = json.loads((target / KAGGLE_COMPLETE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _kaggle_write_done(target: Path, data: dict[str, Any]) -> None:
    tmp = target / (KAGGLE_COMPLETE + ".tmp")
    tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(tmp, target / KAGGLE_COMPLETE)


def _kaggle_check(dataset: str, competition: str, text: dict[str, str]) -> tuple[str, str]:
    if bool(dataset) == bool(competition):
        raise KaggleError(text["one_of"])
    if dataset and not _KAGGLE_SLUG_RE.fullmatch(dataset):
        raise KaggleError(text["bad_slug"].format(value=dataset))
    if competition and not _KAGGLE_NAME_RE.fullmatch(competition):
        raise KaggleError(text["bad_name"].format(value=competition))
    return ("dataset", dataset) if dataset else ("competition", competition)


def _kaggle_run(args: list[str], creds: KaggleCredentials, text: dict[str, str]) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY")
    }
    env.update(creds.env)
    # An empty private config folder: the client must not pick up other credentials.
    config = tempfile.mkdtemp(prefix="nbgen-kaggle-")
    env["KAGGLE_CONFIG_DIR"] = config
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _KAGGLE_CHILD, *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            output, _ = proc.communicate()
        except BaseException:  # ^C or a stopped cell: no half download lives on
            proc.kill()
            proc.wait()
            raise
    finally:
        shutil.rmtree(config, ignore_errors=True)
    if proc.returncode != 0:
        kind, name = args[0], args[1]
        raise KaggleError(_kaggle_explain(_kaggle_redact(output, creds), creds, kind, name, text))


def _kaggle_redact(output: str, creds: KaggleCredentials) -> str:
    for value in creds.env.values():
        if len(value) >= 4:
            output = output.replace(value, "***")
    return output


def _kaggle_explain(
    output: str, creds: KaggleCredentials, kind: str, name: str, text: dict[str, str]
) -> str:
    if "No module named kaggle" in output or "No module named 'kaggle'" in output:
        return text["no_client"]
    match = re.search(r"nbgen-kaggle-status: (\d+)", output)
    status = int(match.group(1)) if match else None
    if status == 401 or "You must authenticate" in output:
        return text["rejected"].format(source=creds.source)
    if status == 403:
        return text["rules" if kind == "competition" else "forbidden"].format(name=name)
    if status == 404:
        return text["not_found"].format(kind=kind, name=name)
    network = ("ConnectionError", "Max retries exceeded", "Failed to establish", "Connection refused",
               "NameResolutionError", "ChunkedEncodingError", "IncompleteRead", "Connection broken",
               "RemoteDisconnected")  # fmt: skip
    if any(marker in output for marker in network):
        return text["network"]
    lines = [
        line for line in output.strip().splitlines() if line.strip() and "nbgen-kaggle" not in line
    ]
    return text["failed"].format(detail=lines[-1] if lines else "no output")


def safe_extract(archive: Path, target: Path, lang: str = "en") -> list[Path]:
    """Extract ``archive`` into ``target``, refusing (before writing anything) a member that is
    absolute, climbs out with ``..`` or is a link."""
    text = _kaggle_text(lang)
    root = target.resolve()
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise KaggleError(text["bad_zip"].format(archive=archive.name)) from None
    with zf:
        plan: list[tuple[zipfile.ZipInfo, Path]] = []
        for info in zf.infolist():
            name = info.filename
            is_link = stat.S_ISLNK(info.external_attr >> 16)
            dest = (root / name).resolve()
            bad = (
                is_link
                or name.startswith(("/", "\\"))
                or re.match(r"[A-Za-z]:", name) is not None
                or ".." in re.split(r"[\\/]", name)
                or (dest != root and root not in dest.parents)
            )
            if bad:
                raise KaggleError(
                    text["unsafe"].format(archive=archive.name, member=name, target=target)
                )
            plan.append((info, dest))
        written = []
        for info, dest in plan:
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            written.append(dest)
    return written


def _kaggle_size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def print_kaggle_tree(
    target: Path, name: str, lang: str = "en", limit: int = 15
) -> list[tuple[str, int]]:
    """Print what arrived (files and sizes, a short tree) and return it."""
    text = _kaggle_text(lang)
    files = sorted(p for p in target.rglob("*") if p.is_file() and p.name != KAGGLE_COMPLETE)
    rows = [(p.relative_to(target).as_posix(), p.stat().st_size) for p in files]
    total = sum(size for _, size in rows)
    print(text["arrived"].format(name=name, count=len(rows), size=_kaggle_size(total), path=target))
    width = max((len(path) for path, _ in rows[:limit]), default=0)
    for path, size in rows[:limit]:
        print(f"  {path:<{width}}  {_kaggle_size(size):>10}")
    if len(rows) > limit:
        print(text["more"].format(count=len(rows) - limit))
    return rows
