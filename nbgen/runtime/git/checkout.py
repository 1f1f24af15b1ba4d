"""``nbgen.git_checkout(GIT_URL, ...)``: the repository on the runtime's disk, as the work folder.

The first run clones into a scratch folder beside the destination and moves the clone into
place whole, stamped as nbgen's inside its ``.git`` (``.git/.nbgen-owned``: never part of the
working tree, never committed). A later run pulls fast-forward only, and only a clone that
carries that stamp for the same address: a user's own clone of the repository is used as it
is and never pulled, anything else in the way is refused. Tracked files with changes, a
detached HEAD, another branch or history that diverged are never touched: one line says why
and what to do.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from nbgen.runtime.git.run import GitRunner, GitToken, git_version
from nbgen.runtime.git.text import GitError, git_text
from nbgen.runtime.git.urls import GitRemote, check_branch, parse_git_url, same_remote
from nbgen.runtime.ownership.files import write_file
from nbgen.runtime.ownership.folders import (
    clean_scratch,
    folder_stamp,
    move_into_place,
    remove_scratch,
    scratch_folder,
    stamp_folder,
)
from nbgen.runtime.ownership.proofs import inside_owned
from nbgen.runtime.platforms.env import detect_platform, platform_path
from nbgen.runtime.platforms.secrets import SecretError, find_secret, secret_report

# where a repository goes by default: the runtime's own disk (fast; Drive is slow for git)
GIT_HOME = {"colab": "/content", "kaggle": "/kaggle/working", "local": ""}
GIT_CLONE_KIND = "git-clone"  # the stamp in .git of a clone nbgen made


def git_checkout(
    url: str, branch: str = "", token_secret: str = "", dest: str = "", lang: str = "en"
) -> Path | None:
    """Clone ``url`` (or pull the clone nbgen made before), make it the working folder and put
    it on ``sys.path``. Returns its path, or None when ``url`` is empty."""
    text = git_text(lang)
    if not url.strip():
        print(text["skipped"])
        return None
    remote = parse_git_url(url, lang)
    wanted = check_branch(branch, lang)
    target = git_target(remote, dest, lang)
    token = _git_token(token_secret, lang)
    if token is not None and git_version(lang) < (2, 31):
        version = ".".join(map(str, git_version(lang)))
        raise GitError(text["old_git"].format(version=version))
    git = GitRunner(remote, token, lang)
    clean_scratch(target.parent, target.name)
    if target.is_symlink() and not target.exists():
        raise GitError(text["broken_link"].format(path=target))
    if not target.exists() or _git_empty_folder(target):
        _git_clone(git, target, wanted, lang)
    else:
        _git_update(git, target, wanted, lang)
    os.chdir(target)
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))
    importlib.invalidate_caches()  # the folder is new on sys.path, or its files changed
    return target


def git_target(remote: GitRemote, dest: str, lang: str = "en") -> Path:
    """Where the clone goes: GIT_DEST, an absolute path (a relative one would move with the
    working folder, which this step changes), else the platform's local disk
    (``/content/<name>`` on Colab; locally beside the notebook, or here on a re-run)."""
    value = dest.strip()
    if value and (".." in Path(value).parts or not Path(value).is_absolute()):
        raise GitError(git_text(lang)["bad_dest"].format(dest=dest))
    if value:
        return Path(platform_path(value))
    home = GIT_HOME[detect_platform()]
    if home:
        return Path(platform_path(home)) / remote.name
    here = Path.cwd()
    return here if here.name == remote.name else here / remote.name


def _git_token(name: str, lang: str) -> GitToken | None:
    name = name.strip()
    if not name:
        return None
    found = find_secret(name, lang=lang)
    if found.value is None:
        raise SecretError("GIT_TOKEN_SECRET: " + secret_report(found, lang))
    return GitToken(str(found.value), name, found.value.secret_source)


def _git_clone(git: GitRunner, target: Path, branch: str, lang: str) -> None:
    text = git_text(lang)
    print(text["cloning"].format(url=git.remote.url, path=target), flush=True)
    scratch = scratch_folder(target.parent, target.name, lang)
    try:
        work = scratch / target.name
        args = ["clone", "--progress", "--origin", "origin"]
        args += ["--branch", branch] if branch else []
        git.check([*args, "--", git.remote.url, str(work)], stream=True, branch=branch)
        stamp_folder(work / ".git", GIT_CLONE_KIND, url=git.remote.url)
        _git_exclude_state(work)
        if not target.exists():
            move_into_place(work, target, proof=None, lang=lang)
        else:  # an empty folder (the Drive cell makes WORK_FOLDER): filled, .git last, so a
            # stamped clone is always a whole one
            entries = sorted(work.iterdir(), key=lambda entry: entry.name == ".git")
            for entry in entries:
                move_into_place(entry, target / entry.name, proof=None, lang=lang)
    finally:
        remove_scratch(scratch)
    head = _git_out(git, target, "rev-parse", "--short", "HEAD") or "-"  # "-": no commit yet
    name = _git_out(git, target, "symbolic-ref", "--quiet", "--short", "HEAD") or "HEAD"
    print(text["cloned"].format(url=git.remote.url, branch=name, commit=head, path=target))


def _git_update(git: GitRunner, target: Path, branch: str, lang: str) -> None:
    text = git_text(lang)
    url, fields = git.remote.url, {"path": target, "url": git.remote.url}
    if not target.is_dir():
        raise GitError(text["is_file"].format(**fields))
    if not (target / ".git").exists():
        raise GitError(text["in_way"].format(**fields))
    origin = _git_out(git, target, "config", "--get", "remote.origin.url")
    if not same_remote(origin, url):
        raise GitError(text["other_clone"].format(other=origin or "?", **fields))
    stamp = folder_stamp(target / ".git")
    if stamp.get("nbgen") != GIT_CLONE_KIND or not same_remote(str(stamp.get("url", "")), url):
        print(text["users_clone"].format(**fields))  # the user's working tree: never pulled
        return
    current = _git_out(git, target, "symbolic-ref", "--quiet", "--short", "HEAD")
    old = _git_out(git, target, "rev-parse", "HEAD")
    if not current:
        default = _git_out(git, target, "symbolic-ref", "--short", "refs/remotes/origin/HEAD")
        follow = branch or default.removeprefix("origin/") or "main"
        print(text["detached"].format(commit=old[:10], branch=follow, **fields))
        return
    if branch and current != branch:
        print(text["other_branch"].format(current=current, branch=branch, **fields))
        return
    git.check(["fetch", "--quiet", "origin", current], target, branch=current)
    new = _git_out(git, target, "rev-parse", "FETCH_HEAD")
    fields.update(branch=current, old=old[:10], new=new[:10], commit=old[:10])
    if new == old:
        print(text["up_to_date"].format(**fields))
    elif _git_is_ancestor(git, target, new, old):
        print(text["ahead"].format(ahead=_git_count(git, target, new, old), **fields))
    elif not _git_is_ancestor(git, target, old, new):
        ahead, behind = _git_count(git, target, new, old), _git_count(git, target, old, new)
        print(text["diverged"].format(ahead=ahead, behind=behind, **fields))
    else:
        _git_fast_forward(git, target, old, new, fields, lang)


def _git_fast_forward(
    git: GitRunner, target: Path, old: str, new: str, fields: dict[str, object], lang: str
) -> None:
    text = git_text(lang)
    status = git.check(
        ["status", "--porcelain", "-z", "--no-renames", "--untracked-files=no"], target
    )
    changed = [entry[3:] for entry in status.split("\0") if len(entry) > 3]
    if changed:
        print(text["dirty"].format(files=_git_list(changed), **fields))
        return
    result = git.run(["merge", "--ff-only", "--no-edit", new], target)
    if result.code != 0:
        if "untracked working tree files would be overwritten" in result.output:
            files = [line.strip() for line in result.output.splitlines() if line.startswith("\t")]
            print(text["untracked"].format(files=_git_list(files), **fields))
            return
        raise GitError(git.explain("merge", result.output))
    print(text["pulled"].format(count=_git_count(git, target, old, new), **fields))
    touched = _git_out(git, target, "diff", "--name-only", "-z", old, new).split("\0")
    stale = git_stale_modules(target, [name for name in touched if name])
    if stale:
        print(text["stale"].format(modules=", ".join(stale)))


def _git_empty_folder(path: Path) -> bool:
    try:
        return path.is_dir() and not path.is_symlink() and next(path.iterdir(), None) is None
    except OSError:
        return False


def _git_exclude_state(work: Path) -> None:
    """Keep nbgen's own state folder (``.nbgen``, when the clone is also the work folder) out of
    ``git status`` and ``git add -A``: a line in the clone's ``.git/info/exclude``."""
    exclude = work / ".git" / "info" / "exclude"
    try:
        old = exclude.read_bytes()
    except OSError:
        old = b""
    line = b"/.nbgen/\n"
    if line not in old:
        data = old + (b"" if not old or old.endswith(b"\n") else b"\n") + line
        write_file(exclude, data, proof=inside_owned(work / ".git", GIT_CLONE_KIND))


def git_stale_modules(root: Path, changed: list[str]) -> list[str]:
    """Imported modules whose file under ``root`` is among ``changed`` (paths relative to it)."""
    files = {os.path.normcase(os.path.realpath(root / name)) for name in changed}
    stale = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and os.path.normcase(os.path.realpath(path)) in files:
            stale.append(name)
    return sorted(stale)


def _git_list(files: list[str], limit: int = 5) -> str:
    shown = ", ".join(files[:limit])
    return shown + (f" (+{len(files) - limit})" if len(files) > limit else "")


def _git_out(git: GitRunner, cwd: Path, *args: str) -> str:
    result = git.run(args, cwd)
    return result.output.strip() if result.code == 0 else ""


def _git_is_ancestor(git: GitRunner, cwd: Path, older: str, newer: str) -> bool:
    return git.run(["merge-base", "--is-ancestor", older, newer], cwd).code == 0


def _git_count(git: GitRunner, cwd: Path, since: str, until: str) -> int:
    out = _git_out(git, cwd, "rev-list", "--count", f"{since}..{until}")
    return int(out) if out.isdigit() else 0
