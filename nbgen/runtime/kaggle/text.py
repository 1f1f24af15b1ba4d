"""What the Kaggle steps say, in English and Chinese (one table; ``LANG`` picks the column)."""

from __future__ import annotations

from nbgen.runtime.platforms.env import NotebookStepError

KAGGLE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "using": "Kaggle credentials: {source}",
        "env": "environment",
        "colab_secrets": "Colab Secrets",
        "kaggle_secrets": "Kaggle Secrets",
        "present": "{name}: already downloaded ({path}); nothing to do. force=True downloads again.",
        "dest_dangling": "{path}: is a symbolic link to {points}, which does not exist; nbgen does not follow it: make that folder, or download elsewhere",
        "attached": "{name}: attached to this Kaggle notebook, used in place: {path}",
        "downloading": "{name}: downloading into {path} ...",
        "progress": "{name}: {size} downloaded, {speed}/s",
        "arrived": "{name}: {files}, {size} in {path}",
        "one_file": "1 file",
        "files": "{count} files",
        "more": "  ... and {count} more",
        "nothing": "KAGGLE_DATA is empty: no Kaggle data to fetch.",
        "no_creds": "No Kaggle credentials found. nbgen looked in:\n{places}\nGet a token at "
        "https://www.kaggle.com/settings (API > Generate New Token), then, with one of:\n"
        "  - Colab (best): the key icon on the left > Add new secret KAGGLE_API_TOKEN with the token "
        "as its value, and switch on 'Notebook access';\n"
        "  - Kaggle: Add-ons > Secrets > KAGGLE_API_TOKEN;\n"
        "  - locally: export KAGGLE_API_TOKEN=... or save the token as ~/.kaggle/access_token;\n"
        "  - a legacy kaggle.json (Settings > API > Legacy API Credentials) in the work folder "
        "{folder} or ~/.kaggle.",
        "no_creds_kaggle": "{name} is not attached to this Kaggle notebook. Attach it: Add Input "
        "(right panel) > search {name} > Add; attached data needs no credentials and is used in "
        "place. Or let nbgen download it with a token (https://www.kaggle.com/settings > API > "
        "Generate New Token) saved as Add-ons > Secrets > KAGGLE_API_TOKEN. nbgen looked in:\n{places}",
        "headless": "Colab Secrets did not answer (TimeoutException): Secrets and file upload need "
        "the Colab web page, and this runtime has none (the VS Code extension, a headless run). Set "
        "KAGGLE_API_TOKEN in the runtime's environment instead (or save the token as "
        "~/.kaggle/access_token there), then run this cell again.",
        "no_access": "Colab Secrets has {name}, but this notebook may not read it: open the key icon "
        "on the left and switch on 'Notebook access' for {name}, then run this cell again.",
        "rejected": "Kaggle rejected the credentials from {source} (HTTP 401). Make a new token at "
        "https://www.kaggle.com/settings (API > Generate New Token) and put it where nbgen looks.",
        "rules": "Kaggle refused the download (HTTP 403): accept the competition's rules at "
        "https://www.kaggle.com/competitions/{name}/rules (the API cannot accept them), then run again.",
        "forbidden": "Kaggle refused the download of {name} (HTTP 403): the data set is private or your "
        "account has no access to it.",
        "not_found": "No such Kaggle {kind}: {name} (HTTP 404). Check the spelling on kaggle.com.",
        "dataset": "dataset",
        "competition": "competition",
        "network": "Could not reach Kaggle (network error); check the internet connection and try "
        "again. Nothing was marked as downloaded.",
        "internet_off": "Could not reach Kaggle: this Kaggle notebook's Internet is off. Switch it on "
        "(Settings > Internet on the right; Kaggle offers it only to phone-verified accounts: "
        "https://www.kaggle.com/settings > Phone Verification), then run again.",
        "failed": "The kaggle client failed: {detail}",
        "no_client": "The kaggle client is not installed: pip install kaggle",
        "bad_ref": "{value!r} does not name Kaggle data; paste owner/slug, a competition name, a "
        "kaggle.com address, or the page's 'kaggle datasets download -d ...' command",
        "bad_host": "{value!r} is an address on {host}, not kaggle.com; nbgen fetches Kaggle data "
        "only from kaggle.com: paste its kaggle.com address, owner/slug or the competition name",
        "bad_file": "{value!r}: {file!r} is not a file of the data (an absolute path, .. or a "
        "control character); give its name inside the data set, e.g. train.csv or images/a.png",
        "bad_slug": "{value!r} is not a Kaggle data set; expected OWNER/SLUG, e.g. "
        "zalando-research/fashionmnist",
        "bad_name": "{value!r} is not a Kaggle competition name; expected e.g. titanic",
        "unsafe": "{archive}: member {member!r} would land outside {target}; refused, nothing extracted.",
        "bad_zip": "{archive} is not a valid zip archive (interrupted download?); run again with force=True.",
        "twice": "{archive}: member {member!r} is in it twice; refused, nothing extracted.",
        "lying": "{archive}: member {member!r} does not match its header (size or checksum): the "
        "archive is damaged or hostile; nothing was kept. force=True downloads it again.",
        "in_way": "choose another KAGGLE_DEST (--to on the command line), or set force=True "
        "(--force) to replace it",
        "too_big": "{archive}: extracting it would write {size} ({ratio:.0f} times the archive); "
        "nbgen stops at {limit} and {max_ratio} times, to keep a damaged or hostile archive from "
        "filling the disk. Nothing was kept.",
        "upload": "Upload a Kaggle API token: a text file holding the token from "
        "https://www.kaggle.com/settings (API > Generate New Token), an access_token file, or a "
        "legacy kaggle.json (Legacy API Credentials). Next time, save the token as the Colab "
        "Secret KAGGLE_API_TOKEN (the key icon on the left) and nothing is asked:",
        "upload_none": "No file was uploaded; nothing to use as Kaggle credentials.",
        "not_creds": "{path}: neither a Kaggle API token nor a kaggle.json (`username` and `key`)",
        "saved": "Saved the uploaded credentials as {path} (only you can read it); it is not in the "
        "work folder.",
        "copied": "{path}: its nbgen stamp names {other}, not {name}, so the folder was copied "
        "or moved here and may hold files of yours; nothing was changed. Move it away, or set "
        "force=True (--force) to replace it",
        "in_yours": "{path} holds {file}, which nbgen did not put there; move it out, or set "
        "force=True (--force) to replace the whole folder",
        "inner_clash": "{archive}: {member!r} is already there (from the archive around it) and so "
        "is the folder {folder}; nothing was kept.",
        "places_env": "environment variable KAGGLE_API_TOKEN, then KAGGLE_USERNAME and KAGGLE_KEY",
        "places_colab": "Colab Secrets KAGGLE_API_TOKEN, then KAGGLE_USERNAME and KAGGLE_KEY",
        "places_kaggle": "Kaggle Secrets KAGGLE_API_TOKEN, then KAGGLE_USERNAME and KAGGLE_KEY",
        "places_v1": "this Kaggle notebook's own token file, KAGGLE_API_V1_TOKEN ({path})",
        "notebook_token": "this Kaggle notebook's own token (KAGGLE_API_V1_TOKEN)",
        "version": "{name} version {version}",
        "cache_version": "{name}: version {version} is the current one on Kaggle",
        "hub_colab": "{name}: served by Colab's own Kaggle cache (through kagglehub), read-only, "
        "nothing downloaded: {path}",
        "hub_kaggle": "{name}: attached to this Kaggle notebook (through kagglehub), read-only, "
        "nothing downloaded: {path}",
        "hub_slow": "{name}: kagglehub did not mount it within {seconds} s; downloading it instead",
        "cache_restoring": "{name}: copying it from the cache ({path}); nothing to download",
        "cache_kept": "{name}: kept a copy for the next session in the cache: {path} ({size})",
        "cache_damaged": "{name}: the cached copy in {path} is damaged ({file}: its size or "
        "checksum does not match the manifest); downloading it again",
        "cache_evicted": "Kaggle cache: removed {name} ({size}, last used {date}) to stay under "
        "KAGGLE_CACHE_MAX_GB ({cap})",
        "cache_too_big": "{name}: {size} is more than KAGGLE_CACHE_MAX_GB ({cap}); not kept in "
        "the cache",
        "cache_not_kept": "{name}: no copy kept in the cache ({reason}); the data itself is in place",
        "cache_no_version": "{name}: Kaggle did not say which version is current; downloading it "
        "without the cache",
        "cache_in_way": "{path}: {why}; nbgen keeps its Kaggle cache there and changes only what it "
        "wrote: move it away, or set KAGGLE_CACHE = False (--no-kaggle-cache)",
        "cache_file": "is a file, not a folder",
        "cache_link": "is a symbolic link",
        "cache_yours": "a folder nbgen did not make (no manifest.json of nbgen's in it)",
        "cache_manifest": "its manifest.json is not nbgen's (not JSON, or not a manifest nbgen wrote)",
        "cache_other": "its manifest.json names other data (copied from another entry?), so it "
        "proves nothing about the files here",
        "bad_cap": "KAGGLE_CACHE_MAX_GB {value!r}: give the most the cache may hold in GB, a number "
        "greater than 0 (e.g. 20), or leave it empty for no cap (--kaggle-cache-max-gb)",
    },
    "zh": {
        "using": "Kaggle 凭据来源：{source}",
        "env": "环境变量",
        "colab_secrets": "Colab 密钥",
        "kaggle_secrets": "Kaggle 密钥",
        "present": "{name}：已下载（{path}），无需重复下载。设置 force=True 可重新下载。",
        "dest_dangling": "{path}：是指向 {points} 的符号链接，而该位置不存在；nbgen 不会跟随它：请先创建该文件夹，或下载到别处",
        "attached": "{name}：已挂载到本 Kaggle 笔记本，直接使用：{path}",
        "downloading": "{name}：正在下载到 {path} ……",
        "progress": "{name}：已下载 {size}，速度 {speed}/s",
        "arrived": "{name}：{files}，共 {size}，位于 {path}",
        "one_file": "1 个文件",
        "files": "{count} 个文件",
        "more": "  ……还有 {count} 个",
        "nothing": "KAGGLE_DATA 为空：没有需要获取的 Kaggle 数据。",
        "no_creds": "未找到 Kaggle 凭据。nbgen 查找过：\n{places}\n请在 https://www.kaggle.com/settings"
        "（API > `Generate New Token`）生成令牌，然后任选其一：\n"
        "  - Colab（推荐）：左侧钥匙图标 > 添加新密钥 KAGGLE_API_TOKEN，值为该令牌，"
        "并打开“笔记本访问权限”；\n"
        "  - Kaggle：Add-ons > Secrets > KAGGLE_API_TOKEN；\n"
        "  - 本地：export KAGGLE_API_TOKEN=...，或把令牌保存为 ~/.kaggle/access_token；\n"
        "  - 旧式 kaggle.json（Settings > API > `Legacy API Credentials`）放到工作目录 {folder} "
        "或 ~/.kaggle。",
        "no_creds_kaggle": "{name} 没有挂载到本 Kaggle 笔记本。请挂载它：右侧 Add Input > 搜索 "
        "{name} > Add；挂载的数据无需凭据，直接使用。或者让 nbgen 用令牌下载：在 "
        "https://www.kaggle.com/settings（API > `Generate New Token`）生成令牌，保存为 Add-ons > "
        "Secrets > KAGGLE_API_TOKEN。nbgen 查找过：\n{places}",
        "headless": "Colab 密钥没有响应（`TimeoutException`）：密钥和文件上传都需要 Colab 网页，"
        "而当前运行时没有（`VS Code` 扩展或无界面运行）。请改为在运行时的环境变量中设置 "
        "KAGGLE_API_TOKEN（或在那里把令牌保存为 ~/.kaggle/access_token），然后重新运行此单元格。",
        "no_access": "Colab 密钥中有 {name}，但本笔记本无权读取：请打开左侧钥匙图标，为 {name} 打开"
        "“笔记本访问权限”，然后重新运行此单元格。",
        "rejected": "Kaggle 拒绝了来自 {source} 的凭据（HTTP 401）。请在 https://www.kaggle.com/settings"
        "（API > `Generate New Token`）生成新令牌，并放到 nbgen 会查找的位置。",
        "rules": "Kaggle 拒绝下载（HTTP 403）：请先在 https://www.kaggle.com/competitions/{name}/rules "
        "接受比赛规则（API 无法代为接受），然后重新运行。",
        "forbidden": "Kaggle 拒绝下载 {name}（HTTP 403）：该数据集是私有的，或你的账号无权访问。",
        "not_found": "Kaggle 上没有这个{kind}：{name}（HTTP 404）。请在 kaggle.com 上核对名称。",
        "dataset": "数据集",
        "competition": "比赛",
        "network": "无法连接 Kaggle（网络错误）；请检查网络后重试。未标记为已下载。",
        "internet_off": "无法连接 Kaggle：本 Kaggle 笔记本的网络（Internet）已关闭。请在右侧 "
        "Settings > Internet 中打开（Kaggle 只为完成手机验证的账号提供网络：https://www.kaggle.com/settings "
        "> `Phone Verification`），然后重新运行。",
        "failed": "kaggle 客户端出错：{detail}",
        "no_client": "未安装 kaggle 客户端：pip install kaggle",
        "bad_ref": "{value!r} 不是 Kaggle 数据；请粘贴 owner/slug、比赛名称、kaggle.com 页面地址，"
        "或页面上的 “kaggle datasets download -d ...” 命令",
        "bad_host": "{value!r} 是 {host} 上的地址，不是 kaggle.com；nbgen 只从 kaggle.com 获取 Kaggle "
        "数据：请粘贴它在 kaggle.com 上的地址、owner/slug 或比赛名称",
        "bad_file": "{value!r}：{file!r} 不是数据中的文件（绝对路径、`..` 或控制字符）；请给出它在数据集中的"
        "名称，例如 `train.csv` 或 `images/a.png`",
        "bad_slug": "{value!r} 不是 Kaggle 数据集；格式应为 `OWNER/SLUG`，例如 `zalando-research/fashionmnist`",
        "bad_name": "{value!r} 不是 Kaggle 比赛名称；例如 `titanic`",
        "unsafe": "{archive}：成员 {member!r} 会被解压到 {target} 之外；已拒绝，未解压任何文件。",
        "bad_zip": "{archive} 不是有效的 zip 文件（下载被中断？）；请设置 force=True 重新运行。",
        "twice": "{archive}：成员 {member!r} 出现了两次；已拒绝，未解压任何文件。",
        "lying": "{archive}：成员 {member!r} 与其文件头不符（大小或校验和）：压缩包已损坏或是恶意的；"
        "未保留任何文件。设置 `force=True` 可重新下载。",
        "in_way": "请换一个 `KAGGLE_DEST`（命令行中为 `--to`），或设置 `force=True`（`--force`）替换它",
        "too_big": "{archive}：解压后将写入 {size}（压缩包的 {ratio:.0f} 倍）；为防止损坏或恶意的压缩包"
        "占满磁盘，nbgen 的上限是 {limit} 和 {max_ratio} 倍。未保留任何文件。",
        "upload": "请上传 Kaggle API 令牌：保存了令牌的文本文件（https://www.kaggle.com/settings > API > "
        "`Generate New Token`）、access_token 文件，或旧式 kaggle.json（`Legacy API Credentials`）。"
        "下次请把令牌保存为 Colab 密钥 KAGGLE_API_TOKEN（左侧钥匙图标），就无需再上传：",
        "upload_none": "没有上传文件，无法获得 Kaggle 凭据。",
        "not_creds": "{path}：既不是 Kaggle API 令牌，也不是 kaggle.json（需要 `username` 和 `key`）",
        "saved": "已把上传的凭据保存为 {path}（只有你能读取）；它不在工作目录中。",
        "copied": "{path}：其中 nbgen 的标记写的是 {other}，不是 {name}，说明这个文件夹是复制或移动过来的，"
        "可能有您的文件；未做任何改动。请把它移走，或设置 `force=True`（`--force`）替换它",
        "in_yours": "{path} 中有 {file}，它不是 nbgen 放进去的；请把它移出，或设置 `force=True`"
        "（`--force`）替换整个文件夹",
        "inner_clash": "{archive}：{member!r} 已经存在（来自外层压缩包），文件夹 {folder} 也已存在；"
        "未保留任何文件。",
        "places_env": "环境变量 KAGGLE_API_TOKEN，然后是 KAGGLE_USERNAME 和 KAGGLE_KEY",
        "places_colab": "Colab 密钥 KAGGLE_API_TOKEN，然后是 KAGGLE_USERNAME 和 KAGGLE_KEY",
        "places_kaggle": "Kaggle 密钥 KAGGLE_API_TOKEN，然后是 KAGGLE_USERNAME 和 KAGGLE_KEY",
        "places_v1": "本 Kaggle 笔记本自带的令牌文件 `KAGGLE_API_V1_TOKEN`（{path}）",
        "notebook_token": "本 Kaggle 笔记本自带的令牌（`KAGGLE_API_V1_TOKEN`）",
        "version": "{name} 第 {version} 版",
        "cache_version": "{name}：Kaggle 上的当前版本是第 {version} 版",
        "hub_colab": "{name}：由 Colab 自带的 Kaggle 缓存提供（通过 kagglehub），只读，无需下载：{path}",
        "hub_kaggle": "{name}：已挂载到本 Kaggle 笔记本（通过 kagglehub），只读，无需下载：{path}",
        "hub_slow": "{name}：kagglehub 在 {seconds} 秒内没有完成挂载；改为直接下载",
        "cache_restoring": "{name}：从缓存（{path}）复制，无需下载",
        "cache_kept": "{name}：已在缓存中保留一份副本，供下次会话使用：{path}（{size}）",
        "cache_damaged": "{name}：{path} 中的缓存副本已损坏（{file} 的大小或校验和与清单不符）；"
        "正在重新下载",
        "cache_evicted": "Kaggle 缓存：已删除 {name}（{size}，上次使用于 {date}），以保持在 "
        "`KAGGLE_CACHE_MAX_GB`（{cap}）以内",
        "cache_too_big": "{name}：{size} 超过了 `KAGGLE_CACHE_MAX_GB`（{cap}）；不保留在缓存中",
        "cache_not_kept": "{name}：没有在缓存中保留副本（{reason}）；数据本身已就位",
        "cache_no_version": "{name}：Kaggle 没有给出当前版本；不使用缓存，直接下载",
        "cache_in_way": "{path}：{why}；nbgen 在这里存放 Kaggle 缓存，只改动它自己写入的内容：请把它"
        "移走，或设置 `KAGGLE_CACHE = False`（`--no-kaggle-cache`）",
        "cache_file": "是一个文件，不是文件夹",
        "cache_link": "是一个符号链接",
        "cache_yours": "不是 nbgen 创建的文件夹（其中没有 nbgen 的 `manifest.json`）",
        "cache_manifest": "其中的 `manifest.json` 不是 nbgen 写的（不是 JSON，或不是 nbgen 的清单）",
        "cache_other": "其中的 `manifest.json` 记录的是别的数据（从另一个条目复制而来？），"
        "不能证明这里的文件是 nbgen 写的",
        "bad_cap": "`KAGGLE_CACHE_MAX_GB` {value!r}：请给出缓存最多可占用的大小（单位 GB），一个大于 0 "
        "的数（例如 20），或留空表示不设上限（`--kaggle-cache-max-gb`）",
    },
}


class KaggleError(NotebookStepError):
    """A Kaggle step failed for a reason the user can fix; the message says how."""


def kaggle_text(lang: str) -> dict[str, str]:
    """The messages of ``lang`` (English for any other value)."""
    return KAGGLE_TEXT.get(lang, KAGGLE_TEXT["en"])
