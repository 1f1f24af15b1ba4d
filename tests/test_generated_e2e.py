"""Generated notebooks run top to bottom in a real kernel, under the Colab and Kaggle stand-ins,
with the real kaggle client talking to a loopback stand-in of the Kaggle API.

No GPU here, so the benchmark cell runs its CPU check: a bounded number of small steps, read
from the cell's own printed report (never a wall-clock bound: speed goes in benchmarks/).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nbgen.convert.ipynb import dumps_notebook
from nbgen.runtime.bench.cell import CPU_CHECK
from nbgen.runtime.bench.report import _BENCH_TEXT
from tests.conftest import run_nbgen
from tests.convert.helpers import notebook
from tests.kaggle_api import KEY, TOKEN, USERNAME, KaggleStandin, kaggle_standin, make_zip
from tests.regenerate import GENERATED

pytestmark = pytest.mark.slow
CATS = make_zip({"cats.csv": b"name\ntom\n"})
TITANIC = make_zip({"train.csv": b"id,survived\n1,0\n"})


@pytest.fixture(scope="module")
def api() -> Iterator[KaggleStandin]:
    state = KaggleStandin(
        datasets={"owner/cats": CATS, "zalando-research/fashionmnist": CATS},
        competitions={"titanic": TITANIC},
        rules_accepted={"titanic"},
    )
    with kaggle_standin(state) as running:
        yield running


def clean_env(api: KaggleStandin, home: Path, **extra: str) -> dict[str, str]:
    env = {k: "" for k in os.environ if k.startswith(("KAGGLE_", "COLAB_", "NBGEN_"))}
    return {**env, **api.env, "HOME": str(home), **extra}


def generate(tmp_path: Path, *args: str) -> Path:
    nb = tmp_path / "setup.ipynb"
    result = run_nbgen("new", "-o", str(nb), "--project", "proj", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return nb


def run(
    nb: Path, api: KaggleStandin, *run_args: str, **env: str
) -> tuple[int, dict[str, Any], str]:
    home = nb.parent / "home"
    result = run_nbgen("run", str(nb), *run_args, cwd=nb.parent,
                       env=clean_env(api, home, **env), timeout=900)  # fmt: skip
    executed = json.loads(nb.with_name(nb.stem + ".run.ipynb").read_text())
    return result.returncode, executed, result.stderr


def outputs(nb: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for c in nb["cells"] for o in c.get("outputs", [])]


def text_of(nb: dict[str, Any]) -> str:
    return "".join("".join(o.get("text", "")) for o in outputs(nb))


def errors_of(nb: dict[str, Any]) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for o in outputs(nb) if o["output_type"] == "error"]


def assert_no_secret(nb: dict[str, Any], folder: Path) -> None:
    dumped = json.dumps(nb)
    for secret in (KEY, TOKEN):
        assert secret not in dumped
    for path in folder.rglob("*"):
        if path.is_file() and ".kaggle" not in path.parts and path.suffix != ".py":
            data = path.read_bytes()
            assert KEY.encode() not in data and TOKEN.encode() not in data, path


def assert_cpu_check(nb: dict[str, Any], lang: str = "en") -> None:
    """The cell ran the CPU check: its report says how many steps of how many images it timed
    (counted from the results), and those are the check's few small ones."""
    bench = next(c for c in nb["cells"] if c["metadata"].get("nbgen", {}).get("setup") == "bench"
                 and c["cell_type"] == "code")  # fmt: skip
    printed = "".join("".join(o.get("text", "")) for o in bench.get("outputs", []))
    timed = _BENCH_TEXT[lang]["timed"].format(
        steps=CPU_CHECK["steps"], batch=CPU_CHECK["batch_size"], warmup=CPU_CHECK["warmup"],
        learn=CPU_CHECK["learn_steps"],
    )  # fmt: skip
    assert timed in printed
    assert CPU_CHECK["steps"] * CPU_CHECK["batch_size"] <= 64 and CPU_CHECK["epochs"] == 0
    assert CPU_CHECK["learn_steps"] <= 30 and CPU_CHECK["stem"] == "imagenet"  # the small stem
    text = text_of(nb)
    assert (
        "CPU, not a GPU benchmark" if lang == "en" else "这是 CPU 检查，不是 GPU 性能测试"
    ) in text
    assert ("learns: true" if lang == "en" else "能够学习：是") in text
    assert any("image/png" in o.get("data", {}) for o in outputs(nb))


