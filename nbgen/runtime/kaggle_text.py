"""What the Kaggle steps say, in English and Chinese (one table; ``LANG`` picks the column)."""

from __future__ import annotations

from nbgen.runtime.env import NotebookStepError

KAGGLE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "using": "Kaggle credentials: {source}",
        "env": "environment",
        "colab_secrets": "Colab Secrets",
        "kaggle_secrets": "Kaggle Secrets",
        "present": "{name}: already downloaded ({path}); nothing to do. force=True downloads again.",
        "attached": "{name}: attached to this Kaggle notebook, used in place: {path}",
        "downloading": "{name}: downloading into {path} ...",
        "progress": "{name}: {size} downloaded, {speed}/s",
        "arrived": "{name}: {count} files, {size} in {path}",
        "more": "  ... and {count} more",
        "nothing": "KAGGLE_DATA is empty: no Kaggle data to fetch.",
        "no_creds": "No Kaggle credentials found. nbgen looked in:\n{places}\nFix it with one of:\n"
        "  - Colab: the key icon on the left > Add new secret KAGGLE_API_TOKEN (or KAGGLE_USERNAME and "
        "KAGGLE_KEY), and switch on 'Notebook access';\n"
        "  - Kaggle: Add-ons > Secrets > KAGGLE_API_TOKEN (or KAGGLE_USERNAME and KAGGLE_KEY);\n"
        "  - put kaggle.json (Kaggle > Settings > API > Create New Token) in the work folder {folder};\n"
        "  - locally: export KAGGLE_API_TOKEN=... or save the token as ~/.kaggle/access_token.",
        "no_access": "Colab Secrets has {name}, but this notebook may not read it: open the key icon "
        "on the left and switch on 'Notebook access' for {name}, then run this cell again.",
        "rejected": "Kaggle rejected the credentials from {source} (HTTP 401). Make a new token at "
        "https://www.kaggle.com/settings (API > Create New Token) and put it where nbgen looks.",
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
        "(Settings > Internet on the right), then run again.",
        "failed": "The kaggle client failed: {detail}",
        "no_client": "The kaggle client is not installed: pip install kaggle",
        "bad_ref": "{value!r} does not name Kaggle data; paste owner/slug, a competition name, a "
        "kaggle.com address, or the page's 'kaggle datasets download -d ...' command",
        "bad_slug": "{value!r} is not a Kaggle data set; expected OWNER/SLUG, e.g. "
        "zalando-research/fashionmnist",
        "bad_name": "{value!r} is not a Kaggle competition name; expected e.g. titanic",
        "unsafe": "{archive}: member {member!r} would land outside {target}; refused, nothing extracted.",
        "bad_zip": "{archive} is not a valid zip archive (interrupted download?); run again with force=True.",
        "upload": "Upload your kaggle.json (Kaggle > Settings > API > Create New Token):",
        "upload_none": "No file was uploaded; nothing to use as Kaggle credentials.",
        "not_json": "{path}: not a kaggle.json (it needs `username` and `key`)",
        "saved": "Saved the uploaded key as {path} (only you can read it); it is not in the work folder.",
        "places_env": "environment variable KAGGLE_API_TOKEN, then KAGGLE_USERNAME and KAGGLE_KEY",
        "places_colab": "Colab Secrets KAGGLE_API_TOKEN, then KAGGLE_USERNAME and KAGGLE_KEY",
        "places_kaggle": "Kaggle Secrets KAGGLE_API_TOKEN, then KAGGLE_USERNAME and KAGGLE_KEY",
    },
    "zh": {
        "using": "Kaggle 凭据来源：{source}",
        "env": "环境变量",
        "colab_secrets": "Colab 密钥",
        "kaggle_secrets": "Kaggle 密钥",
        "present": "{name}：已下载（{path}），无需重复下载。设置 force=True 可重新下载。",
        "attached": "{name}：已挂载到本 Kaggle 笔记本，直接使用：{path}",
        "downloading": "{name}：正在下载到 {path} ……",
        "progress": "{name}：已下载 {size}，速度 {speed}/s",
        "arrived": "{name}：{count} 个文件，共 {size}，位于 {path}",
        "more": "  ……还有 {count} 个",
        "nothing": "KAGGLE_DATA 为空：没有需要获取的 Kaggle 数据。",
        "no_creds": "未找到 Kaggle 凭据。nbgen 查找过：\n{places}\n解决方法（任选其一）：\n"
        "  - Colab：左侧钥匙图标 > 添加新密钥 KAGGLE_API_TOKEN（或 KAGGLE_USERNAME 和 KAGGLE_KEY），"
        "并打开“笔记本访问权限”；\n"
        "  - Kaggle：Add-ons > Secrets > KAGGLE_API_TOKEN（或 KAGGLE_USERNAME 和 KAGGLE_KEY）；\n"
        "  - 把 kaggle.json（Kaggle > Settings > API > Create New Token）放到工作目录 {folder}；\n"
        "  - 本地：export KAGGLE_API_TOKEN=...，或把令牌保存为 ~/.kaggle/access_token。",
        "no_access": "Colab 密钥中有 {name}，但本笔记本无权读取：请打开左侧钥匙图标，为 {name} 打开"
        "“笔记本访问权限”，然后重新运行此单元格。",
        "rejected": "Kaggle 拒绝了来自 {source} 的凭据（HTTP 401）。请在 https://www.kaggle.com/settings"
        "（API > Create New Token）生成新令牌，并放到 nbgen 会查找的位置。",
        "rules": "Kaggle 拒绝下载（HTTP 403）：请先在 https://www.kaggle.com/competitions/{name}/rules "
        "接受比赛规则（API 无法代为接受），然后重新运行。",
        "forbidden": "Kaggle 拒绝下载 {name}（HTTP 403）：该数据集是私有的，或你的账号无权访问。",
        "not_found": "Kaggle 上没有这个{kind}：{name}（HTTP 404）。请在 kaggle.com 上核对名称。",
        "dataset": "数据集",
        "competition": "比赛",
        "network": "无法连接 Kaggle（网络错误）；请检查网络后重试。未标记为已下载。",
        "internet_off": "无法连接 Kaggle：本 Kaggle 笔记本的网络（Internet）已关闭。请在右侧 "
        "Settings > Internet 中打开，然后重新运行。",
        "failed": "kaggle 客户端出错：{detail}",
        "no_client": "未安装 kaggle 客户端：pip install kaggle",
        "bad_ref": "{value!r} 不是 Kaggle 数据；请粘贴 owner/slug、比赛名称、kaggle.com 页面地址，"
        "或页面上的 “kaggle datasets download -d ...” 命令",
        "bad_slug": "{value!r} 不是 Kaggle 数据集；格式应为 `OWNER/SLUG`，例如 `zalando-research/fashionmnist`",
        "bad_name": "{value!r} 不是 Kaggle 比赛名称；例如 `titanic`",
        "unsafe": "{archive}：成员 {member!r} 会被解压到 {target} 之外；已拒绝，未解压任何文件。",
        "bad_zip": "{archive} 不是有效的 zip 文件（下载被中断？）；请设置 force=True 重新运行。",
        "upload": "请上传你的 kaggle.json（Kaggle > Settings > API > Create New Token）：",
        "upload_none": "没有上传文件，无法获得 Kaggle 凭据。",
        "not_json": "{path}：不是 kaggle.json（需要包含 `username` 和 `key`）",
        "saved": "已把上传的密钥保存为 {path}（只有你能读取）；它不在工作目录中。",
        "places_env": "环境变量 KAGGLE_API_TOKEN，然后是 KAGGLE_USERNAME 和 KAGGLE_KEY",
        "places_colab": "Colab 密钥 KAGGLE_API_TOKEN，然后是 KAGGLE_USERNAME 和 KAGGLE_KEY",
        "places_kaggle": "Kaggle 密钥 KAGGLE_API_TOKEN，然后是 KAGGLE_USERNAME 和 KAGGLE_KEY",
    },
}


class KaggleError(NotebookStepError):
    """A Kaggle step failed for a reason the user can fix; the message says how."""


def kaggle_text(lang: str) -> dict[str, str]:
    """The messages of ``lang`` (English for any other value)."""
    return KAGGLE_TEXT.get(lang, KAGGLE_TEXT["en"])
