"""What the git step says, in English and Chinese (one table; ``LANG`` picks the column)."""

from __future__ import annotations

from nbgen.runtime.platforms.env import NotebookStepError

GIT_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "skipped": "No git repository to fetch (GIT_URL is empty).",
        "credentials": "GIT_URL {url} holds a user name or token before '@': refused, because git "
        "would save it in .git/config. Remove it from GIT_URL, keep the token in a secret (the key "
        "icon; e.g. GITHUB_TOKEN) and set GIT_TOKEN_SECRET to that name. If this notebook was "
        "saved with the token in it, revoke the token.",
        "query": "GIT_URL {url}: a git address has no '?' or '#' part; remove it (a token "
        "belongs in a secret named by GIT_TOKEN_SECRET)",
        "ssh": "GIT_URL {url}: SSH needs a key that this runtime does not have; use the https "
        "address (https://HOST/OWNER/REPO) and, for a private repository, GIT_TOKEN_SECRET",
        "not_url": "GIT_URL {url!r} is not a git address; expected https://HOST/OWNER/REPO, e.g. "
        "https://github.com/me/project",
        "page": "GIT_URL {url} is a page of the repository, not its address: use {repo} (and "
        "GIT_BRANCH for a branch)",
        "bad_branch": "GIT_BRANCH {branch!r} is not a branch name git takes; e.g. main (empty: "
        "the repository's default branch)",
        "bad_dest": "GIT_DEST {dest!r} must be an absolute folder path without '..', such as "
        "/content/project, or empty for /content/<repository>",
        "cloning": "Cloning {url} into {path} ...",
        "cloned": "Cloned {url} ({branch} at {commit}) into {path}: the work folder now, and on "
        "sys.path.",
        "up_to_date": "{path}: up to date with {branch} on {url} ({commit}); the work folder now.",
        "pulled": "{path}: pulled {branch}, new commits: {count} ({old} → {new}); the work folder "
        "now.",
        "stale": "Already imported from the repository before the pull, still the old code: "
        "{modules}. Runtime > Restart session, or importlib.reload() each of them.",
        "dirty": "{path}: not pulled: uncommitted changes in {files}. Commit them (!git -C {path} "
        "commit -am 'wip'), or set them aside (!git -C {path} stash), then run this cell again. "
        "Nothing was changed.",
        "diverged": "{path}: not pulled: {branch} has {ahead} commits of yours that the remote "
        "does not, and the remote {behind} new ones. Push or rebase yourself (!git -C {path} pull "
        "--rebase). Nothing was changed.",
        "ahead": "{path}: {ahead} commits of yours are not on the remote yet (push them); nothing "
        "to pull.",
        "detached": "{path}: not pulled: HEAD is detached at {commit} (a commit was checked out); "
        "!git -C {path} switch {branch} follows the branch again.",
        "other_branch": "{path}: not pulled: it is on branch {current}, not {branch}. !git -C "
        "{path} switch {branch}, or set GIT_BRANCH = {current!r}.",
        "untracked": "{path}: not pulled: the pull would overwrite files of yours that git does "
        "not track ({files}); move them away, then run this cell again. Nothing was changed.",
        "users_clone": "{path} is your own clone of {url} (nbgen did not make it): used as it "
        "is, not pulled; pull it yourself (!git -C {path} pull).",
        "other_clone": "{path} is a clone of {other}, not of {url}: refused; choose another "
        "GIT_DEST, or move it away.",
        "in_way": "{path} is a folder of yours, not a clone of {url}: refused; choose another "
        "GIT_DEST, or move it away.",
        "is_file": "{path} is a file, not a folder: choose another GIT_DEST.",
        "broken_link": "{path} is a symbolic link that leads nowhere: remove it, or choose another "
        "GIT_DEST.",
        "auth_needed": "{url}: the server asks for credentials (HTTP 401): the repository is "
        "private, or does not exist. Keep a token in a secret and set GIT_TOKEN_SECRET to its "
        "name (e.g. GITHUB_TOKEN).",
        "rejected": "{url}: the token from {source} ({secret}) was rejected (HTTP 401): it is "
        "wrong or expired; make a new one and store it as {secret}.",
        "forbidden": "{url}: access refused (HTTP 403) with the token from {source} ({secret}): "
        "give the token read access to this repository (on GitHub: Contents, read-only).",
        "forbidden_anon": "{url}: access refused (HTTP 403): the repository needs a token; keep "
        "one in a secret and set GIT_TOKEN_SECRET to its name.",
        "not_found": "{url}: no such repository (HTTP 404). A private repository looks like "
        "this without a token: check the spelling, or keep a token in a secret and set "
        "GIT_TOKEN_SECRET to its name.",
        "not_found_token": "{url}: no such repository (HTTP 404) for the token from {source} "
        "({secret}): check the spelling, and that the token may read this repository.",
        "network": "{url}: {host} cannot be reached (network error): check the internet "
        "connection, then run this cell again.",
        "internet_off": "{url}: {host} cannot be reached: this Kaggle notebook's Internet is off. "
        "Switch it on (Settings > Internet; it needs a phone-verified account), then run again.",
        "no_branch": "{url} has no branch {branch!r}: check GIT_BRANCH (empty: the repository's "
        "default branch).",
        "not_repo": "{url} does not answer as a git repository: check GIT_URL (the address you "
        "would `git clone`).",
        "no_git": "git is not installed on this runtime: !apt-get install -y git, then run this "
        "cell again.",
        "old_git": "git {version} cannot take a token through its environment (2.31 or newer "
        "can): !apt-get install -y git, or use a public repository.",
        "failed": "git {command} failed: {detail}",
    },
    "zh": {
        "skipped": "没有需要获取的 git 仓库（GIT_URL 为空）。",
        "credentials": "GIT_URL {url} 在 '@' 之前含有用户名或令牌：已拒绝，因为 git 会把它保存到 "
        ".git/config 中。请把它从 GIT_URL 中删除，把令牌存为密钥（左侧钥匙图标，例如 `GITHUB_TOKEN`），"
        "并把 GIT_TOKEN_SECRET 设为该名称。如果本笔记本曾连同令牌一起保存，请作废该令牌。",
        "query": "GIT_URL {url}：git 地址中不应有 '?' 或 '#' 部分，请删除（令牌应存为密钥，"
        "由 GIT_TOKEN_SECRET 指定）",
        "ssh": "GIT_URL {url}：SSH 需要密钥，而本运行时没有；请使用 https 地址"
        "（`https://HOST/OWNER/REPO`），私有仓库请设置 GIT_TOKEN_SECRET",
        "not_url": "GIT_URL {url!r} 不是 git 地址；格式应为 `https://HOST/OWNER/REPO`，例如 "
        "https://github.com/me/project",
        "page": "GIT_URL {url} 是仓库的某个页面，而不是仓库地址：请使用 {repo}（分支请用 GIT_BRANCH 指定）",
        "bad_branch": "GIT_BRANCH {branch!r} 不是 git 可接受的分支名；例如 `main`（留空则使用仓库的默认分支）",
        "bad_dest": "GIT_DEST {dest!r} 必须是不含 '..' 的绝对路径，例如 /content/project；"
        "留空则为 `/content/<仓库名>`",
        "cloning": "正在把 {url} 克隆到 {path} ……",
        "cloned": "已把 {url}（{branch}，提交 {commit}）克隆到 {path}：它现在是工作目录，并已加入 `sys.path`。",
        "up_to_date": "{path}：已与 {url} 的 {branch} 同步（{commit}）；它现在是工作目录。",
        "pulled": "{path}：已拉取 {branch} 的 {count} 个新提交（{old} → {new}）；它现在是工作目录。",
        "stale": "拉取之前已从仓库导入、仍是旧代码的模块：{modules}。请选择“代码执行程序 > 重启会话”，"
        "或对它们逐个调用 `importlib.reload()`。",
        "dirty": "{path}：未拉取：{files} 有未提交的修改。请提交（`!git -C {path} commit -am 'wip'`），"
        "或暂存起来（`!git -C {path} stash`），然后重新运行此单元格。没有改动任何内容。",
        "diverged": "{path}：未拉取：{branch} 上有 {ahead} 个你的提交不在远程仓库中，远程仓库也有 "
        "{behind} 个新提交。请自行推送或变基（`!git -C {path} pull --rebase`）。没有改动任何内容。",
        "ahead": "{path}：你有 {ahead} 个提交尚未推送到远程仓库（请推送）；没有需要拉取的内容。",
        "detached": "{path}：未拉取：HEAD 处于分离状态，位于 {commit}（检出了某个提交）；"
        "`!git -C {path} switch {branch}` 可重新跟随该分支。",
        "other_branch": "{path}：未拉取：当前在分支 {current} 上，而不是 {branch}。请运行 "
        "`!git -C {path} switch {branch}`，或设置 GIT_BRANCH = {current!r}。",
        "untracked": "{path}：未拉取：拉取会覆盖 git 未跟踪的你的文件（{files}）；请把它们移走，"
        "然后重新运行此单元格。没有改动任何内容。",
        "users_clone": "{path} 是你自己克隆的 {url}（不是 nbgen 创建的）：按原样使用，不会拉取；"
        "请自行拉取（`!git -C {path} pull`）。",
        "other_clone": "{path} 是 {other} 的克隆，而不是 {url}：已拒绝；请换一个 GIT_DEST，或把它移走。",
        "in_way": "{path} 是你自己的目录，不是 {url} 的克隆：已拒绝；请换一个 GIT_DEST，或把它移走。",
        "is_file": "{path} 是一个文件而不是目录：请换一个 GIT_DEST。",
        "broken_link": "{path} 是一个指向不存在位置的符号链接：请删除它，或换一个 GIT_DEST。",
        "auth_needed": "{url}：服务器要求提供凭据（HTTP 401）：该仓库是私有的，或者不存在。请把令牌"
        "存为密钥，并把 GIT_TOKEN_SECRET 设为它的名称（例如 `GITHUB_TOKEN`）。",
        "rejected": "{url}：来自{source}（{secret}）的令牌被拒绝（HTTP 401）：令牌错误或已过期；"
        "请生成新令牌并存为 {secret}。",
        "forbidden": "{url}：使用来自{source}（{secret}）的令牌访问被拒绝（HTTP 403）：请给该令牌"
        "读取此仓库的权限（GitHub 上为 `Contents: read-only`）。",
        "forbidden_anon": "{url}：访问被拒绝（HTTP 403）：该仓库需要令牌；请把令牌存为密钥，并把 "
        "GIT_TOKEN_SECRET 设为它的名称。",
        "not_found": "{url}：没有这个仓库（HTTP 404）。没有令牌时，私有仓库看起来就是这样：请检查"
        "拼写，或把令牌存为密钥并把 GIT_TOKEN_SECRET 设为它的名称。",
        "not_found_token": "{url}：使用来自{source}（{secret}）的令牌找不到这个仓库（HTTP 404）："
        "请检查拼写，以及该令牌是否可以读取此仓库。",
        "network": "{url}：无法连接 {host}（网络错误）：请检查网络，然后重新运行此单元格。",
        "internet_off": "{url}：无法连接 {host}：本 Kaggle 笔记本的网络（Internet）已关闭。请打开"
        "（Settings > Internet；需要已验证手机号的账号），然后重新运行。",
        "no_branch": "{url} 没有分支 {branch!r}：请检查 GIT_BRANCH（留空则使用仓库的默认分支）。",
        "not_repo": "{url} 不是可访问的 git 仓库：请检查 GIT_URL（即 `git clone` 使用的地址）。",
        "no_git": "本运行时没有安装 git：请运行 `!apt-get install -y git`，然后重新运行此单元格。",
        "old_git": "git {version} 无法通过环境变量接收令牌（需要 2.31 或更新版本）：请运行 "
        "`!apt-get install -y git`，或使用公开仓库。",
        "failed": "git {command} 失败：{detail}",
    },
}


class GitError(NotebookStepError):
    """The git step failed for a reason the user can fix; the message says how."""


def git_text(lang: str) -> dict[str, str]:
    """The messages of ``lang`` (English for any other value)."""
    return GIT_TEXT.get(lang, GIT_TEXT["en"])
