"""`nbgen kaggle run | status | fetch` as a user runs them: the installed command, the real kaggle
client (2.0.2 and the newest) in its child process, the loopback Kaggle API stand-in."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kaggle_api import KEY, TOKEN, KaggleStandin, KernelRun, KernelVersion, kaggle_standin

pytestmark = pytest.mark.slow  # the kaggle client in a subprocess

KERNEL = "nbgen-user/train-cats"
OLD_RUN = KernelRun(files={"checkpoints/step-100.pt": b"OLD-100", "metrics.csv": b"old"})


def notebook_json(sources: list[str] | None = None) -> dict[str, Any]:
    """A markdown title, then code cells ``print(2)`` ... ``print(7)`` (cells 2 to 7)."""
    cells: list[dict[str, Any]] = [
        {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# Train cats"}
    ]
    for i, source in enumerate(sources or [f"print({i})" for i in range(2, 8)], 2):
        cells.append({"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": source,
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": "old\n"}],
                      "execution_count": 3})  # fmt: skip
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def notebook(path: Path, sources: list[str] | None = None) -> Path:
    path.write_text(json.dumps(notebook_json(sources)))
    return path


def executed_with_error(cell: int, error: str) -> bytes:
    """``__notebook__.ipynb`` as papermill leaves it on Kaggle: an error output in ``cell``."""
    nb = notebook_json()
    ename, _, evalue = error.partition(": ")
    nb["cells"][cell - 1]["outputs"] = [{"output_type": "error", "ename": ename, "evalue": evalue,
                                         "traceback": ["\x1b[0;31m----\x1b[0m", error]}]  # fmt: skip
    return json.dumps(nb).encode()


@pytest.fixture
def api() -> Iterator[KaggleStandin]:
    state = KaggleStandin(kernels={KERNEL: [KernelVersion(1, OLD_RUN)]})
    with kaggle_standin(state) as running:
        yield running


def nbgen(
    api: KaggleStandin, cwd: Path, *args: str, client: dict[str, str] | None = None,
    token: str = TOKEN,
) -> subprocess.CompletedProcess[str]:  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "nbgen", "kaggle", *args], cwd=cwd, capture_output=True,
        text=True, env=env_for(api, cwd, token, client), timeout=180, check=False,
    )  # fmt: skip
    for secret in (KEY, TOKEN):
        assert secret not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def env_for(
    api: KaggleStandin, cwd: Path, token: str, client: dict[str, str] | None
) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KAGGLE_", "COLAB_"))}
    env = {**clean, **api.env, "HOME": str(cwd / "home"), "KAGGLE_API_TOKEN": token}
    return {**env, **(client or {})}


def test_push_follow_and_fetch_the_pushed_versions_outputs_only(
    api: KaggleStandin, tmp_path: Path, kaggle_client: dict[str, str]
) -> None:
    user_notebook = notebook(tmp_path / "train-cats.ipynb")
    before = user_notebook.read_bytes()
    api.next_run = KernelRun(
        plan=[(0.0, "QUEUED"), (0.5, "RUNNING"), (2.0, "COMPLETE")],
        log=[(0.6, "epoch 1/3  loss 0.412"), (1.2, "epoch 2/3  loss 0.301")],
        files={"checkpoints/step-100.pt": b"NEW-100", "checkpoints/step-200.pt": b"NEW-200",
               "metrics.csv": b"new", "__notebook__.ipynb": b"{}"},
    )  # fmt: skip
    result = nbgen(
        api, tmp_path, "run", "train-cats.ipynb", "--gpu", "t4x2", "--data", "titanic",
        "--data", "https://www.kaggle.com/datasets/owner/cats", "--outputs", "checkpoints/**",
        "-o", "out", "--poll", "0.3", client=kaggle_client,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (f"pushed {KERNEL} (version 2) with GPU T4 x2, Internet on, "
                        "1 data set, 1 competition attached")  # fmt: skip
    assert any(re.fullmatch(r"queued \.\.\. 00:0\d", x) for x in lines)  # a loaded machine: 00:01
    assert any(x.startswith("running ... ") for x in lines)
    assert lines[-1].startswith("complete in ")
    assert lines[-1].endswith("2 files of 4 match --outputs: out/checkpoints/step-100.pt, "
                              "out/checkpoints/step-200.pt; log: out/train-cats.log")  # fmt: skip
    assert (tmp_path / "out/checkpoints/step-100.pt").read_bytes() == b"NEW-100"  # not OLD-100
    assert not (tmp_path / "out/metrics.csv").exists()
    gets = [r for r in api.requests if r.startswith("GET /signed/")]
    assert gets and all("/v2/" in r for r in gets)  # version 1's files were never asked for
    streams = any("/logs/stream/" in r for r in api.requests)
    assert streams == bool(kaggle_client)  # the newest client streams the log, 2.0.2 cannot
    if streams:
        assert "  | epoch 2/3  loss 0.301" in lines
    else:
        assert any("cannot stream a run's log" in x for x in lines)
    [body] = api.pushed
    assert body["slug"] == KERNEL and body["newTitle"] == "train cats"
    assert body["machineShape"] == "NvidiaTeslaT4Highmem" and body["enableGpu"] is True
    assert body["isPrivate"] is True and body["enableInternet"] is True
    assert body["competitionDataSources"] == ["titanic"]
    assert body["datasetDataSources"] == ["owner/cats"]
    pushed = json.loads(str(body["text"]))
    assert [c["source"] for c in pushed["cells"]][1] == "print(2)"
    assert all(c.get("outputs", []) == [] for c in pushed["cells"])
    assert TOKEN not in str(body)
    assert user_notebook.read_bytes() == before


def test_an_error_in_cell_5_exits_1_naming_it(
    api: KaggleStandin, tmp_path: Path, kaggle_client: dict[str, str]
) -> None:
    notebook(tmp_path / "train-cats.ipynb")
    api.next_run = KernelRun(
        plan=[(0.0, "RUNNING"), (0.5, "ERROR")], failure="Notebook Exception",
        files={"__notebook__.ipynb": executed_with_error(5, "ValueError: shapes do not align")},
    )  # fmt: skip
    result = nbgen(api, tmp_path, "run", "train-cats.ipynb", "--poll", "0.2", client=kaggle_client)
    assert result.returncode == 1
    assert (f"nbgen kaggle run: error: {KERNEL} v2 failed in cell 5 of train-cats.ipynb "
            "('print(5)'): ValueError: shapes do not align") in result.stderr  # fmt: skip
    assert f"nbgen kaggle fetch {KERNEL} --version 2" in result.stderr
    assert not (tmp_path / "kaggle-output").exists()


def test_ctrl_c_while_following_exits_130_with_the_follow_command(
    api: KaggleStandin, tmp_path: Path, kaggle_client: dict[str, str]
) -> None:
    notebook(tmp_path / "train-cats.ipynb")
    api.next_run = KernelRun(plan=[(0.0, "RUNNING")], log=[(0.1, "step 1")])
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbgen", "kaggle", "run", "train-cats.ipynb", "--poll", "0.2",
         "--outputs", "*.pt"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env_for(api, tmp_path, TOKEN, kaggle_client),
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("running ... "):
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "goes on running at Kaggle" in err and "Traceback" not in err
    assert f"nbgen kaggle run --follow {KERNEL} --version 2 --outputs '*.pt'" in err
    again = nbgen(api, tmp_path, "status", KERNEL, "--version", "2")
    assert again.stdout.startswith(f"{KERNEL} v2: running; follow it: nbgen kaggle run --follow")


def test_cancelled(api: KaggleStandin, tmp_path: Path) -> None:
    notebook(tmp_path / "train-cats.ipynb")
    api.next_run = KernelRun(plan=[(0.0, "RUNNING"), (0.3, "CANCEL_ACKNOWLEDGED")])
    result = nbgen(api, tmp_path, "run", "train-cats.ipynb", "--poll", "0.2")
    assert result.returncode == 1
    assert f"{KERNEL} v2 was cancelled" in result.stderr and "nothing was fetched" in result.stderr


def test_rejected_credentials_and_a_private_notebook_of_another_account(
    api: KaggleStandin, tmp_path: Path
) -> None:
    notebook(tmp_path / "train-cats.ipynb")
    result = nbgen(api, tmp_path, "run", "train-cats.ipynb", token="KGAT_not_valid_42")
    assert result.returncode == 1 and api.pushed == []
    assert ("Kaggle rejected the credentials from environment (KAGGLE_API_TOKEN) (HTTP 401)"
            in result.stderr)  # fmt: skip
    api.forbidden_kernels.add("someone/private-nb")
    status = nbgen(api, tmp_path, "status", "https://www.kaggle.com/code/someone/private-nb")
    assert status.returncode == 1
    assert "Kaggle refused access to someone/private-nb (HTTP 403)" in status.stderr


@pytest.mark.parametrize(("error", "http"), [
    ("The notebook's title does not match its slug 'train-cats'", 0),
    ("Slug must be at least five characters", 400),
])  # fmt: skip
def test_a_push_the_api_refuses_says_its_reason_in_one_line(
    api: KaggleStandin, tmp_path: Path, error: str, http: int
) -> None:
    notebook(tmp_path / "train-cats.ipynb")
    api.push_error, api.push_status = error, http
    result = nbgen(api, tmp_path, "run", "train-cats.ipynb")
    assert result.returncode == 1
    assert result.stderr == f"nbgen kaggle: error: Kaggle refused the push of {KERNEL}: {error}\n"


def test_quota_and_phone_verification_have_their_own_remedy(
    api: KaggleStandin, tmp_path: Path
) -> None:
    notebook(tmp_path / "train-cats.ipynb")
    api.quota = {"gpuQuota": {"timeUsed": "108000s", "totalTimeAllowed": "108000s"},
                 "quotaRefreshTime": "2026-12-05T00:00:00.000Z"}  # fmt: skip
    api.push_error = "You have exceeded your weekly GPU quota"
    quota = nbgen(api, tmp_path, "run", "train-cats.ipynb")
    assert quota.returncode == 1
    assert (
        "the weekly GPU quota is used up (30.0 h of 30.0 h used this week; it refreshes 2026-12-05"
        in quota.stderr
    )
    assert "Run with --gpu none" in quota.stderr
    api.push_error = "Phone verification is required to use accelerators and the Internet"
    phone = nbgen(api, tmp_path, "run", "train-cats.ipynb")
    assert phone.returncode == 1 and "verify at https://www.kaggle.com/settings" in phone.stderr


def test_no_internet_and_a_network_error_say_so(api: KaggleStandin, tmp_path: Path) -> None:
    notebook(tmp_path / "train-cats.ipynb")
    error = "ConnectionError: Max retries exceeded with url: /resnet.pth"
    api.next_run = KernelRun(plan=[(0.0, "ERROR")],
                             files={"__notebook__.ipynb": executed_with_error(3, error)})  # fmt: skip
    result = nbgen(api, tmp_path, "run", "train-cats.ipynb", "--no-internet", "--gpu", "none")
    assert result.returncode == 1 and "failed in cell 3" in result.stderr
    assert "The run had no Internet (--no-internet)" in result.stderr
    assert api.pushed[0]["enableInternet"] is False and api.pushed[0]["enableGpu"] is False
    assert "machineShape" not in api.pushed[0]


def test_no_wait_then_status_and_fetch(api: KaggleStandin, tmp_path: Path) -> None:
    notebook(tmp_path / "train-cats.ipynb")
    api.next_run = KernelRun(plan=[(0.0, "RUNNING"), (4.0, "COMPLETE")],
                             files={"model.pt": b"w", "junk.tmp": b"x"})  # fmt: skip
    pushed = nbgen(api, tmp_path, "run", "train-cats.ipynb", "--no-wait", "--public")
    assert pushed.returncode == 0 and api.pushed[0]["isPrivate"] is False
    assert pushed.stdout.splitlines()[-1] == (
        f"not waiting; follow it with: nbgen kaggle run --follow {KERNEL} --version 2"
    )
    early = nbgen(api, tmp_path, "fetch", KERNEL, "--version", "2")
    assert early.returncode == 1 and "is running: its outputs come when it ends" in early.stderr
    started = api.kernels[KERNEL][1].started_at  # the run's clock starts at its first status
    assert started is not None
    time.sleep(max(0.0, started + 4.1 - time.monotonic()))
    assert nbgen(api, tmp_path, "status", f"{KERNEL}/2").stdout == (
        f"{KERNEL} v2: complete; its outputs: nbgen kaggle fetch {KERNEL} --version 2\n"
    )
    fetched = nbgen(api, tmp_path, "fetch", KERNEL, "--version", "2", "--outputs", "*.pt")
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.endswith(
        "1 file of 2 matches --outputs: kaggle-output/train-cats/v2/model.pt\n"
    )
    old = nbgen(api, tmp_path, "fetch", KERNEL, "--version", "1")
    assert old.returncode == 0
    assert (
        tmp_path / "kaggle-output/train-cats/v1/checkpoints/step-100.pt"
    ).read_bytes() == b"OLD-100"


def test_setup_cells_go_into_the_pushed_copy_only(api: KaggleStandin, tmp_path: Path) -> None:
    user_notebook = notebook(tmp_path / "train-cats.ipynb")
    before = user_notebook.read_bytes()
    result = nbgen(api, tmp_path, "run", "train-cats.ipynb", "--setup", "--data", "titanic",
                   "--no-wait")  # fmt: skip
    assert result.returncode == 0, result.stderr
    cells = json.loads(str(api.pushed[0]["text"]))["cells"]
    setup = [c for c in cells if "nbgen" in c.get("metadata", {})]
    assert setup and any("nbgen runtime" in c["source"] for c in setup)
    assert not any("bench" in json.dumps(c["metadata"]) for c in setup)  # no ResNet-101 first
    assert any("titanic" in c["source"] for c in setup)
    assert [c["source"] for c in cells if "nbgen" not in c.get("metadata", {})][1] == "print(2)"
    assert user_notebook.read_bytes() == before


def test_secrets_are_checked_named_once_and_never_pushed(
    api: KaggleStandin, tmp_path: Path
) -> None:
    reads = 'from kaggle_secrets import UserSecretsClient\nkey = UserSecretsClient().get_secret("WANDB_API_KEY")'
    notebook(tmp_path / "train-cats.ipynb", [reads, "train()"])
    result = nbgen(
        api, tmp_path, "run", "train-cats.ipynb", "--secret", "WANDB_API_KEY", "--no-wait"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("WANDB_API_KEY") == 1
    assert f"https://www.kaggle.com/code/{KERNEL}/edit, Add-ons > Secrets" in result.stdout
    unread = nbgen(api, tmp_path, "run", "train-cats.ipynb", "--secret", "HF_TOKEN")
    assert unread.returncode == 1 and "does not read it through kaggle_secrets" in unread.stderr
    notebook(tmp_path / "leaky.ipynb", [f'token = "{TOKEN}"'])
    leaky = subprocess.run(
        [sys.executable, "-m", "nbgen", "kaggle", "run", "leaky.ipynb", "--id", "me/leaky-nb"],
        cwd=tmp_path, capture_output=True, text=True, env=env_for(api, tmp_path, TOKEN, None),
        timeout=120, check=False,
    )  # fmt: skip
    assert leaky.returncode == 1
    assert (
        "cell 2 holds the value of KAGGLE_API_TOKEN; nbgen does not push a secret" in leaky.stderr
    )
    assert len(api.pushed) == 1  # only the first run pushed


@pytest.mark.parametrize(("args", "needle"), [
    (["missing.ipynb"], "missing.ipynb: no such notebook"),
    (["notes.txt"], "notes.txt: not a notebook (.ipynb)"),
    (["broken.ipynb"], "broken.ipynb: JSON, but not a notebook"),
    (["train-cats.ipynb", "--gpu", "v100"], "--gpu 'v100': not a Kaggle accelerator; choose one of t4, t4x2, l4, a100, h100, none"),
    (["train-cats.ipynb", "--gpu", "p100"], "--gpu p100: Kaggle has retired the P100"),
    (["train-cats.ipynb", "--id", "me/cat"], "--id 'me/cat': not OWNER/SLUG with a slug of 5 or more"),
    (["train-cats.ipynb", "--id", "train-cats"], "--id 'train-cats': not OWNER/SLUG"),
    (["cat.ipynb"], "cat.ipynb: its name gives the Kaggle slug 'cat'"),
    (["train-cats.ipynb", "-o", "notes.txt"], "-o notes.txt: is a file, not a folder"),
    (["train-cats.ipynb", "-o", "mine"], "-o mine: a folder of yours (nbgen did not make it)"),
    (["train-cats.ipynb", "--data", "not a ref!"], "--data: 'not a ref!' does not name Kaggle data"),
    (["train-cats.ipynb", "--poll", "0"], "--poll 0.0: give the seconds between status requests"),
    (["train-cats.ipynb", "--secret", "HF TOKEN"], "--secret 'HF TOKEN': a Kaggle Secret's name"),
    (["train-cats.ipynb", "--follow", KERNEL], "give a notebook to push, or --follow OWNER/SLUG, not both"),
    ([], "give the notebook to run"),
])  # fmt: skip
def test_bad_input_is_one_line_exit_1_and_nothing_pushed(
    api: KaggleStandin, tmp_path: Path, args: list[str], needle: str
) -> None:
    notebook(tmp_path / "train-cats.ipynb")
    notebook(tmp_path / "cat.ipynb")
    (tmp_path / "notes.txt").write_text("notes")
    (tmp_path / "broken.ipynb").write_text('{"cells": []}')
    (tmp_path / "mine").mkdir()
    result = nbgen(api, tmp_path, "run", *args)
    assert result.returncode == 1
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert api.requests == [] and api.pushed == []  # not even signed in


def test_unsafe_output_names_are_refused_and_nothing_lands_outside(
    api: KaggleStandin, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    notebook(work / "train-cats.ipynb")
    api.next_run = KernelRun(files={"model.pt": b"w", "../../escape.pt": b"evil"})
    result = nbgen(api, work, "run", "train-cats.ipynb", "--poll", "0.2", "-o", "out")
    assert result.returncode == 1
    assert "the output '../../escape.pt' would land outside out" in result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["train-cats.ipynb"]


def test_a_username_in_the_notebook_is_fine_a_key_is_not(
    api: KaggleStandin, tmp_path: Path
) -> None:
    from tests.kaggle_api import USERNAME

    env = {**env_for(api, tmp_path, "", None), "KAGGLE_USERNAME": USERNAME, "KAGGLE_KEY": KEY}
    env.pop("KAGGLE_API_TOKEN")

    def run(name: str, source: str) -> subprocess.CompletedProcess[str]:
        notebook(tmp_path / name, [source])
        return subprocess.run(
            [sys.executable, "-m", "nbgen", "kaggle", "run", name, "--no-wait"], cwd=tmp_path,
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip

    fine = run("by-user.ipynb", f'path = "/kaggle/input/{USERNAME}-data"')
    assert fine.returncode == 0, fine.stderr
    leaky = run("leaky-key.ipynb", f'key = "{KEY}"')
    assert leaky.returncode == 1 and "holds the value of KAGGLE_KEY" in leaky.stderr
    assert KEY not in leaky.stderr and len(api.pushed) == 1


@pytest.mark.parametrize(("where", "source", "env", "needle"), [
    ("metadata", "", {}, "its metadata holds the value of KAGGLE_API_TOKEN"),
    ("cell", "hf = 'hf_0123456789abcdefghijABCDEFGHIJkl'", {"HF_TOKEN": "hf_0123456789abcdefghijABCDEFGHIJkl"}, "cell 2 holds the value of HF_TOKEN"),
    ("cell", "gh = 'ghp_0123456789abcdefghijABCDEFGHIJ012345'", {}, "cell 2 holds what looks like a token (ghp_01...)"),
    ("cell", """!echo '{"username":"me","key":"0123456789abcdef0123456789abcdef"}' > kaggle.json""", {}, "cell 2 holds what looks like a token"),
])  # fmt: skip
def test_a_secret_anywhere_in_the_notebook_is_not_pushed(
    api: KaggleStandin, tmp_path: Path, where: str, source: str, env: dict[str, str],
    needle: str,
) -> None:  # fmt: skip
    """Not only the credentials in use: the notebook's own metadata, secrets set in the
    environment without --secret, and tokens known by their form."""
    path = notebook(tmp_path / "train-cats.ipynb", [source or "print(1)"])
    if where == "metadata":
        nb = json.loads(path.read_text())
        nb["metadata"]["colab"] = {"token": TOKEN}
        path.write_text(json.dumps(nb))
    result = nbgen(api, tmp_path, "run", "train-cats.ipynb", "--no-wait", client=env)
    assert result.returncode == 1 and needle in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and api.pushed == []
    for value in env.values():
        assert value not in result.stderr


def test_a_windows_saved_notebook_is_pushed_as_it_reads(api: KaggleStandin, tmp_path: Path) -> None:
    """A UTF-8 BOM and CRLF line endings (a notebook saved on Windows): read, pushed as JSON."""
    text = json.dumps(notebook_json(["print('héllo')\r\nx = 1"]), indent=1)
    (tmp_path / "windows-nb.ipynb").write_bytes(
        b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    )
    result = nbgen(api, tmp_path, "run", "windows-nb.ipynb", "--no-wait")
    assert result.returncode == 0, result.stderr
    cells = json.loads(str(api.pushed[0]["text"]))["cells"]
    assert cells[1]["source"] == "print('héllo')\r\nx = 1"