def test_on_colab_pasted_refs_go_to_local_disk(tmp_path: Path, api: KaggleStandin) -> None:
    nb = generate(tmp_path, "--kaggle-data", "kaggle datasets download -d owner/cats",
                  "--kaggle-data", "https://www.kaggle.com/competitions/titanic/data")  # fmt: skip
    page = tmp_path / "report.html"
    code, executed, err = run(nb, api, "--drive", str(tmp_path / "MyDrive"), "--html", str(page),
                              COLAB_SECRET_KAGGLE_API_TOKEN=TOKEN)  # fmt: skip
    assert code == 0, err
    assert errors_of(executed) == []
    html = page.read_text(encoding="utf-8")  # shareable without Jupyter: table and chart inside
    assert "train img/s" in html and "speedup (optimized / naive" in html
    assert re.search(r'<img [^>]*src="data:image/png;base64,', html)
    content = tmp_path / ".nbgen-run" / "content"
    assert (content / "data" / "datasets" / "owner" / "cats" / "latest" / "cats.csv").is_file()
    assert (content / "data" / "competitions" / "titanic" / "train.csv").is_file()
    assert not (tmp_path / "MyDrive" / "proj" / "data").exists()  # not on Drive
    text = text_of(executed)
    assert "Kaggle credentials: Colab Secrets (KAGGLE_API_TOKEN)" in text
    assert "Mounted at /content/drive" in text
    assert_cpu_check(executed)
    assert_no_secret(executed, tmp_path)


def test_on_kaggle_an_attached_input_is_used_in_place_in_chinese(
    tmp_path: Path, api: KaggleStandin
) -> None:
    inputs = tmp_path / "inputs" / "cats"
    inputs.mkdir(parents=True)
    (inputs / "cats.csv").write_text("name\ntom\n")
    nb = generate(tmp_path, "--lang", "zh", "--kaggle-data", "owner/cats")
    before = len(api.requests)
    code, executed, err = run(nb, api, "--platform", "kaggle", "--kaggle-input",
                              str(tmp_path / "inputs"))  # fmt: skip
    assert code == 0, err
    assert len(api.requests) == before  # nothing asked of Kaggle, no credentials needed
    text = text_of(executed)
    assert "已挂载到本 Kaggle 笔记本，直接使用" in text and "运行平台" in text
    assert_cpu_check(executed, "zh")


def test_on_kaggle_secrets_download_a_competition(tmp_path: Path, api: KaggleStandin) -> None:
    nb = generate(
        tmp_path, "--kaggle-data", "kaggle competitions download -c titanic", "--no-bench"
    )
    code, executed, err = run(nb, api, "--platform", "kaggle", KAGGLE_SECRET_KAGGLE_API_TOKEN=TOKEN)
    assert code == 0, err
    assert "Kaggle credentials: Kaggle Secrets (KAGGLE_API_TOKEN)" in text_of(executed)
    temp = tmp_path / ".nbgen-run" / "kaggle" / "temp"  # Kaggle's temporary disk, not the output
    assert (temp / "data" / "competitions" / "titanic" / "train.csv").is_file()
    assert not (tmp_path / ".nbgen-run" / "kaggle" / "working" / "data").exists()
    assert_no_secret(executed, tmp_path)


