"""Code from git, against a real git server on loopback (``git http-backend`` behind basic
auth): clone, pull, every refusal, and the token in no file, URL, config or output."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

from nbgen.runtime.git.checkout import git_checkout, git_target
from nbgen.runtime.git.text import GitError
from nbgen.runtime.git.urls import check_branch, parse_git_url, redact_url, same_remote
from nbgen.runtime.ownership.folders import stamp_folder
from nbgen.runtime.platforms.secrets import SecretError
from tests.git_server import TOKEN, GitServer, commit, git, git_server, make_repo

pytestmark = pytest.mark.slow
NAMES = count()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitServer]:
    with git_server(tmp_path_factory.mktemp("git") / "srv") as running:
        yield running


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A local platform, a working folder of the test's, and sys.path/sys.modules restored."""
    for name in ("KAGGLE_KERNEL_RUN_TYPE", "COLAB_RELEASE_TAG", "GITHUB_TOKEN", "GIT_CONFIG_COUNT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    modules = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - modules:
        del sys.modules[name]


def repo(server: GitServer, access: str = "public", **files: str) -> tuple[str, Path]:
    name = f"proj{next(NAMES)}"
    upstream = make_repo(server, name, files or {"model.py": "X = 1\n"}, access)
    return name, upstream


def head(path: Path) -> str:
    return git("rev-parse", "HEAD", cwd=path)


def files_hold(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_a_private_clone_with_the_token_in_no_file_url_or_output(
    server: GitServer, here: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    name, _ = repo(server, "private")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    before = len(server.requests)
    path = git_checkout(server.url(name), token_secret="GITHUB_TOKEN", dest=str(here / "code"))
    assert path == here / "code" and Path.cwd() == path and sys.path[0] == str(path)
    assert (path / "model.py").read_text() == "X = 1\n"
    out = capsys.readouterr().out
    assert f"Cloned {server.url(name)} (main at " in out and TOKEN not in out
    assert files_hold(here, TOKEN) == []  # nothing under the clone (.git/config included)
    assert git("config", "--get", "remote.origin.url", cwd=path) == server.url(name)
    assert [p.name for p in here.iterdir()] == ["code"]  # no scratch folder left
    sent = server.requests[before:]
    assert sent and all(TOKEN not in path for path, _ in sent)  # never in a URL
    assert all("Authorization" in headers for _, headers in sent)  # only as the header
    assert importlib.import_module("model").X == 1


def test_a_pull_names_the_modules_that_need_a_restart(
    server: GitServer, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, upstream = repo(server, **{"model.py": "X = 1\n", "util.py": "Y = 1\n"})
    path = git_checkout(server.url(name))  # locally: beside the notebook, then from inside
    assert path == here / name
    model, util = importlib.import_module("model"), importlib.import_module("util")
    assert (model.X, util.Y) == (1, 1)
    commit(upstream, {"model.py": "X = 2\n"}, "second")
    commit(upstream, {"data.txt": "new\n"}, "third")
    capsys.readouterr()
    assert git_checkout(server.url(name)) == path
    out = capsys.readouterr().out
    assert "pulled main, new commits: 2" in out
    assert "still the old code: model. Runtime > Restart session" in out  # util did not change
    assert (path / "data.txt").read_text() == "new\n" and head(path) == head(upstream)
    git_checkout(server.url(name), dest=str(path))
    assert "up to date with main" in capsys.readouterr().out


def test_local_changes_are_never_pulled_over(
    server: GitServer, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, upstream = repo(server)
    path = git_checkout(server.url(name), dest=str(here / "code"))
    assert path is not None
    (path / "model.py").write_text("X = 'mine'\n")
    (path / "notes.txt").write_text("untracked notes\n")  # untracked: no reason to refuse
    mine = head(path)
    commit(upstream, {"model.py": "X = 2\n"}, "second")
    git_checkout(server.url(name), dest=str(here / "code"))
    out = capsys.readouterr().out
    assert "not pulled: uncommitted changes in model.py. Commit them" in out
    assert "Nothing was changed." in out
    assert (path / "model.py").read_text() == "X = 'mine'\n" and head(path) == mine


def test_diverged_history_is_not_pulled(
    server: GitServer, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, upstream = repo(server)
    path = git_checkout(server.url(name), dest=str(here / "code"))
    assert path is not None
    (path / "mine.py").write_text("M = 1\n")
    git("add", "mine.py", cwd=path)
    git("commit", "-m", "mine", cwd=path)
    mine = head(path)
    commit(upstream, {"model.py": "X = 2\n"}, "theirs")
    git_checkout(server.url(name), dest=str(here / "code"))
    out = capsys.readouterr().out
    assert "not pulled: main has 1 commits of yours that the remote does not" in out
    assert head(path) == mine


def test_commits_not_pushed_yet_are_only_mentioned(
    server: GitServer, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, _ = repo(server)
    path = git_checkout(server.url(name), dest=str(here / "code"))
    assert path is not None
    git("commit", "--allow-empty", "-m", "mine", cwd=path)
    mine = head(path)
    git_checkout(server.url(name), dest=str(here / "code"))
    assert "1 commits of yours are not on the remote yet (push them)" in capsys.readouterr().out
    assert head(path) == mine


def test_an_untracked_file_in_the_way_of_the_pull(
    server: GitServer, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, upstream = repo(server)
    path = git_checkout(server.url(name), dest=str(here / "code"))
    assert path is not None
    (path / "data.csv").write_text("mine\n")
    commit(upstream, {"data.csv": "theirs\n"}, "adds data.csv")
    git_checkout(server.url(name), dest=str(here / "code"))
    assert "would overwrite files of yours that git does not track (data.csv)" in (
        capsys.readouterr().out
    )
    assert (path / "data.csv").read_text() == "mine\n"


def test_a_detached_head_or_another_branch_is_left_alone(
    server: GitServer, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, _ = repo(server)
    path = git_checkout(server.url(name), dest=str(here / "code"))
    assert path is not None
    git("switch", "-c", "experiment", cwd=path)
    git_checkout(server.url(name), branch="main", dest=str(here / "code"))
    assert "it is on branch experiment, not main" in capsys.readouterr().out
    git("checkout", "--detach", "HEAD", cwd=path)
    git_checkout(server.url(name), dest=str(here / "code"))
    assert "HEAD is detached at" in capsys.readouterr().out


def test_the_users_own_clone_is_used_and_never_pulled(
    server: GitServer, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, upstream = repo(server)
    git("clone", server.url(name).removesuffix(".git"), str(here / "mine"))  # another spelling
    before = head(here / "mine")
    commit(upstream, {"model.py": "X = 2\n"}, "second")
    path = git_checkout(server.url(name), dest=str(here / "mine"))
    assert path == here / "mine" and Path.cwd() == path
    assert "is your own clone of" in capsys.readouterr().out
    assert head(path) == before and not (path / ".git" / ".nbgen-owned").exists()


def test_what_is_in_the_way_is_refused_and_kept(server: GitServer, here: Path) -> None:
    name, _ = repo(server)
    other, _ = repo(server)
    (here / "folder").mkdir()
    (here / "folder" / "work.py").write_text("mine\n")
    with pytest.raises(GitError, match="is a folder of yours, not a clone of"):
        git_checkout(server.url(name), dest=str(here / "folder"))
    assert [p.name for p in (here / "folder").iterdir()] == ["work.py"]
    (here / "file").write_text("mine\n")
    with pytest.raises(GitError, match="is a file, not a folder"):
        git_checkout(server.url(name), dest=str(here / "file"))
    assert (here / "file").read_text() == "mine\n"
    git_checkout(
        server.url(other), dest=str(here / "clone")
    )  # nbgen's clone, of another repository
    with pytest.raises(GitError, match=f"is a clone of {server.url(other)}, not of"):
        git_checkout(server.url(name), dest=str(here / "clone"))
    assert (here / "clone" / "model.py").is_file()


def test_a_scratch_folder_a_kill_left_is_cleaned(server: GitServer, here: Path) -> None:
    name, _ = repo(server)
    left = here / ".code.nbgen-killed"
    left.mkdir()
    stamp_folder(left, "scratch", name="code")
    (left / "code").mkdir()
    users = here / ".code.nbgen-mine"  # named like one, but the user's
    users.mkdir()
    git_checkout(server.url(name), dest=str(here / "code"))
    assert not left.exists() and users.is_dir()


@pytest.mark.parametrize(
    ("access", "token", "needle"),
    [
        pytest.param("private", None, "asks for credentials (HTTP 401)", id="401-no-token"),
        pytest.param(
            "private",
            "wrong",
            "the token from environment (GITHUB_TOKEN) was rejected (HTTP 401)",
            id="401-bad-token",
        ),
        pytest.param(
            "forbidden",
            TOKEN,
            "access refused (HTTP 403) with the token from environment (GITHUB_TOKEN)",
            id="403",
        ),
    ],
)
def test_each_refusal_of_the_server_has_its_line(
    server: GitServer, here: Path, monkeypatch: pytest.MonkeyPatch, access: str,
    token: str | None, needle: str,
) -> None:  # fmt: skip
    name, _ = repo(server, access)
    if token is not None:
        monkeypatch.setenv("GITHUB_TOKEN", token)
    with pytest.raises(GitError, match=needle.replace("(", r"\(").replace(")", r"\)")) as info:
        git_checkout(
            server.url(name), token_secret="GITHUB_TOKEN" if token else "", dest=str(here / "c")
        )
    assert TOKEN not in str(info.value)
    assert list(here.iterdir()) == []  # nothing left behind


def test_not_found_no_branch_and_no_network(server: GitServer, here: Path) -> None:
    name, _ = repo(server)
    with pytest.raises(GitError, match=r"no such repository \(HTTP 404\). A private"):
        git_checkout(server.url("nothing-here"), dest=str(here / "c"))
    with pytest.raises(GitError, match="has no branch 'nope'"):
        git_checkout(server.url(name), branch="nope", dest=str(here / "c"))
    with pytest.raises(GitError, match="cannot be reached"):
        git_checkout("http://127.0.0.1:9/x.git", dest=str(here / "c"))
    assert list(here.iterdir()) == []


def test_a_missing_token_secret_names_where_nbgen_looked(server: GitServer, here: Path) -> None:
    name, _ = repo(server, "private")
    with pytest.raises(SecretError, match="GIT_TOKEN_SECRET: GITHUB_TOKEN was not found"):
        git_checkout(server.url(name), token_secret="GITHUB_TOKEN", dest=str(here / "c"))
    with pytest.raises(SecretError, match="is not a secret name"):
        git_checkout(server.url(name), token_secret="GITHUB TOKEN", dest=str(here / "c"))


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        pytest.param(
            f"https://me:{TOKEN}@github.com/me/p.git",
            "holds a user name or token",
            id="user-password",
        ),
        pytest.param(f"https://{TOKEN}@github.com/me/p", "holds a user name or token", id="token"),
        pytest.param(
            f"https://github.com/me/p.git?access_token={TOKEN}", "no '?' or '#'", id="query"
        ),
        pytest.param("git@github.com:me/p.git", "SSH needs a key", id="scp-ssh"),
        pytest.param("ssh://git@github.com/me/p.git", "SSH needs a key", id="ssh"),
        pytest.param("github.com/me/p", "is not a git address", id="no-scheme"),
        pytest.param("ftp://example.com/p.git", "is not a git address", id="ftp"),
        pytest.param("https://github.com", "is not a git address", id="no-path"),
        pytest.param("https://github.com/me/p/tree/dev", "use https://github.com/me/p", id="page"),
        pytest.param("https://example.com/a/../b", "is not a git address", id="dotdot"),
        pytest.param("https://example.com:99999/p", "is not a git address", id="port"),
        pytest.param("https://example.com/p\u2028x", "is not a git address", id="line-sep"),
    ],
)
def test_a_git_url_that_cannot_be_one_is_refused_without_repeating_a_token(
    url: str, needle: str, here: Path
) -> None:
    with pytest.raises(GitError, match=needle.replace("?", r"\?")) as info:
        git_checkout(url, dest=str(here / "c"))
    assert TOKEN not in str(info.value)
    assert list(here.iterdir()) == []


def test_urls_branches_and_destinations() -> None:
    remote = parse_git_url("  HTTPS://GitHub.com/Me/Project.git/ ")
    assert remote == ("https://github.com/Me/Project.git", "github.com", "Project")
    assert parse_git_url("http://127.0.0.1:8080/x").url == "http://127.0.0.1:8080/x"
    assert redact_url("https://a:b@h/p?t=1") == "https://***@h/p?***"
    assert same_remote("https://GITHUB.com/me/p.git", "https://github.com/me/p/")
    assert not same_remote("https://github.com/me/p", "https://github.com/me/q")
    assert check_branch(" feature/x-1 ") == "feature/x-1" and check_branch("") == ""
    for bad in ("-x", "a..b", "a b", "x.lock", "a/", "@{u}", "a\nb", "/a"):
        with pytest.raises(GitError, match="is not a branch name"):
            check_branch(bad)
    for dest in ("../x", "relative/x", "/content/../etc"):
        with pytest.raises(GitError, match="must be an absolute folder path"):
            git_target(remote, dest)


def test_the_default_destination_is_the_runtimes_local_disk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    remote = parse_git_url("https://github.com/me/project")
    monkeypatch.setenv("COLAB_RELEASE_TAG", "x")
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    monkeypatch.setenv("NBGEN_CONTENT_ROOT", str(tmp_path / "content"))
    assert git_target(remote, "") == tmp_path / "content" / "project"
    assert git_target(remote, "/content/drive/MyDrive/p") == tmp_path / "content/drive/MyDrive/p"
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Batch")
    monkeypatch.setenv("NBGEN_KAGGLE_ROOT", str(tmp_path / "kaggle"))
    assert git_target(remote, "") == tmp_path / "kaggle" / "working" / "project"


def test_an_empty_url_does_nothing(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert git_checkout("  ", lang="zh") is None
    assert "GIT_URL 为空" in capsys.readouterr().out and Path.cwd() == here


def test_the_token_goes_only_to_the_git_process_environment(
    server: GitServer, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GIT_CONFIG_COUNT the user set is kept; the token is not left in this process."""
    name, _ = repo(server, "private")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.name")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "someone")
    git_checkout(server.url(name), token_secret="GITHUB_TOKEN", dest=str(here / "c"))
    assert os.environ["GIT_CONFIG_COUNT"] == "1"
    assert not any(TOKEN in v for k, v in os.environ.items() if k != "GITHUB_TOKEN")


def test_an_empty_folder_is_filled_and_nbgens_state_stays_out_of_git_status(
    server: GitServer, here: Path
) -> None:
    """The Drive cell makes WORK_FOLDER; GIT_DEST may be that same, empty, folder."""
    name, upstream = repo(server)
    (here / "work").mkdir()
    path = git_checkout(server.url(name), dest=str(here / "work"))
    assert path == here / "work" and (path / "model.py").is_file()
    assert (path / ".git" / ".nbgen-owned").is_file()
    (path / ".nbgen").mkdir()
    (path / ".nbgen" / "environment.json").write_text("{}")
    assert git("status", "--porcelain", cwd=path) == ""
    commit(upstream, {"model.py": "X = 2\n"}, "second")
    git_checkout(server.url(name), dest=str(path))
    assert (path / "model.py").read_text() == "X = 2\n"


def test_a_link_to_nowhere_is_named(server: GitServer, here: Path) -> None:
    name, _ = repo(server)
    (here / "dangling").symlink_to(here / "nowhere")
    with pytest.raises(GitError, match="a symbolic link that leads nowhere"):
        git_checkout(server.url(name), dest=str(here / "dangling"))
    assert (here / "dangling").is_symlink() and not (here / "nowhere").exists()


def test_a_token_pasted_with_a_line_break_still_works(
    server: GitServer, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, _ = repo(server, "private")
    monkeypatch.setenv("GITHUB_TOKEN", f" {TOKEN}\r\n")
    assert git_checkout(server.url(name), token_secret="GITHUB_TOKEN", dest=str(here / "c"))
