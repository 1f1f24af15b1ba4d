"""The pip step with real pip, in a fresh virtual environment (no system site-packages) made by
the test, on tiny wheels the test builds (``--no-index --find-links``): the runtime's torch and
CUDA libraries are never replaced, a conflict is named, output streams, a replaced module that
is loaded asks for a restart."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nbgen.generate.render import runtime_cell
from nbgen.runtime.platforms.pip import (
    pip_install,
    pip_requirements,
    project_requirements,
)
from tests.wheels import make_venv, make_wheel

pytestmark = pytest.mark.slow
BASE = ("torch==2.5.0", "numpy==1.0", "nvidia-cudnn-cu12==9.1")
CALL = """
import json, sys
exec(open(sys.argv[1]).read())
for name in sys.argv[3:]:
    __import__(name)
args = json.loads(sys.argv[2])
try:
    result = nbgen.pip_install(*args["args"], **args["kwargs"])
    print("RESULT", json.dumps(result))
except nbgen.PipError as exc:
    print("PIPERROR", exc)
"""


class Venv:
    def __init__(self, root: Path) -> None:
        self.root, self.wheels = root, root / "wheels"
        for name, version, requires in [
            ("torch", "2.5.0", ()), ("torch", "2.6.0", ()), ("numpy", "1.0", ()),
            ("numpy", "2.0", ()), ("timm", "0.4.0", ("torch<2",)),
            ("goodpkg", "1.0", ("torch>=2", "numpy")), ("nvidia-cudnn-cu12", "9.1", ()),
            ("nvidia-cudnn-cu12", "9.5", ()), ("needscudnn", "1.0", ("nvidia-cudnn-cu12>=9.5",)),
        ]:  # fmt: skip
            make_wheel(self.wheels, name, version, requires)
        self.python = make_venv(root / "venv")
        self.runtime = root / "inlined.py"
        self.runtime.write_text(runtime_cell(["platforms.pip"]))

    def env(self, **extra: str) -> dict[str, str]:
        """This machine's pip configuration set aside: only the test's wheels, no index."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PIP_", "PYTHON", "KAGGLE_", "COLAB_", "VIRTUAL_ENV"))}  # fmt: skip
        return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1",
                "PIP_FIND_LINKS": str(self.wheels), "PIP_RETRIES": "0", "PIP_TIMEOUT": "3",
                **extra}  # fmt: skip

    def reset(self) -> None:
        """torch 2.5.0, numpy 1.0 and cuDNN 9.1 installed, nothing else."""
        pip = [str(self.python), "-m", "pip", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, "uninstall", "-y", "timm", "goodpkg", "needscudnn"],
                       env=self.env(), check=True, capture_output=True, timeout=300)  # fmt: skip
        subprocess.run([*pip, "install", *BASE], env=self.env(), check=True,
                       capture_output=True, timeout=300)  # fmt: skip

    def versions(self) -> dict[str, str]:
        out = subprocess.run([str(self.python), "-m", "pip", "list", "--format", "json"],
                             env=self.env(), capture_output=True, text=True, check=True)  # fmt: skip
        return {p["name"].lower(): p["version"] for p in json.loads(out.stdout)}

    def pip_install(self, *args: object, imported: tuple[str, ...] = (), env: dict[str, str]
                    | None = None, **kwargs: object) -> str:  # fmt: skip
        call = json.dumps({"args": list(args), "kwargs": kwargs})
        result = subprocess.run(
            [str(self.python), "-I", "-c", CALL, str(self.runtime), call, *imported],
            env=env or self.env(), capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return Venv(tmp_path_factory.mktemp("pip"))


@pytest.fixture
def fresh(venv: Venv) -> Venv:
    venv.reset()
    return venv


def test_a_package_that_wants_another_torch_is_refused_by_name(fresh: Venv) -> None:
    out = fresh.pip_install("timm==0.4.0")
    assert (
        "PIPERROR timm 0.4.0 wants torch<2: not installed. This runtime's torch 2.5.0 stays" in out
    )
    assert "add torch to ALLOW_UPGRADE" in out
    versions = fresh.versions()
    assert versions["torch"] == "2.5.0" and "timm" not in versions


def test_asking_for_another_torch_or_cuda_library_is_refused(fresh: Venv) -> None:
    out = fresh.pip_install(["torch==2.6.0"], lang="zh")
    assert "PIPERROR PIP_PACKAGES 要求 torch==2.6.0：未安装。本运行时的 torch 2.5.0 保持不变" in out
    out = fresh.pip_install("needscudnn")
    assert "PIPERROR needscudnn 1.0 wants nvidia-cudnn-cu12>=9.5: not installed" in out
    assert "Kept as this runtime has them (ALLOW_UPGRADE lifts it): torch 2.5.0, CUDA ×1" in out
    versions = fresh.versions()
    assert (versions["torch"], versions["nvidia-cudnn-cu12"]) == ("2.5.0", "9.1")


def test_what_fits_installs_and_a_replaced_loaded_module_asks_for_a_restart(fresh: Venv) -> None:
    out = fresh.pip_install("goodpkg, numpy>=1.5,<3", imported=("numpy",))
    result = json.loads(out.split("RESULT ", 1)[1])
    assert result == {"goodpkg": "1.0", "numpy": "2.0"}
    assert "Installed: goodpkg 1.0, numpy 1.0 → 2.0" in out
    assert "Successfully installed" in out  # pip's own lines are shown
    assert "Restart the session before you go on (restart the kernel)" in out
    assert "still in memory: numpy." in out
    versions = fresh.versions()
    assert versions["torch"] == "2.5.0" and versions["numpy"] == "2.0"
    again = fresh.pip_install(["goodpkg"], imported=("numpy",))
    assert "Installed: nothing new" in again and "Restart" not in again


def test_allow_upgrade_lets_the_user_replace_torch(fresh: Venv) -> None:
    out = fresh.pip_install("torch==2.6.0", allow_upgrade="torch", imported=("torch",))
    assert "Installed: torch 2.5.0 → 2.6.0" in out and "still in memory: torch." in out
    assert fresh.versions()["torch"] == "2.6.0"


def test_no_index_reached_says_so_and_on_kaggle_names_the_setting(fresh: Venv) -> None:
    offline = {"PIP_NO_INDEX": "", "PIP_FIND_LINKS": "", "PIP_INDEX_URL": "http://127.0.0.1:9/",
               "PIP_RETRIES": "1"}  # fmt: skip
    out = fresh.pip_install("timm", env=fresh.env(**offline))
    assert "PIPERROR pip could not reach the package index (network error)" in out
    out = fresh.pip_install("timm", env=fresh.env(KAGGLE_KERNEL_RUN_TYPE="Batch", **offline))
    assert "Internet is off" in out and "phone-verified account" in out


class _Gate(SimpleHTTPRequestHandler):
    """Serves the wheels folder; a wheel only once the test has seen pip's first lines."""

    released = threading.Event()
    waited_out = False

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.endswith(".whl") and not self.released.wait(120):
            type(self).waited_out = True
        super().do_GET()


@pytest.fixture
def gated(venv: Venv) -> Iterator[str]:
    _Gate.released.clear()
    _Gate.waited_out = False
    handler = partial(_Gate, directory=str(venv.wheels))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    _Gate.released.set()
    server.shutdown()
    server.server_close()


def test_pips_output_shows_while_it_runs(fresh: Venv, gated: str) -> None:
    """The download waits until the test has read pip's 'Collecting' line from the cell's
    output: a step that printed only at the end would never get there."""
    call = json.dumps({"args": ["timm"], "kwargs": {}})
    env = fresh.env(PIP_FIND_LINKS=gated)
    with subprocess.Popen([str(fresh.python), "-I", "-c", CALL, str(fresh.runtime), call],
                          env=env, stdout=subprocess.PIPE, text=True) as proc:  # fmt: skip
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("Collecting timm"):
                _Gate.released.set()
        proc.wait(timeout=300)
    assert not _Gate.waited_out, "pip's lines did not arrive before the download ended"
    assert any(line.startswith("Collecting timm") for line in seen)
    assert any("wants torch<2" in line for line in seen)


def test_the_requirement_list_and_a_repositorys_own(tmp_path: Path) -> None:
    assert pip_requirements("timm, numpy>=1.20,<2 , einops") == ["timm", "numpy>=1.20,<2", "einops"]
    assert pip_requirements(["a>=1", "<2"]) == ["a>=1", "<2"]  # a list is taken as it is
    assert pip_requirements(" , ") == [] and pip_requirements(()) == []
    assert project_requirements(None) == [] and project_requirements(tmp_path) == []
    (tmp_path / "requirements.txt").write_text("goodpkg\n")
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")  # config only
    assert project_requirements(tmp_path) == ["-r", str(tmp_path / "requirements.txt")]
    (tmp_path / "pyproject.toml").write_bytes(b"\xef\xbb\xbf[project]\r\nname = 'x'\r\n")
    assert project_requirements(tmp_path)[2:] == ["-e", str(tmp_path)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("timm", ["timm"]), ("timm, einops", ["timm", "einops"]), (" timm ,, einops, ", ["timm", "einops"]),
     ("numpy>=1.0,<3, timm", ["numpy>=1.0,<3", "timm"]),
     ("transformers[torch,vision]>=4, x", ["transformers[torch,vision]>=4", "x"]),
     ("a!=1,~=2.0", ["a!=1,~=2.0"]), ("", []), (" , ", []),
     (["timm", " ", "einops"], ["timm", "einops"]), ((), [])],
)  # fmt: skip
def test_pip_requirements(value: str | list[str], expected: list[str]) -> None:
    assert pip_requirements(value) == expected


def test_an_empty_field_installs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    pip_install(" , ", lang="zh")
    assert capsys.readouterr().out == "没有需要额外安装的包。\n"