def snapshot(folder: Path, *, leave_out: tuple[str, ...] = ()) -> dict[str, tuple[int, int]]:
    """Every path under ``folder`` with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in folder.rglob("*")
        if not p.relative_to(folder).parts[0].startswith(leave_out)
    }


def test_the_upload_prompt_keeps_the_key_private_and_run_stays_in_its_sandbox(
    tmp_path: Path, api: KaggleStandin
) -> None:
    key_file = tmp_path / "picked" / "kaggle.json"
    key_file.parent.mkdir()
    key_file.write_text(json.dumps({"username": USERNAME, "key": KEY}))
    home = tmp_path / "home"  # the machine's own home folder, as far as nbgen run knows
    (home / ".config").mkdir(parents=True)
    (home / ".bashrc").write_text("export PS1='$ '\n")
    nb = generate(tmp_path, "--kaggle-data", "owner/cats", "--no-bench")
    drive = tmp_path / "MyDrive"
    drive.mkdir()
    before = snapshot(tmp_path, leave_out=(".nbgen-run", "setup.run.ipynb", "MyDrive"))
    code, executed, err = run(nb, api, "--drive", str(drive), NBGEN_STANDIN_UPLOAD=str(key_file))
    assert code == 0, err
    # nothing outside .nbgen-run, the notebook's output and the stand-in Drive changed
    assert snapshot(tmp_path, leave_out=(".nbgen-run", "setup.run.ipynb", "MyDrive")) == before
    saved = tmp_path / ".nbgen-run" / "home" / ".kaggle" / "kaggle.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    everywhere = [p for p in tmp_path.rglob("*.json") if "kaggle" in p.name]
    assert sorted(everywhere) == sorted([saved, key_file])  # none in the work folder on Drive
    key_file.unlink()
    assert_no_secret(executed, tmp_path)


def test_secrets_without_notebook_access_are_named(tmp_path: Path, api: KaggleStandin) -> None:
    nb = generate(tmp_path, "--kaggle-data", "owner/cats", "--no-bench")
    code, executed, _ = run(nb, api, NBGEN_STANDIN_SECRETS="denied",
                            COLAB_SECRET_KAGGLE_API_TOKEN=TOKEN)  # fmt: skip
    assert code == 1
    [error] = errors_of(executed)
    assert "switch on 'Notebook access' for KAGGLE_API_TOKEN" in error
    assert "Upload a Kaggle API token" not in text_of(executed)


def test_kaggle_dest_that_is_the_work_folder_deletes_nothing(
    tmp_path: Path, api: KaggleStandin
) -> None:
    drive = tmp_path / "MyDrive"
    work = drive / "competitions" / "titanic"  # where the titanic data would land
    work.mkdir(parents=True)
    (work / "train.ipynb").write_text(dumps_notebook(notebook(("code", "print('mine')"))))
    (work / "model.pt").write_bytes(b"weights of a day's training")
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    nb = tmp_path / "setup.ipynb"
    made = run_nbgen("new", "-o", str(nb), "--workdir", "/content/drive/MyDrive/competitions/titanic",
                     "--kaggle-data", "titanic", "--kaggle-dest", "/content/drive/MyDrive",
                     "--no-bench", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    asked = len(api.requests)
    result = run_nbgen("run", str(nb), "--drive", str(drive), cwd=tmp_path, timeout=900,
                       env=clean_env(api, tmp_path / "home", COLAB_SECRET_KAGGLE_API_TOKEN=TOKEN))  # fmt: skip
    assert result.returncode == 1
    assert "every cell succeeded" not in result.stdout + result.stderr
    executed = json.loads(nb.with_name("setup.run.ipynb").read_text())
    [error] = errors_of(executed)
    assert error.startswith("KaggleError: ") and "\n" not in error
    assert "competitions/titanic: a folder of yours is in the way (nbgen did not make it)" in error
    assert "choose another KAGGLE_DEST" in error and "force=True" in error
    after = {p.name: p.read_bytes() for p in work.iterdir() if p.name != ".nbgen"}
    assert after == before  # nothing deleted or changed; .nbgen/ is the environment record
    assert len(api.requests) == asked  # refused before any download
    assert_no_secret(executed, tmp_path)


def test_on_kaggle_the_notebooks_own_token_is_used_and_named(
    tmp_path: Path, api: KaggleStandin
) -> None:
    nb = generate(tmp_path, "--kaggle-data", "owner/cats", "--no-bench")
    token_file = tmp_path / ".nbgen-run" / "kaggle" / "api_v1_token"  # as Kaggle provides it
    token_file.parent.mkdir(parents=True)
    token_file.write_text(TOKEN)
    code, executed, err = run(nb, api, "--platform", "kaggle")
    assert code == 0, err
    text = text_of(executed)
    assert "Kaggle credentials: this Kaggle notebook's own token (KAGGLE_API_V1_TOKEN)" in text
    temp = tmp_path / ".nbgen-run" / "kaggle" / "temp"  # Kaggle's big scratch disk, not /working
    assert (temp / "data" / "datasets" / "owner" / "cats" / "latest" / "cats.csv").is_file()
    assert not (tmp_path / ".nbgen-run" / "kaggle" / "working" / "data").exists()
    token_file.unlink()
    assert_no_secret(executed, tmp_path)


def test_on_kaggle_with_nothing_attached_and_no_secret_add_input_comes_first(
    tmp_path: Path, api: KaggleStandin
) -> None:
    nb = generate(tmp_path, "--kaggle-data", "owner/cats", "--no-bench")
    code, executed, _ = run(nb, api, "--platform", "kaggle")
    assert code == 1
    [error] = errors_of(executed)
    assert error.startswith(
        "KaggleError: owner/cats is not attached to this Kaggle notebook. Attach it: Add Input"
    )


@pytest.mark.parametrize(
    ("failure", "needle"),
    [("refused", "allow every permission"), ("timeout", "very many files"),
     ("domain", "Workspace administrator")],
)  # fmt: skip
def test_a_failed_drive_mount_says_what_to_do(
    tmp_path: Path, api: KaggleStandin, failure: str, needle: str
) -> None:
    nb = generate(tmp_path, "--no-bench")
    code, executed, err = run(nb, api, NBGEN_STANDIN_DRIVE_FAIL=failure)
    assert code == 1 and needle in err
    [error] = errors_of(executed)
    assert error.startswith("DriveError: ") and needle in error


RUN_FIRST = ("Run the cells 'Parameters' and 'nbgen runtime: run me first' above first (after "
             "Restart session both are needed again), or Runtime > Run all.")  # fmt: skip


def test_a_section_cell_run_alone_asks_for_both_cells(tmp_path: Path, api: KaggleStandin) -> None:
    full = json.loads(generate(tmp_path, "--no-bench").read_text())
    alone = [c for c in full["cells"] if c["metadata"].get("nbgen", {}).get("setup") == "drive"]
    path = tmp_path / "restarted.ipynb"
    path.write_text(json.dumps({**full, "cells": alone}))
    code, executed, err = run(path, api, "--platform", "local")
    assert code == 1 and f"UsageError: {RUN_FIRST}" in err
    assert errors_of(executed) == []  # one line on stderr, no traceback
    shown = "".join("".join(o.get("text", "")) for o in outputs(executed))
    assert shown.strip() == f"UsageError: {RUN_FIRST}"  # and no "To exit: use 'exit'" warning


def test_after_restart_session_the_guards_advice_works(tmp_path: Path, api: KaggleStandin) -> None:
    """Run everything, restart the kernel, run a section cell: it names both cells; running the
    runtime cell alone is not enough (no NameError: the same advice); both, and it runs."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.util import run_sync

    train = tmp_path / "train.ipynb"
    train.write_text(dumps_notebook(notebook(("markdown", "# Mine"), ("code", "print('mine')"))))
    assert run_nbgen("new", "--into", str(train), "--no-drive", "--project", "proj",
                     cwd=tmp_path).returncode == 0  # fmt: skip
    nb = nbformat.read(train, as_version=4)
    index = {(c.metadata.get("nbgen", {}).get("setup"), c.cell_type): i
             for i, c in enumerate(nb.cells)}  # fmt: skip
    params, runtime, drive = (index[(name, "code")] for name in ("parameters", "runtime", "drive"))
    client = NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=300,
                            resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip

    def run_cell(i: int) -> str:
        cell = client.execute_cell(nb.cells[i], i)
        assert all(o.output_type != "error" for o in cell.outputs), cell.outputs
        return "".join(o.get("text", "") for o in cell.outputs)

    (tmp_path / "home").mkdir()
    with client.setup_kernel(env={**os.environ, **clean_env(api, tmp_path / "home")}):
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                run_cell(i)
        assert "Working directory" in "".join(o.get("text", "") for o in nb.cells[drive].outputs)
        km, kc = client.km, client.kc
        assert km is not None and kc is not None
        run_sync(km.restart_kernel)(now=True)  # type: ignore[arg-type]  # Runtime > Restart session
        run_sync(kc.wait_for_ready)(timeout=60)  # type: ignore[attr-defined]
        assert run_cell(drive).strip() == f"UsageError: {RUN_FIRST}"
        run_cell(runtime)
        assert run_cell(drive).strip() == f"UsageError: {RUN_FIRST}"  # not NameError: USE_DRIVE
        run_cell(params)
        run_cell(runtime)
        assert "Working directory" in run_cell(drive)


def test_into_a_training_notebook_twice_and_run_it(tmp_path: Path, api: KaggleStandin) -> None:
    user = notebook(("markdown", "# My model"), ("code", "import helper\nprint(helper.triple(14))"))
    user["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "old\n"}]
    train = tmp_path / "train.ipynb"
    train.write_text(dumps_notebook(user))
    (tmp_path / "proj").mkdir()
    helper = notebook(("code", "def triple(x):\n    return 3 * x\nprint('training!')"))
    (tmp_path / "proj" / "helper.ipynb").write_text(dumps_notebook(helper))
    args = ("new", "--into", str(train), "--project", "proj", "--no-bench")
    assert run_nbgen(*args, cwd=tmp_path).returncode == 0
    once = train.read_bytes()
    again = run_nbgen("new", "--into", str(train), cwd=tmp_path)
    assert again.returncode == 0 and "nothing written" in again.stdout
    assert train.read_bytes() == once
    assert run_nbgen("new", "--into", str(train), "--check", cwd=tmp_path).returncode == 0
    mine = [c for c in json.loads(once)["cells"] if "nbgen" not in c["metadata"]]
    assert [(c["cell_type"], "".join(c["source"])) for c in mine] == [
        ("markdown", "# My model"), ("code", "import helper\nprint(helper.triple(14))")]  # fmt: skip
    assert mine[1]["outputs"][0]["text"] == ["old\n"]
    code, executed, err = run(train, api, "--platform", "local")
    assert code == 0, err
    text = text_of(executed)
    assert "42" in text and "training!" not in text
    owned = [c for c in executed["cells"] if "nbgen" in c["metadata"]]
    shown = [o for c in owned for o in c.get("outputs", []) if o["output_type"] == "execute_result"]
    assert shown == []  # no stray `[]` under the importer cell
    assert "did not exist and was created" not in text  # a local work folder is no news


def test_kaggle_without_credentials_fails_clearly(tmp_path: Path, api: KaggleStandin) -> None:
    nb = generate(tmp_path, "--kaggle-data", "owner/cats", "--no-bench")
    code, executed, err = run(nb, api, "--platform", "local")
    assert code == 1
    assert "KaggleError: No Kaggle credentials found" in err
    [error] = errors_of(executed)
    assert "kaggle.json" in error and "KAGGLE_API_TOKEN" in error


@pytest.mark.parametrize("example", sorted(GENERATED.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_example_in_generated_runs(tmp_path: Path, api: KaggleStandin, example: Path) -> None:
    shutil.copyfile(example, tmp_path / "setup.ipynb")  # the committed file itself
    code, executed, err = run(tmp_path / "setup.ipynb", api, "-p", "PIP_PACKAGES=[]",
                              COLAB_SECRET_KAGGLE_USERNAME=USERNAME,
                              COLAB_SECRET_KAGGLE_KEY=KEY)  # fmt: skip
    assert code == 0, err
    assert errors_of(executed) == []
    data = tmp_path / ".nbgen-run" / "content" / "data"
    fashion = data / "datasets" / "zalando-research" / "fashionmnist" / "latest"
    assert (fashion / "cats.csv").is_file() and (data / "competitions" / "titanic").is_dir()
    assert_cpu_check(executed, "zh" if ".zh." in example.name else "en")
    assert_no_secret(executed, tmp_path)


def test_papermill_runs_a_generated_notebook_as_nbgen_run_does(
    tmp_path: Path, api: KaggleStandin
) -> None:
    """papermill, with its own -p typing, on the same notebook and values as nbgen run -p."""
    import subprocess
    import sys

    from papermill.cli import _resolve_type  # the rule nbgen run -p follows

    from nbgen.execute.params import parse_parameters

    values = {"LANG": "zh", "BENCH_STEPS": "2", "USE_DRIVE": "False", "CUDA_VISIBLE_DEVICES": ""}
    assert parse_parameters([f"{k}={v}" for k, v in values.items()]) == {
        k: _resolve_type(v) for k, v in values.items()
    }
    nb = generate(tmp_path, "--no-bench")
    papermill_args = [a for k, v in values.items() for a in ("-p", k, v)]
    out = tmp_path / "papermill.ipynb"
    env = clean_env(api, tmp_path / "home")
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(nb), str(out), *papermill_args, "-k", "python3",
         "--cwd", str(tmp_path)],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    code, executed, err = run(nb, api, "--platform", "local",
                              *[f"-p{k}={v}" for k, v in values.items()])  # fmt: skip
    assert code == 0, err
    by_papermill = json.loads(out.read_text())
    for result in (by_papermill, executed):
        text = text_of(result)
        assert "运行平台" in text and "没有需要额外安装的包" in text
        assert errors_of(result) == []
